//===- EvalMode.cpp - Running a model over its evaluation data ------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/EvalMode.h"

#include "runtime/Error.h"
#include "runtime/ParamInit.h"
#include "runtime/StepRunner.h"
#include "runtime/Weights.h"

#include <cinttypes>
#include <cstring>
#include <vector>

namespace dlrt {

std::string formatScalar(DType dtype, const void *data) {
  char text[64];
  switch (dtype) {
  case DType::I32: {
    int32_t v;
    std::memcpy(&v, data, sizeof v);
    std::snprintf(text, sizeof text, "%" PRId32, v);
    break;
  }
  case DType::I64: {
    int64_t v;
    std::memcpy(&v, data, sizeof v);
    std::snprintf(text, sizeof text, "%" PRId64, v);
    break;
  }
  case DType::F64:
    std::snprintf(text, sizeof text, "%.17g", loadAsDouble(dtype, data, 0));
    break;
  default:
    std::snprintf(text, sizeof text, "%.9g", loadAsDouble(dtype, data, 0));
    break;
  }
  return text;
}

Evaluation evaluate(const ModelDesc &model, const ModelEntry &entry,
                    const BatchSource &source, StepRunner &runner,
                    uint64_t seed) {
  uint8_t *arena = runner.host();
  Evaluation result;
  for (const TensorDesc *output : model.outputTensors())
    if (output->shape.empty())
      result.scalars.push_back(output);
  result.means.assign(result.scalars.size(), 0.0);
  BatchView view = BatchView::inArena(model, arena);
  result.batches = source.batchesPerEpoch(BatchOrder::Evaluation);
  for (int64_t index = 0; index < result.batches; ++index) {
    source.fill(BatchOrder::Evaluation, seed, 0, index, view);
    runner.run(entry.evalStep);
    for (size_t i = 0; i < result.scalars.size(); ++i)
      result.means[i] += loadAsDouble(result.scalars[i]->dtype,
                                      arena + result.scalars[i]->offset, 0);
  }
  for (double &mean : result.means)
    mean /= double(result.batches);
  result.examples = result.batches * model.batch;
  result.skipped = source.skipped(BatchOrder::Evaluation);
  return result;
}

void setUpParams(const ModelDesc &model, uint8_t *arena,
                 const std::string &init, uint64_t seed) {
  if (!init.empty())
    loadWeights(model, arena, init);
  else
    initializeParams(model, arena, seed);
}

namespace {
/// The batches --eval and --gradients run on: --data when given, else the
/// train section's eval data.
std::unique_ptr<BatchSource> openModeData(const Options &options,
                                          const ModelDesc &model,
                                          const TrainSettings &settings) {
  if (options.override("data") && !settings.data.is_null())
    return openDataSource(model, settings.data, "data");
  if (!settings.eval.is_null())
    return openDataSource(model, settings.eval, "eval data");
  throw Error("no data to evaluate: give --data FILE (the model names no "
              "eval data)");
}

std::string initOf(const Options &options, const TrainSettings &settings) {
  return options.init.empty() ? settings.init : options.init;
}
} // namespace

void runEvalMode(const Options &options, const ModelDesc &model,
                 const ModelEntry &entry, Device *device,
                 const TrainSettings &settings, std::FILE *out) {
  // Validate the data before the (possibly long) parameter set-up.
  std::unique_ptr<BatchSource> batches = openModeData(options, model, settings);
  StepRunner runner(model, device);
  uint8_t *arena = runner.host();
  setUpParams(model, arena, initOf(options, settings), settings.seed);
  runner.pushModelState();

  Evaluation result = evaluate(model, entry, *batches, runner, settings.seed);
  for (size_t i = 0; i < result.scalars.size(); ++i) {
    const TensorDesc *scalar = result.scalars[i];
    if (result.batches == 1) // One batch: the value exactly as computed.
      std::fprintf(
          out, "%s: %s\n", scalar->name.c_str(),
          formatScalar(scalar->dtype, arena + scalar->offset).c_str());
    else
      std::fprintf(out, "%s: %.9g\n", scalar->name.c_str(), result.means[i]);
  }
  if (result.batches > 1) {
    std::fprintf(out, "examples: %lld", (long long)result.examples);
    if (result.skipped)
      std::fprintf(out, " (%lld more do not fill a batch of %lld)",
                   (long long)result.skipped, (long long)model.batch);
    std::fprintf(out, "\n");
  }
  std::fflush(out);

  if (!options.outputs.empty())
    saveArenaTensors(model, model.outputTensors(), arena,
                     options.outputs);
  if (!options.saveParams.empty())
    saveWeights(model, arena, options.saveParams);
}

void runGradientMode(const Options &options, const ModelDesc &model,
                     const ModelEntry &entry, Device *device,
                     const TrainSettings &settings, std::FILE *out) {
  if (!entry.gradientStep)
    throw Error("this program was compiled without gradients (compile the "
                "model with 'dlcc --gradients' to use --gradients)");
  // Validate the data before the (possibly long) parameter set-up.
  std::unique_ptr<BatchSource> batches = openModeData(options, model, settings);
  StepRunner runner(model, device);
  uint8_t *arena = runner.host();
  setUpParams(model, arena, initOf(options, settings), settings.seed);
  runner.pushModelState();
  batches->fill(BatchOrder::Evaluation, settings.seed, 0, 0,
                BatchView::inArena(model, arena));
  // A gradient step reads only the counter of its dropouts: the seed and
  // step 1, so that it draws the masks of a run's first training step.
  for (const TensorDesc *hyper : model.withRole(TensorRole::Hyper)) {
    if (hyper->name != "seed" && hyper->name != "step")
      continue;
    int64_t value = hyper->name == "seed" ? int64_t(settings.seed) : 1;
    std::memcpy(arena + hyper->offset, &value, sizeof value);
  }

  runner.run(entry.gradientStep, /*pullGradients=*/true);
  // The training forward updates the batch-norm running statistics.
  runner.pullModelState();

  for (const TensorDesc *output : model.outputTensors())
    if (output->shape.empty())
      std::fprintf(
          out, "%s: %s\n", output->name.c_str(),
          formatScalar(output->dtype, arena + output->offset).c_str());
  std::fflush(out);

  if (!options.outputs.empty())
    saveArenaTensors(model, model.outputTensors(), arena,
                     options.outputs);
  if (!options.saveParams.empty())
    saveWeights(model, arena, options.saveParams);
  saveArenaTensors(model, model.withRole(TensorRole::Grad), arena,
                   options.gradients);
}

} // namespace dlrt
