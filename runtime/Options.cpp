//===- Options.cpp - The command line of compiled programs ----------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/Options.h"

#include "runtime/Error.h"
#include "runtime/TrainConfig.h"

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
    {"init", "FILE",
     "load every param and buffer from this safetensors file instead of "
     "initializing them (default: the train section's init)",
     [](Options &o, const std::string &v) { o.init = v; }},
    {"resume", "FILE",
     "continue training from this checkpoint: params, buffers, optimizer "
     "state, step and data position",
     [](Options &o, const std::string &v) { o.resume = v; }},
    {"checkpoint", "FILE",
     "where training checkpoints go (default: <model>.ckpt.safetensors)",
     [](Options &o, const std::string &v) {
       if (isActivationCheckpointing(v))
         throw UsageError("--checkpoint=" + v +
                          ": activation checkpointing is compiled into this "
                          "program; change the train section and recompile "
                          "with dlcc (--checkpoint FILE names the file "
                          "training checkpoints go to)");
       o.checkpoint = v;
     }},
    {"log", "FILE",
     "write the metrics of each logged step and evaluation to "
     "FILE as JSON lines",
     [](Options &o, const std::string &v) { o.log = v; }},
    {"plot", "FILE", "write the loss curve to FILE (SVG) at the end",
     [](Options &o, const std::string &v) { o.plot = v; }},
    {"outputs", "FILE",
     "write every output of the (last) step to this safetensors file",
     [](Options &o, const std::string &v) { o.outputs = v; }},
    {"save-params", "FILE",
     "write every param and buffer to this safetensors file at the end",
     [](Options &o, const std::string &v) { o.saveParams = v; }},
    {"report-memory", nullptr,
     "at the end of training, print the memory the compiler planned next "
     "to what the run used",
     [](Options &o, const std::string &) { o.reportMemory = true; }},
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

const std::string *Options::override(const std::string &name) const {
  for (const auto &[option, value] : overrides)
    if (option == name)
      return &value;
  return nullptr;
}

Options parseOptions(const std::vector<std::string> &args) {
  Options options;
  std::set<std::string> seen;
  // --help wins over everything else, errors included.
  for (const std::string &arg : args)
    if (arg == "--help" || arg == "-h") {
      options.mode = Mode::Help;
      return options;
    }

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
    // `--eval` is the mode; `--eval=SOURCE` sets the eval data.
    bool isTrainOption =
        (!spec || (name == "eval" && equals != std::string::npos)) &&
        isTrainOptionName(name);
    if (!spec && !isTrainOption)
      throw UsageError("unknown option '--" + name + "' (see --help)");
    if (!seen.insert(isTrainOption ? "train:" + name : name).second)
      throw UsageError("option --" + name + " is given twice");

    const char *placeholder =
        isTrainOption ? trainOptionPlaceholder(name) : spec->value;
    std::string value;
    if (!placeholder) {
      if (equals != std::string::npos)
        throw UsageError("option --" + name + " takes no value");
    } else if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else if (i + 1 < args.size() && args[i + 1].compare(0, 2, "--") != 0) {
      value = args[++i];
    } else {
      throw UsageError("option --" + name + " needs a value (--" + name + " " +
                       placeholder + ")");
    }
    if (placeholder && value.empty())
      throw UsageError("option --" + name + " has an empty value");

    if (isTrainOption) {
      options.overrides.emplace_back(name, value);
      continue;
    }
    if (isMode) {
      if (mode)
        throw UsageError(std::string("options --") + mode->name + " and --" +
                         name + " exclude each other");
      mode = spec;
    }
    spec->apply(options, value);
  }

  if (options.mode == Mode::Gradients && !options.override("data"))
    throw UsageError("--gradients needs --data FILE");
  if (!options.init.empty() && !options.resume.empty())
    throw UsageError("options --init and --resume exclude each other (a "
                     "checkpoint holds the params)");
  if (options.mode != Mode::Train)
    for (const char *trainOnly :
         {"resume", "checkpoint", "log", "plot", "report-memory"})
      if (seen.count(trainOnly))
        throw UsageError(std::string("option --") + trainOnly +
                         " is for training; it does not go with --" +
                         mode->name);
  return options;
}

std::string helpEntry(const std::string &left, const std::string &help) {
  constexpr size_t kColumn = 24, kWidth = 80;
  std::string text = left;
  text.resize(text.size() < kColumn ? kColumn : text.size() + 1, ' ');
  size_t lineStart = 0, at = 0;
  while (at < help.size()) {
    size_t end = help.find(' ', at);
    if (end == std::string::npos)
      end = help.size();
    std::string word = help.substr(at, end - at);
    size_t used = text.size() - lineStart;
    if (used > kColumn && used + 1 + word.size() > kWidth) {
      text += "\n";
      lineStart = text.size();
      text += std::string(kColumn, ' ');
    } else if (used > kColumn) {
      text += ' ';
    }
    text += word;
    at = end + 1;
  }
  return text + "\n";
}

std::string usageText(const std::string &program, const std::string &model,
                      const std::string &trainHelp) {
  std::string text =
      "Usage: " + program + " [--name=value ...] [--resume FILE] [options]\n" +
      "       " + program + " --eval [--data SOURCE] [options]\n" + "       " +
      program + " --gradients FILE --data FILE [options]\n\n";
  if (!model.empty())
    text += "Runs the model '" + model +
            "', compiled by dlcc. Without a mode option, the program\n"
            "trains it with the train options below.\n\n";
  auto list = [&](const char *title, const auto &specs) {
    text += std::string(title) + ":\n";
    for (const OptionSpec &spec : specs) {
      std::string left = std::string("  --") + spec.name;
      if (spec.value)
        left += std::string(" ") + spec.value;
      text += helpEntry(left, spec.help);
    }
  };
  list("Modes", kModes);
  text += "\n";
  list("Options", kOptions);
  if (!trainHelp.empty())
    text += "\n" + trainHelp;
  text += "\nTrain option values take the syntax of a train section, for "
          "instance\n--schedule='cosine(warmup = 100)' or "
          "--data='text(path = \"a.txt\", context = 128)';\nstring arguments "
          "of dotted forms need no quotes: --data.path=a.txt.\n";
  text += "\nOptions also take the form --name value. Exit status: 0 on "
          "success, 1 for an\nerror in a file, the data or the model (a "
          "non-finite loss included), 2 for a\nmisused command line.\n";
  return text;
}

} // namespace dlrt
