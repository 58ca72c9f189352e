//===- EvalMode.h - Running a model over its evaluation data ----*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). The --eval and --gradients modes, and
// the evaluation that training runs every so often.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_EVALMODE_H
#define DLRT_EVALMODE_H

#include "runtime/BatchSource.h"
#include "runtime/Driver.h"
#include "runtime/ModelDescriptor.h"
#include "runtime/Options.h"
#include "runtime/StepRunner.h"
#include "runtime/TrainConfig.h"

#include <cstdio>

namespace dlrt {

/// The scalar outputs of the model averaged over every batch of a source.
struct Evaluation {
  std::vector<const TensorDesc *> scalars; ///< In descriptor order.
  std::vector<double> means;               ///< One per scalar.
  int64_t batches = 0;
  int64_t examples = 0;
  int64_t skipped = 0; ///< Examples that fill no whole batch.
};

/// Runs the eval step on every batch of `source` in evaluation order (file
/// order), with the params and buffers already in the runner's arena.
/// Overwrites the inputs and outputs in the arena, nothing else.
Evaluation evaluate(const ModelDesc &model, const ModelEntry &entry,
                    const BatchSource &source, StepRunner &runner,
                    uint64_t seed);

/// Sets up the params and buffers of a fresh arena: from `init` (a weights
/// file) when it is not empty, from the initializers and `seed` otherwise.
void setUpParams(const ModelDesc &model, uint8_t *arena,
                 const std::string &init, uint64_t seed);

/// --eval: sets up the arena (params from --init, the train section's init
/// or the seed), runs the eval step over --data (a batch file or a data
/// source) or else the eval data of the train section, prints each scalar
/// output to `out` as "name: value" in the descriptor's order (loss first),
/// and writes --outputs and --save-params. Throws Error.
void runEvalMode(const Options &options, const ModelDesc &model,
                 const ModelEntry &entry, Device *device,
                 const TrainSettings &settings, std::FILE *out);

/// --gradients: sets up the arena as --eval does, loads the first batch of
/// --data, runs the gradient step (the training forward: dropout kept,
/// batch norm on batch statistics with its running statistics updated),
/// prints each scalar output, writes --outputs and --save-params, and every
/// gradient (the tensors of role grad, `<param>.grad`) to the safetensors
/// file `options.gradients`. Throws Error, also when the program was
/// compiled without gradients.
void runGradientMode(const Options &options, const ModelDesc &model,
                     const ModelEntry &entry, Device *device,
                     const TrainSettings &settings, std::FILE *out);

/// Formats one element of an output with the digits that make it round-trip:
/// %.9g for the float types up to f32, %.17g for f64, integers exactly.
std::string formatScalar(DType dtype, const void *data);

} // namespace dlrt

#endif // DLRT_EVALMODE_H
