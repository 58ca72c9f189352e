//===- EvalMode.h - Running a model on one batch ----------------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_EVALMODE_H
#define DLRT_EVALMODE_H

#include "runtime/Driver.h"
#include "runtime/ModelDescriptor.h"
#include "runtime/Options.h"

#include <cstdio>

namespace dlrt {

/// --eval: sets up the arena (params from --init or the seed), loads the
/// batch of --data, runs the eval step, prints each scalar output to `out`
/// as "name: value" in the descriptor's order (loss first), and writes
/// --outputs and --save-params. Throws Error.
void runEvalMode(const Options &options, const ModelDesc &model,
                 const ModelEntry &entry, std::FILE *out);

/// --gradients: sets up the arena as --eval does, loads the first batch of
/// --data, runs the gradient step (the training forward: dropout kept,
/// batch norm on batch statistics with its running statistics updated),
/// prints each scalar output, writes --outputs and --save-params, and every
/// gradient (the tensors of role grad, `<param>.grad`) to the safetensors
/// file `options.gradients`. Throws Error, also when the program was
/// compiled without gradients.
void runGradientMode(const Options &options, const ModelDesc &model,
                     const ModelEntry &entry, std::FILE *out);

/// Formats one element of an output with the digits that make it round-trip:
/// %.9g for the float types up to f32, %.17g for f64, integers exactly.
std::string formatScalar(DType dtype, const void *data);

} // namespace dlrt

#endif // DLRT_EVALMODE_H
