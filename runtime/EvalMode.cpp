//===- EvalMode.cpp - Running a model on its data ------------------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/EvalMode.h"

#include "runtime/Arena.h"
#include "runtime/BatchSource.h"
#include "runtime/Error.h"
#include "runtime/ParamInit.h"
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

void runEvalMode(const Options &options, const ModelDesc &model,
                 const ModelEntry &entry, std::FILE *out) {
  // Validate the data before the (possibly long) parameter set-up.
  std::unique_ptr<BatchSource> batches;
  if (!options.data.empty())
    batches = openBatchSource(model, options.data);
  else if (model.train.is_object() && model.train.contains("eval"))
    batches = openConfiguredSource(model, model.train["eval"], "eval data");
  else
    throw Error("no data to evaluate: give --data FILE (the model names no "
                "eval data)");

  Arena arena;
  std::string error;
  if (!arena.allocate(model.arenaBytes, error))
    throw Error(error);
  if (!options.init.empty())
    loadWeights(model, arena.data(), options.init);
  else
    initializeParams(model, arena.data(), options.seed);

  // Every batch; each scalar output is averaged over them.
  std::vector<const TensorDesc *> scalars;
  for (const TensorDesc *output : model.outputTensors())
    if (output->shape.empty())
      scalars.push_back(output);
  std::vector<double> sums(scalars.size(), 0.0);
  int64_t steps = 0;
  while (batches->next(arena.data())) {
    entry.evalStep(arena.data());
    for (size_t i = 0; i < scalars.size(); ++i)
      sums[i] += loadAsDouble(scalars[i]->dtype,
                              arena.data() + scalars[i]->offset, 0);
    ++steps;
  }
  if (steps == 0)
    throw Error(batches->describe() + ": holds no batch");

  for (size_t i = 0; i < scalars.size(); ++i) {
    if (steps == 1) { // One batch: the value exactly as computed.
      std::fprintf(out, "%s: %s\n", scalars[i]->name.c_str(),
                   formatScalar(scalars[i]->dtype,
                                arena.data() + scalars[i]->offset)
                       .c_str());
      continue;
    }
    std::fprintf(out, "%s: %.9g\n", scalars[i]->name.c_str(),
                 sums[i] / double(steps));
  }
  if (steps > 1) {
    std::fprintf(out, "examples: %lld", (long long)(steps * model.batch));
    if (int64_t left = batches->skipped())
      std::fprintf(out, " (%lld more do not fill a batch of %lld)",
                   (long long)left, (long long)model.batch);
    std::fprintf(out, "\n");
  }
  std::fflush(out);

  if (!options.outputs.empty())
    saveArenaTensors(model, model.outputTensors(), arena.data(),
                     options.outputs);
  if (!options.saveParams.empty())
    saveWeights(model, arena.data(), options.saveParams);
}

void runGradientMode(const Options &options, const ModelDesc &model,
                     const ModelEntry &entry, std::FILE *out) {
  if (!entry.gradientStep)
    throw Error("this program was compiled without gradients (compile the "
                "model with 'dlcc --gradients' to use --gradients)");
  // Validate the data before the (possibly long) parameter set-up.
  std::unique_ptr<BatchSource> batches = openBatchSource(model, options.data);

  Arena arena;
  std::string error;
  if (!arena.allocate(model.arenaBytes, error))
    throw Error(error);
  if (!options.init.empty())
    loadWeights(model, arena.data(), options.init);
  else
    initializeParams(model, arena.data(), options.seed);
  if (!batches->next(arena.data()))
    throw Error(batches->describe() + ": holds no batch");

  entry.gradientStep(arena.data());

  for (const TensorDesc *output : model.outputTensors())
    if (output->shape.empty())
      std::fprintf(
          out, "%s: %s\n", output->name.c_str(),
          formatScalar(output->dtype, arena.data() + output->offset).c_str());
  std::fflush(out);

  if (!options.outputs.empty())
    saveArenaTensors(model, model.outputTensors(), arena.data(),
                     options.outputs);
  if (!options.saveParams.empty())
    saveWeights(model, arena.data(), options.saveParams);
  saveArenaTensors(model, model.withRole(TensorRole::Grad), arena.data(),
                   options.gradients);
}

} // namespace dlrt
