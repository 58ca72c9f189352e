//===- TrainMode.cpp - The training loop ----------------------------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/TrainMode.h"

#include "runtime/BatchPrefetcher.h"
#include "runtime/BatchSource.h"
#include "runtime/Checkpoint.h"
#include "runtime/Error.h"
#include "runtime/EvalMode.h"
#include "runtime/LossPlot.h"
#include "runtime/MemoryUse.h"
#include "runtime/MetricsLog.h"
#include "runtime/NonFinite.h"
#include "runtime/Progress.h"
#include "runtime/Schedule.h"
#include "runtime/StepRunner.h"
#include "runtime/Weights.h"

#include <cstring>
#include <memory>

using nlohmann::ordered_json;

namespace dlrt {

std::string defaultCheckpointPath(const ModelDesc &model) {
  return model.model + ".ckpt.safetensors";
}

namespace {

std::string format(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

/// One training run, from its set-up to its last checkpoint.
class TrainingRun {
public:
  TrainingRun(const Options &options, const ModelDesc &model,
              const ModelEntry &entry, Device *device,
              const TrainConfig &config, std::FILE *out, bool terminal);

  void run();

private:
  void train();
  void setUp();
  void step();
  void writeHypers(int64_t step, double lr);
  void checkOutputs(int64_t step);
  void logStep(int64_t step, double lr);
  void evaluateNow(int64_t step);
  void checkpointNow(int64_t step);
  void finish();

  int64_t epochOf(int64_t step) const { return (step - 1) / perEpoch + 1; }
  std::vector<const TensorDesc *> trainedState() const;

  const Options &options;
  const ModelDesc &model;
  const ModelEntry &entry;
  std::FILE *out;
  bool terminal;

  TrainSettings settings;
  OptimizerHypers hypers;
  std::unique_ptr<BatchSource> data, evalData;
  int64_t perEpoch = 1, total = 0;
  std::string checkpointPath;
  int64_t lastCheckpoint = -1; ///< Step of the last checkpoint written.

  Device *device;
  std::unique_ptr<StepRunner> runner;
  TrainProgress progress;
  int64_t firstStep = 0; ///< Steps done when this process started.
  std::vector<const TensorDesc *> scalars; ///< Scalar outputs, loss first.
  std::vector<const TensorDesc *> stats;
  std::unique_ptr<MetricsLog> log;
  std::unique_ptr<Progress> display;
  std::unique_ptr<BatchPrefetcher> prefetcher;
  std::string lastLogged; ///< The values of the last logged step.
};

TrainingRun::TrainingRun(const Options &options, const ModelDesc &model,
                         const ModelEntry &entry, Device *device,
                         const TrainConfig &config, std::FILE *out,
                         bool terminal)
    : options(options), model(model), entry(entry), out(out),
      terminal(terminal), device(device) {
  if (!entry.trainStep) {
    bool trains = false;
    for (const TensorDesc *param : model.withRole(TensorRole::Param))
      trains = trains || !param->frozen;
    throw Error(trains ? "this program has no training step (dl_train_step); "
                         "recompile the model '" +
                             model.model + "' with dlcc"
                       : "the model '" + model.model +
                             "' has no trained parameters: there is nothing "
                             "to train (use --eval to run it)");
  }
  config.checkTrainable();
  settings = config.settings();
  hypers = config.hypers();
}

void TrainingRun::setUp() {
  // Everything that can be wrong with the data or a checkpoint is found
  // here, before any file is written.
  if (settings.data.is_null())
    throw UsageError("no training data: the train section of '" + model.model +
                     "' names none; give --data=SOURCE (see "
                     "--help)");
  data = openDataSource(model, settings.data, "data");
  if (!settings.eval.is_null())
    evalData = openDataSource(model, settings.eval, "eval data");
  perEpoch = data->batchesPerEpoch(BatchOrder::Training);
  total = settings.steps ? *settings.steps : settings.epochs * perEpoch;
  checkpointPath = options.checkpoint.empty() ? defaultCheckpointPath(model)
                                              : options.checkpoint;

  runner = std::make_unique<StepRunner>(model, device);
  if (!options.resume.empty()) {
    progress = loadCheckpoint(options.resume, model, runner->host());
    const std::string *seed = options.override("seed");
    if (seed && settings.seed != progress.seed)
      throw UsageError("--seed=" + *seed + ": " + options.resume +
                       " continues a run with seed " +
                       std::to_string(progress.seed));
    settings.seed = progress.seed;
    if (progress.batchesPerEpoch != perEpoch)
      throw Error(options.resume + ": the checkpoint's data has " +
                  std::to_string(progress.batchesPerEpoch) +
                  " batches per epoch, but " + data->describe() + " has " +
                  std::to_string(perEpoch) + " (other data?)");
    lastCheckpoint = progress.step;
  } else {
    setUpParams(model, runner->host(),
                options.init.empty() ? settings.init : options.init,
                settings.seed);
    progress.seed = settings.seed;
    progress.batchesPerEpoch = perEpoch;
  }
  runner->pushModelState();
  firstStep = progress.step;

  for (const TensorDesc *output : model.outputTensors())
    if (output->shape.empty())
      scalars.push_back(output);
  if (scalars.empty() || scalars.front()->name != model.outputs.front())
    throw Error("the model '" + model.model + "' has no scalar loss to train");
  stats = model.withRole(TensorRole::Stat);

  if (!options.log.empty())
    log = std::make_unique<MetricsLog>(
        options.log, options.resume.empty() ? -1 : progress.step);
  int64_t tokens = data->tokensPerExample();
  display = std::make_unique<Progress>(out, terminal, firstStep, total,
                                       model.batch * (tokens > 0 ? tokens : 1),
                                       tokens > 0 ? "tokens" : "examples");
}

void TrainingRun::run() {
  try {
    train();
  } catch (...) {
    // The error goes on a line of its own, after the progress line.
    if (display)
      display->finish();
    throw;
  }
}

void TrainingRun::train() {
  setUp();
  std::string plan = "training '" + model.model + "' for " +
                     std::to_string(total) + " steps: batches of " +
                     std::to_string(model.batch) + " from " + data->describe() +
                     ", " + std::to_string(perEpoch) + " per epoch";
  display->print(plan);
  if (device)
    display->print("running on " + device->describe());
  for (const BatchSource *source : {data.get(), evalData.get()})
    if (source && !source->note().empty())
      display->print("note: " + source->note());
  if (!options.resume.empty())
    display->print("resuming from " + options.resume + " after step " +
                   std::to_string(progress.step));

  if (progress.step < total) {
    prefetcher = std::make_unique<BatchPrefetcher>(model, *data, settings.seed);
    prefetcher->request(progress.nextEpoch(), progress.nextIndex());
    while (progress.step < total)
      step();
    prefetcher.reset();
  } else {
    display->print("nothing to train: " + options.resume + " is at step " +
                   std::to_string(progress.step) + " of " +
                   std::to_string(total));
  }
  finish();
}

void TrainingRun::writeHypers(int64_t step, double lr) {
  for (const TensorDesc *hyper : model.withRole(TensorRole::Hyper)) {
    uint8_t *at = runner->host() + hyper->offset;
    const std::string &name = hyper->name;
    if (name == "step" || name == "seed") {
      // The seed's 64 bits as they are (two's complement for i64).
      int64_t value = name == "step" ? step : int64_t(settings.seed);
      std::memcpy(at, &value, sizeof value);
      continue;
    }
    double value = name == "lr"             ? lr
                   : name == "weight_decay" ? hypers.weightDecay
                   : name == "beta1"        ? hypers.beta1
                   : name == "beta2"        ? hypers.beta2
                   : name == "eps"          ? hypers.eps
                   : name == "momentum"     ? hypers.momentum
                                            : hypers.maxGradNorm;
    storeFromDouble(hyper->dtype, at, 0, value);
  }
}

void TrainingRun::step() {
  int64_t step = progress.step + 1;
  prefetcher->deliver(runner->host());
  if (step < total)
    prefetcher->request(step / perEpoch, step % perEpoch);
  double lr = scheduledLr(settings.schedule, hypers.lr, step - 1, total);
  writeHypers(step, lr);

  runner->run(entry.trainStep);

  checkOutputs(step);
  progress.step = step;
  for (const std::vector<const TensorDesc *> *values : {&scalars, &stats})
    for (const TensorDesc *value : *values)
      progress.windowSums[value->name] +=
          loadAsDouble(value->dtype, runner->host() + value->offset, 0);
  ++progress.windowSteps;

  if (step % settings.logEvery == 0 || step == total)
    logStep(step, lr);
  display->stepDone(step, lastLogged);
  bool epochEnd = step % perEpoch == 0;
  if (evalData &&
      (step == total ||
       (settings.evalEvery > 0 ? step % settings.evalEvery == 0 : epochEnd)))
    evaluateNow(step);
  if (step == total ||
      (settings.checkpointEvery > 0 && step % settings.checkpointEvery == 0))
    checkpointNow(step);
}

std::vector<const TensorDesc *> TrainingRun::trainedState() const {
  std::vector<const TensorDesc *> tensors;
  for (const TensorDesc &tensor : model.tensors)
    if (tensor.role == TensorRole::Param || tensor.role == TensorRole::State ||
        tensor.role == TensorRole::Buffer)
      tensors.push_back(&tensor);
  return tensors;
}

void TrainingRun::checkOutputs(int64_t step) {
  for (const TensorDesc *output : model.outputTensors()) {
    int64_t bad = firstNonFinite(*output, runner->host());
    if (bad < 0)
      continue;
    runner->pullModelState();
    std::string message = "step " + std::to_string(step) + ": ";
    const uint8_t *at = runner->host() + output->offset;
    if (output->shape.empty())
      message += (output->name == model.outputs.front()
                      ? std::string("the loss")
                      : "the output '" + output->name + "'") +
                 " is " + formatScalar(output->dtype, at);
    else
      message += "the output '" + output->name + "' is not finite (element " +
                 std::to_string(bad) + ")";
    message += "; training stopped";
    if (const TensorDesc *cause =
            firstNonFiniteTensor(trainedState(), runner->host()))
      message += std::string("; the first non-finite tensor is the ") +
                 tensorRoleName(cause->role) + " '" + cause->name + "'";
    else
      message += "; every param, buffer and optimizer state is finite";
    for (const TensorDesc *stat : stats)
      if (firstNonFinite(*stat, runner->host()) >= 0)
        message += "; " + stat->name + " is " +
                   formatScalar(stat->dtype, runner->host() + stat->offset);
    message += lastCheckpoint >= 0 ? "; the last checkpoint, of step " +
                                         std::to_string(lastCheckpoint) +
                                         ", is " + checkpointPath
                                   : "; no checkpoint was written";
    throw Error(message);
  }
}

void TrainingRun::logStep(int64_t step, double lr) {
  double n = double(progress.windowSteps);
  auto mean = [&](const TensorDesc *value) {
    return progress.windowSums[value->name] / n;
  };
  ordered_json record = {{"event", "train"},
                         {"step", step},
                         {"epoch", epochOf(step)},
                         {"loss", mean(scalars.front())}};
  std::string text = "epoch " + std::to_string(epochOf(step)) + "  loss " +
                     format(mean(scalars.front()));
  ordered_json metrics = ordered_json::object();
  for (size_t i = 1; i < scalars.size(); ++i) {
    metrics[scalars[i]->name] = mean(scalars[i]);
    text += "  " + scalars[i]->name + " " + format(mean(scalars[i]));
  }
  record["metrics"] = metrics;
  // The learning rate as the step received it (rounded to f32).
  double written = double(float(lr));
  record["lr"] = written;
  text += "  lr " + format(written);
  for (const TensorDesc *stat : stats) {
    record[stat->name] = mean(stat);
    text += "  " + stat->name + " " + format(mean(stat));
  }
  record["time"] = {
      {"elapsed_s", display->elapsed()},
      {data->tokensPerExample() > 0 ? "tokens_per_s" : "examples_per_s",
       display->throughput(step)}};
  if (log)
    log->write(record);
  display->logged(step, text);
  lastLogged = text;
  progress.trainCurve.emplace_back(step, mean(scalars.front()));
  progress.windowSteps = 0;
  progress.windowSums.clear();
}

void TrainingRun::evaluateNow(int64_t step) {
  double started = display->elapsed();
  Evaluation result =
      evaluate(model, entry, *evalData, *runner, settings.seed);
  ordered_json record = {{"event", "eval"},
                         {"step", step},
                         {"epoch", epochOf(step)},
                         {"loss", result.means.front()}};
  std::string text = "eval at step " + std::to_string(step) + ": loss " +
                     format(result.means.front());
  ordered_json metrics = ordered_json::object();
  for (size_t i = 1; i < result.scalars.size(); ++i) {
    metrics[result.scalars[i]->name] = result.means[i];
    text += "  " + result.scalars[i]->name + " " + format(result.means[i]);
  }
  record["metrics"] = metrics;
  record["examples"] = result.examples;
  record["time"] = {{"elapsed_s", display->elapsed()},
                    {"eval_s", display->elapsed() - started}};
  text += "  (" + std::to_string(result.examples) + " examples)";
  if (log)
    log->write(record);
  display->print(text);
  progress.evalCurve.emplace_back(step, result.means.front());
}

void TrainingRun::checkpointNow(int64_t step) {
  runner->pullModelState();
  if (const TensorDesc *bad =
          firstNonFiniteTensor(trainedState(), runner->host()))
    throw Error("step " + std::to_string(step) + ": the " +
                tensorRoleName(bad->role) + " '" + bad->name +
                "' holds a non-finite value; training stopped without "
                "writing a checkpoint");
  saveCheckpoint(checkpointPath, model, runner->host(), progress);
  lastCheckpoint = step;
  if (step != total)
    display->print("checkpoint of step " + std::to_string(step) + ": " +
                   checkpointPath);
}

void TrainingRun::finish() {
  display->finish();
  if (progress.step > firstStep) {
    char timing[64];
    std::snprintf(timing, sizeof timing, " (%.1f s)", display->elapsed());
    display->print("trained to step " + std::to_string(progress.step) +
                   "; checkpoint: " + checkpointPath + timing);
  }
  if (!options.outputs.empty())
    saveArenaTensors(model, model.outputTensors(), runner->host(),
                     options.outputs);
  if (!options.saveParams.empty()) {
    runner->pullModelState();
    saveWeights(model, runner->host(), options.saveParams);
  }
  if (!options.plot.empty())
    writeLossPlot(options.plot, model.model, progress.trainCurve,
                  progress.evalCurve, total);
  if (options.reportMemory)
    display->print(describeMemoryUse(model, *runner));
}

} // namespace

void runTrainMode(const Options &options, const ModelDesc &model,
                  const ModelEntry &entry, Device *device,
                  const TrainConfig &config, std::FILE *out, bool terminal) {
  TrainingRun(options, model, entry, device, config, out, terminal).run();
}

} // namespace dlrt
