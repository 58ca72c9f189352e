//===- TrainMode.h - The training loop --------------------------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). What a compiled program does without a
// mode option: train the model with the train options in effect.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_TRAINMODE_H
#define DLRT_TRAINMODE_H

#include "runtime/Driver.h"
#include "runtime/ModelDescriptor.h"
#include "runtime/Options.h"
#include "runtime/TrainConfig.h"

#include <cstdio>

namespace dlrt {

/// The default checkpoint file of `model`: "<model>.ckpt.safetensors" in
/// the working directory.
std::string defaultCheckpointPath(const ModelDesc &model);

/// Trains: opens and checks the data (and eval data), sets up the arena
/// (from --resume, --init, the train section's init, or the seed), then
/// runs the steps. Before each step it writes the batch (prepared in the
/// background) and the hyper tensors; after it, it stops on a non-finite
/// output, reports every `log_every` steps (to `out`, a terminal when
/// `terminal`, and to --log), evaluates and saves checkpoints when due.
/// At the end it writes --outputs, --save-params and --plot. Throws Error
/// (UsageError for options the program cannot honour). The steps run on
/// `device`, or on the host when it is null.
void runTrainMode(const Options &options, const ModelDesc &model,
                  const ModelEntry &entry, Device *device,
                  const TrainConfig &config, std::FILE *out, bool terminal);

} // namespace dlrt

#endif // DLRT_TRAINMODE_H
