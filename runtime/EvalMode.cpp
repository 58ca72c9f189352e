//===- EvalMode.cpp - Running a model on one batch ------------------------===//
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

namespace {

/// Sets up `arena` (params from --init or the seed, the batch of --data),
/// runs `step`, prints each scalar output and writes --outputs and
/// --save-params.
void runStep(const Options &options, const ModelDesc &model,
             void (*step)(uint8_t *), std::FILE *out, Arena &arena) {
  // Validate the data before the (possibly long) parameter set-up.
  std::unique_ptr<BatchSource> batches = openBatchSource(model, options.data);

  std::string error;
  if (!arena.allocate(model.arenaBytes, error))
    throw Error(error);
  if (!options.init.empty())
    loadWeights(model, arena.data(), options.init);
  else
    initializeParams(model, arena.data(), options.seed);
  if (!batches->next(arena.data()))
    throw Error(batches->describe() + ": holds no batch");

  step(arena.data());

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
}

} // namespace

void runEvalMode(const Options &options, const ModelDesc &model,
                 const ModelEntry &entry, std::FILE *out) {
  Arena arena;
  runStep(options, model, entry.evalStep, out, arena);
}

void runGradientMode(const Options &options, const ModelDesc &model,
                     const ModelEntry &entry, std::FILE *out) {
  if (!entry.gradientStep)
    throw Error("this program was compiled without gradients (compile the "
                "model with 'dlcc --gradients' to use --gradients)");
  Arena arena;
  runStep(options, model, entry.gradientStep, out, arena);
  saveArenaTensors(model, model.withRole(TensorRole::Grad), arena.data(),
                   options.gradients);
}

} // namespace dlrt
