//===- TrainConfig.cpp - The train options of a run -----------------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/TrainConfig.h"

#include "runtime/Error.h"
#include "runtime/Options.h"
#include "runtime/TrainFunctions.h"
#include "runtime/ValueSyntax.h"

#include <cerrno>
#include <cstdlib>

using nlohmann::json;

namespace dlrt {

const std::vector<TrainOptionInfo> &trainOptionTable() {
  static const std::vector<TrainOptionInfo> table = {
      {"data", "SOURCE",
       "the training data: idx(...), text(...), tokens(...), npy(...), or a "
       "safetensors file holding one batch",
       false},
      {"eval", "SOURCE",
       "the evaluation data, as --data, or none (only as --eval=SOURCE: "
       "--eval alone is the mode)",
       false},
      {"epochs", "N", "passes over the data; excludes --steps", false},
      {"steps", "N", "optimizer steps instead of epochs; excludes --epochs",
       false},
      {"seed", "N", "seed of initialization, shuffling and dropout", false},
      {"optimizer", "OPT",
       "the optimizer's arguments, e.g. adamw(lr = 3e-4) or "
       "--optimizer.lr=3e-4 (its name is compiled in)",
       false},
      {"schedule", "SCHED",
       "the learning-rate schedule: constant, linear(warmup), "
       "cosine(warmup, min_lr); or --schedule.warmup=N",
       false},
      {"clip", "X",
       "the global gradient-norm bound (in programs compiled with a clip)",
       false},
      {"eval_every", "N", "evaluate every N steps (0: after each epoch)",
       false},
      {"checkpoint_every", "N",
       "save a checkpoint every N steps (0: only at the end)", false},
      {"log_every", "N", "report the loss and metrics every N steps", false},
      {"batch", nullptr, "examples per step", true},
      {"precision", nullptr, "compute type", true},
      {"checkpoint", nullptr, "activation checkpointing", true},
      {"offload", nullptr, "offloading to host memory", true},
      {"parallel", nullptr, "how ranks share the work", true},
      {"adapt", nullptr, "adapters", true},
      {"quantize", nullptr, "quantized frozen weights", true},
      {"freeze", nullptr, "frozen parameters", true},
  };
  return table;
}

namespace {

const TrainOptionInfo *findOption(const std::string &name) {
  for (const TrainOptionInfo &info : trainOptionTable())
    if (name == info.name)
      return &info;
  return nullptr;
}

/// The category of the function an option's value calls, if any.
std::optional<FunctionCategory> functionCategory(const std::string &name) {
  if (name == "data" || name == "eval")
    return FunctionCategory::DataSource;
  if (name == "optimizer")
    return FunctionCategory::Optimizer;
  if (name == "schedule")
    return FunctionCategory::Schedule;
  return std::nullopt;
}

/// The hyper tensor that carries an optimizer argument to the compiled
/// step; betas go to beta1 and beta2. Null: compiled in.
std::vector<const char *> hypersOf(const std::string &argument) {
  if (argument == "betas")
    return {"beta1", "beta2"};
  for (const char *name : {"lr", "weight_decay", "eps", "momentum"})
    if (argument == name)
      return {name};
  return {};
}

[[noreturn]] void compiledIn(const std::string &option,
                             const std::string &value,
                             const std::string &hint = "") {
  throw UsageError("--" + option + ": " + value +
                   " is compiled into this program; change the train "
                   "section and recompile with dlcc" +
                   hint);
}

SyntaxValue parseOptionValue(const std::string &option,
                             const std::string &text) {
  try {
    return parseValue(text);
  } catch (const UsageError &) {
    throw;
  } catch (const Error &error) {
    throw UsageError("--" + option + ": " + error.what());
  }
}

int64_t parseInteger(const std::string &option, const std::string &text,
                     int64_t minimum) {
  SyntaxValue value;
  try {
    value = parseValue(text);
  } catch (const Error &) {
    value.kind = SyntaxValue::Kind::Word;
  }
  if (value.kind != SyntaxValue::Kind::Integer || value.integer < minimum)
    throw UsageError("--" + option + ": '" + text +
                     "' is not an integer >= " + std::to_string(minimum));
  return value.integer;
}

uint64_t parseSeed(const std::string &text) {
  bool digits = !text.empty() && text.size() <= 20;
  for (char c : text)
    digits = digits && c >= '0' && c <= '9';
  errno = 0;
  unsigned long long value =
      digits ? std::strtoull(text.c_str(), nullptr, 10) : 0;
  if (!digits || errno == ERANGE)
    throw UsageError("--seed: '" + text + "' is not an integer in [0, 2^64)");
  return value;
}

/// Rethrows an Error of the function binding as a UsageError.
template <typename F> json asUsage(F &&bind) {
  try {
    return bind();
  } catch (const UsageError &) {
    throw;
  } catch (const Error &error) {
    throw UsageError(error.what());
  }
}

/// A data source on the command line: a call of a source function, `none`
/// (eval only), or the name of a safetensors batch file.
json parseSource(const std::string &option, const std::string &text) {
  size_t open = text.find('(');
  std::string head = text.substr(0, open);
  while (!head.empty() && head.back() == ' ')
    head.pop_back();
  bool looksLikeCall = open != std::string::npos &&
                       lookupTrainFunction(FunctionCategory::DataSource, head);
  if (looksLikeCall) {
    SyntaxValue value = parseOptionValue(option, text);
    return asUsage([&] {
      return bindTrainFunction(value, FunctionCategory::DataSource,
                               "--" + option);
    });
  }
  if (option == "eval" && text == "none")
    return nullptr;
  return text; // A file.
}

/// The optimizer a section with no `optimizer` entry trains with.
json defaultOptimizer() {
  SyntaxValue adamw;
  adamw.kind = SyntaxValue::Kind::Word;
  adamw.text = "adamw";
  return bindTrainFunction(adamw, FunctionCategory::Optimizer, "optimizer");
}

/// A top-level option's value: strings of the compiled-in options are words
/// of the train section (`precision = bf16`), written without quotes.
std::string formatOptionValue(const json &value) {
  return value.is_string() ? value.get<std::string>()
                           : formatConfigValue(value);
}

bool hasHyper(const ModelDesc &model, const char *name) {
  const TensorDesc *tensor = model.find(name);
  return tensor && tensor->role == TensorRole::Hyper;
}

/// The clip of a section: its number, or nullopt for none.
std::optional<double> clipOf(const json &options) {
  auto it = options.find("clip");
  if (it == options.end() || !it->is_number())
    return std::nullopt;
  return it->get<double>();
}

int64_t integerOption(const json &options, const char *name, int64_t fallback,
                      int64_t minimum) {
  auto it = options.find(name);
  if (it == options.end())
    return fallback;
  if (!it->is_number_integer() || it->get<int64_t>() < minimum)
    throw Error(std::string("model descriptor: train option '") + name +
                "' is not an integer >= " + std::to_string(minimum));
  return it->get<int64_t>();
}

json sourceOption(const json &options, const char *name) {
  auto it = options.find(name);
  if (it == options.end() || it->is_null() ||
      (it->is_string() && *it == "none"))
    return nullptr;
  if (it->is_string())
    return *it;
  if (!it->is_object() || !it->contains("source") ||
      !(*it)["source"].is_string())
    throw Error(std::string("model descriptor: train option '") + name +
                "' is not a data source");
  return *it;
}

double numberArgument(const json &optimizer, const char *name,
                      double fallback) {
  auto it = optimizer.find(name);
  if (it == optimizer.end())
    return fallback;
  if (!it->is_number())
    throw Error(std::string("model descriptor: the optimizer's '") + name +
                "' is not a number");
  return it->get<double>();
}

} // namespace

bool isTrainOptionName(const std::string &name) {
  size_t dot = name.find('.');
  if (dot == std::string::npos)
    return findOption(name) != nullptr;
  return functionCategory(name.substr(0, dot)).has_value() &&
         dot + 1 < name.size();
}

const char *trainOptionPlaceholder(const std::string &name) {
  const TrainOptionInfo *info = findOption(name);
  return info && info->placeholder ? info->placeholder : "VALUE";
}

bool isActivationCheckpointing(const std::string &value) {
  return value == "none" || value == "blocks" || value == "sqrt" ||
         value == "auto" || value.rfind("auto(", 0) == 0;
}

TrainConfig::TrainConfig(const ModelDesc &model) : model(model) {
  compiled = model.train.is_null() ? json::object() : model.train;
  if (!compiled.is_object())
    throw Error("model descriptor: 'train' is not an object");
  current = compiled;
}

void TrainConfig::override(const std::string &name, const std::string &value) {
  size_t dot = name.find('.');
  if (dot != std::string::npos)
    return overrideDotted(name.substr(0, dot), name.substr(dot + 1), value);

  const TrainOptionInfo *info = findOption(name);
  if (!info)
    throw UsageError("unknown option '--" + name + "' (see --help)");
  if (info->compiledIn) {
    auto it = compiled.find(name);
    std::string now = name == "batch"        ? std::to_string(model.batch)
                      : it != compiled.end() ? formatOptionValue(*it)
                                             : std::string("none");
    compiledIn(name, std::string(info->help) + " (" + name + " = " + now + ")",
               name == "batch" ? " (or give dlcc --batch N)" : "");
  }

  if (name == "epochs" || name == "steps") {
    bool steps = name == "steps";
    if ((steps && setEpochs) || (!steps && setSteps))
      throw UsageError("--steps and --epochs exclude each other");
    (steps ? setSteps : setEpochs) = true;
    current[name] = parseInteger(name, value, 1);
    current.erase(steps ? "epochs" : "steps");
  } else if (name == "seed") {
    current["seed"] = parseSeed(value);
  } else if (name == "eval_every" || name == "checkpoint_every") {
    current[name] = parseInteger(name, value, 0);
  } else if (name == "log_every") {
    current[name] = parseInteger(name, value, 1);
  } else if (name == "data" || name == "eval") {
    current[name] = parseSource(name, value);
  } else if (name == "optimizer" || name == "schedule") {
    SyntaxValue parsed = parseOptionValue(name, value);
    current[name] = asUsage([&] {
      return bindTrainFunction(parsed, *functionCategory(name), "--" + name);
    });
  } else if (name == "clip") {
    SyntaxValue parsed = parseOptionValue(name, value);
    if (parsed.kind == SyntaxValue::Kind::Word && parsed.text == "none")
      current["clip"] = "none";
    else if (parsed.isNumeric() && parsed.number > 0)
      current["clip"] = parsed.number;
    else
      throw UsageError("--clip: '" + value + "' is not a number > 0 or none");
  }

  if (name == "optimizer")
    checkOptimizer();
  if (name == "clip")
    checkClip();
}

void TrainConfig::overrideDotted(const std::string &base,
                                 const std::string &argument,
                                 const std::string &value) {
  std::string what = "--" + base + "." + argument;
  std::optional<FunctionCategory> category = functionCategory(base);
  if (!category)
    throw UsageError("unknown option '" + what + "' (see --help)");
  json target = current.contains(base) ? current[base] : json();
  if (base == "optimizer" && target.is_null())
    target = defaultOptimizer();
  if (base == "schedule" && (target.is_null() || target.is_string())) {
    SyntaxValue word;
    word.kind = SyntaxValue::Kind::Word;
    word.text = target.is_string() ? target.get<std::string>() : "constant";
    target = asUsage([&] {
      return bindTrainFunction(word, FunctionCategory::Schedule, what);
    });
  }
  const char *key = functionKey(*category);
  if (!target.is_object() || !target.contains(key) || !target[key].is_string())
    throw UsageError(what + ": --" + base +
                     " is not a function with arguments here (now: " +
                     formatConfigValue(current.value(base, json())) + ")");
  std::string function = target[key].get<std::string>();
  const TrainFunction *fn = lookupTrainFunction(*category, function);
  if (!fn)
    throw UsageError(what + ": the arguments of " + function +
                     " cannot be changed");

  // Strings may be written without quotes: --data.path=corpus.txt.
  auto unquoted = [&](const std::string &text) -> std::string {
    if (!text.empty() && text.front() == '"') {
      SyntaxValue parsed = parseOptionValue(base + "." + argument, text);
      if (parsed.kind == SyntaxValue::Kind::String)
        return parsed.text;
    }
    return text;
  };
  if (fn->anyKeywords) {
    target[argument] = unquoted(value);
  } else {
    const FunctionParam *param = fn->find(argument);
    if (!param)
      throw UsageError(what + ": " + function + "(...) has no argument '" +
                       argument + "'");
    if (param->kind == ParamKind::String) {
      target[argument] = unquoted(value);
    } else {
      SyntaxValue parsed = parseOptionValue(base + "." + argument, value);
      target[argument] =
          asUsage([&] { return convertArgument(*param, parsed, what); });
    }
  }
  current[base] = target;
  if (base == "optimizer")
    checkOptimizer();
}

void TrainConfig::checkOptimizer() const {
  json was = compiled.contains("optimizer") ? compiled["optimizer"]
                                            : defaultOptimizer();
  json now =
      current.contains("optimizer") ? current["optimizer"] : defaultOptimizer();
  if (was.value("name", "") != now.value("name", ""))
    compiledIn("optimizer",
               "the optimizer " + was.value("name", std::string("?")));
  for (auto it = now.begin(); it != now.end(); ++it) {
    auto before = was.find(it.key());
    if (before != was.end() && *before == *it)
      continue;
    bool carried = true;
    std::vector<const char *> hypers = hypersOf(it.key());
    for (const char *hyper : hypers)
      carried = carried && hasHyper(model, hyper);
    if (hypers.empty() || !carried)
      compiledIn("optimizer",
                 "the optimizer's '" + it.key() + "' (" + it.key() + " = " +
                     (before == was.end() ? std::string("its default")
                                          : formatConfigValue(*before)) +
                     ")");
  }
}

void TrainConfig::checkClip() const {
  std::optional<double> was = clipOf(compiled), now = clipOf(current);
  if (was == now)
    return;
  if (!was)
    throw UsageError("--clip: this program was compiled without gradient "
                     "clipping; set clip in the train section and recompile "
                     "with dlcc");
  if (!now || !hasHyper(model, "max_grad_norm"))
    compiledIn("clip", "gradient clipping (clip = " +
                           formatConfigValue(compiled["clip"]) + ")");
}

void TrainConfig::checkTrainable() const {
  TrainSettings run = settings();
  if (!hasHyper(model, "lr") && (run.schedule.kind != Schedule::Kind::Constant))
    throw UsageError("--schedule: this program reads no learning rate (no "
                     "'lr' hyper tensor), so its schedule cannot change; "
                     "recompile with dlcc");
}

TrainSettings TrainConfig::settings() const {
  TrainSettings run;
  run.batch = model.batch;
  if (current.contains("steps"))
    run.steps = integerOption(current, "steps", 1, 1);
  run.epochs = integerOption(current, "epochs", 1, 1);
  if (auto it = current.find("seed"); it != current.end()) {
    if (it->is_number_unsigned())
      run.seed = it->get<uint64_t>();
    else
      run.seed = uint64_t(integerOption(current, "seed", 0, 0));
  }
  run.evalEvery = integerOption(current, "eval_every", 0, 0);
  run.checkpointEvery = integerOption(current, "checkpoint_every", 0, 0);
  run.logEvery = integerOption(current, "log_every", 10, 1);
  run.data = sourceOption(current, "data");
  run.eval = sourceOption(current, "eval");
  run.optimizer =
      current.contains("optimizer") ? current["optimizer"] : defaultOptimizer();
  if (!run.optimizer.is_object())
    throw Error("model descriptor: train option 'optimizer' is not an "
                "optimizer");
  if (auto it = current.find("schedule"); it != current.end())
    run.schedule = parseSchedule(*it, "model descriptor: train option "
                                      "'schedule'");
  run.clip = clipOf(current);
  if (run.clip && !(*run.clip > 0))
    throw Error("model descriptor: train option 'clip' is not > 0");
  if (auto it = current.find("init"); it != current.end() && it->is_string())
    run.init = it->get<std::string>();
  return run;
}

OptimizerHypers TrainConfig::hypers() const {
  TrainSettings run = settings();
  const json &opt = run.optimizer;
  OptimizerHypers h;
  h.lr = numberArgument(opt, "lr", h.lr);
  h.weightDecay = numberArgument(opt, "weight_decay", h.weightDecay);
  h.eps = numberArgument(opt, "eps", h.eps);
  h.momentum = numberArgument(opt, "momentum", h.momentum);
  if (auto it = opt.find("betas"); it != opt.end()) {
    if (!it->is_array() || it->size() != 2 || !(*it)[0].is_number() ||
        !(*it)[1].is_number())
      throw Error("model descriptor: the optimizer's 'betas' is not a pair "
                  "of numbers");
    h.beta1 = (*it)[0].get<double>();
    h.beta2 = (*it)[1].get<double>();
  }
  h.maxGradNorm = run.clip.value_or(0.0);
  return h;
}

std::string TrainConfig::helpText() const {
  auto now = [&](const char *name) -> std::string {
    auto it = current.find(name);
    if (it != current.end())
      return std::string(name) == "clip" ? formatOptionValue(*it)
                                         : formatConfigValue(*it);
    std::string option = name;
    if (option == "epochs")
      return current.contains("steps") ? "none (steps)" : "1";
    if (option == "steps")
      return "none (epochs)";
    if (option == "optimizer")
      return formatConfigValue(defaultOptimizer());
    if (option == "schedule")
      return "constant";
    if (option == "eval_every" || option == "checkpoint_every" ||
        option == "seed")
      return "0";
    if (option == "log_every")
      return "10";
    return "none";
  };

  std::string text = "Train options (now: the program's train section with "
                     "this command line):\n";
  std::string compiledList;
  for (const TrainOptionInfo &info : trainOptionTable()) {
    if (info.compiledIn) {
      if (info.name == std::string("batch"))
        compiledList += "batch = " + std::to_string(model.batch);
      else if (current.contains(info.name))
        compiledList += std::string(", ") + info.name + " = " +
                        formatOptionValue(current[info.name]);
      continue;
    }
    text += helpEntry(std::string("  --") + info.name + " " + info.placeholder,
                      info.help) +
            std::string(24, ' ') + "now: " + now(info.name) + "\n";
  }
  json optimizer =
      current.contains("optimizer") ? current["optimizer"] : defaultOptimizer();
  compiledList +=
      ", the optimizer " + optimizer.value("name", std::string("?"));
  text += "\nCompiled into the program (recompile with dlcc to change):\n  " +
          compiledList + "\n";
  return text;
}

} // namespace dlrt
