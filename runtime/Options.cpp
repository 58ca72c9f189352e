//===- Options.cpp - The command line of compiled programs ----------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/Options.h"

#include "runtime/Error.h"

#include <cerrno>
#include <cstdlib>
#include <set>

namespace dlrt {

namespace {

/// One option: `--name`, or `--name VALUE` when `value` is set.
struct OptionSpec {
  const char *name;
  const char *value; ///< Placeholder in the help, or null for a flag.
  const char *help;
  void (*apply)(Options &options, const std::string &value);
};

uint64_t parseUnsigned(const std::string &option, const std::string &text) {
  bool digits = !text.empty() && text.size() <= 20;
  for (char c : text)
    digits = digits && c >= '0' && c <= '9';
  errno = 0;
  unsigned long long value =
      digits ? std::strtoull(text.c_str(), nullptr, 10) : 0;
  if (!digits || errno == ERANGE)
    throw UsageError("--" + option + ": '" + text +
                     "' is not an integer in [0, 2^64)");
  return value;
}

const OptionSpec kModes[] = {
    {"eval", nullptr,
     "run the forward program over the data; print the mean of each scalar "
     "output",
     [](Options &o, const std::string &) { o.mode = Mode::Eval; }},
    {"gradients", "FILE",
     "run the gradient step on one batch; print the scalar outputs and "
     "write every parameter's gradient to FILE",
     [](Options &o, const std::string &v) {
       o.mode = Mode::Gradients;
       o.gradients = v;
     }},
    {"help", nullptr, "print this help and exit",
     [](Options &o, const std::string &) { o.mode = Mode::Help; }},
};

const OptionSpec kOptions[] = {
    {"data", "FILE",
     "a safetensors file holding one batch (one tensor per model input); "
     "default: the model's eval data",
     [](Options &o, const std::string &v) { o.data = v; }},
    {"init", "FILE",
     "load every param and buffer from this safetensors file instead of "
     "initializing them",
     [](Options &o, const std::string &v) { o.init = v; }},
    {"seed", "N", "seed of the initializers (default 0)",
     [](Options &o, const std::string &v) {
       o.seed = parseUnsigned("seed", v);
     }},
    {"outputs", "FILE",
     "write every output of the step to this safetensors file",
     [](Options &o, const std::string &v) { o.outputs = v; }},
    {"save-params", "FILE",
     "write every param and buffer to this safetensors file",
     [](Options &o, const std::string &v) { o.saveParams = v; }},
};

/// The option named `name` (without the dashes), or null; `isMode` tells
/// which table it is in.
const OptionSpec *lookup(const std::string &name, bool &isMode) {
  isMode = true;
  for (const OptionSpec &spec : kModes)
    if (name == spec.name)
      return &spec;
  isMode = false;
  for (const OptionSpec &spec : kOptions)
    if (name == spec.name)
      return &spec;
  return nullptr;
}

} // namespace

Options parseOptions(const std::vector<std::string> &args) {
  Options options;
  std::set<std::string> seen;
  // --help wins over everything else, errors included.
  for (const std::string &arg : args)
    if (arg == "--help" || arg == "-h")
      return options;

  const OptionSpec *mode = nullptr;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &arg = args[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0)
      throw UsageError("unexpected argument '" + arg + "' (see --help)");

    size_t equals = arg.find('=');
    std::string name = arg.substr(
        2, equals == std::string::npos ? std::string::npos : equals - 2);
    bool isMode = false;
    const OptionSpec *spec = lookup(name, isMode);
    if (!spec)
      throw UsageError("unknown option '--" + name + "' (see --help)");
    if (name == "help")
      throw UsageError("option --help takes no value");
    if (!seen.insert(name).second)
      throw UsageError("option --" + name + " is given twice");

    std::string value;
    if (!spec->value) {
      if (equals != std::string::npos)
        throw UsageError("option --" + name + " takes no value");
    } else if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else if (i + 1 < args.size() && args[i + 1].compare(0, 2, "--") != 0) {
      value = args[++i];
    } else {
      throw UsageError("option --" + name + " needs a value (--" + name + " " +
                       spec->value + ")");
    }
    if (spec->value && value.empty())
      throw UsageError("option --" + name + " has an empty value");

    if (isMode) {
      if (mode)
        throw UsageError(std::string("options --") + mode->name + " and --" +
                         name + " exclude each other");
      mode = spec;
    }
    spec->apply(options, value);
  }

  if (!mode)
    throw UsageError("no mode given: use --eval or --gradients (see --help)");
  if (options.mode == Mode::Gradients && options.data.empty())
    throw UsageError("--gradients needs --data FILE");
  return options;
}

std::string usageText(const std::string &program, const std::string &model) {
  std::string text = "Usage: " + program + " --eval [--data FILE] [options]\n" +
                     "       " + program +
                     " --gradients FILE --data FILE [options]\n\n";
  if (!model.empty())
    text += "Runs the model '" + model + "', compiled by dlcc.\n\n";
  auto list = [&](const char *title, const auto &specs) {
    text += std::string(title) + ":\n";
    for (const OptionSpec &spec : specs) {
      std::string left = std::string("  --") + spec.name;
      if (spec.value)
        left += std::string(" ") + spec.value;
      left.resize(left.size() < 24 ? 24 : left.size() + 1, ' ');
      text += left + spec.help + "\n";
    }
  };
  list("Modes", kModes);
  text += "\n";
  list("Options", kOptions);
  text += "\nOptions also take the form --name=value. Exit status: 0 on "
          "success, 1 for an\nerror in a file, the data or the model, 2 for a "
          "misused command line.\n";
  return text;
}

} // namespace dlrt
