//===- Driver.h - The main program of every compiled model ------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). runProgram is all of main(): it reads
// the command line, sets up the model and runs the requested mode. It takes
// the model's exported symbols as arguments so that tests can drive it with
// a model of their own.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_DRIVER_H
#define DLRT_DRIVER_H

#include "runtime/Device.h"

#include <cstdint>
#include <memory>

namespace dlrt {

/// What a compiled model exports (include/dlrt/ModelABI.h).
struct ModelEntry {
  const char *descriptor;           ///< dl_model_json.
  void (*evalStep)(uint8_t *arena); ///< dl_eval_step.
  /// dl_gradient_step, or null for a program compiled without gradients.
  void (*gradientStep)(uint8_t *arena) = nullptr;
  /// dl_train_step, or null for a program whose model trains nothing.
  void (*trainStep)(uint8_t *arena) = nullptr;
  /// For a program compiled for a device: opens it (throws Error when
  /// there is none). Null: the steps run on the host.
  std::unique_ptr<Device> (*openDevice)() = nullptr;
};

/// Runs the program: returns the exit status, 0 on success, 1 after an
/// error in a file, the data or the model, 2 after a misused command line.
/// Errors are printed to stderr as one line, "<prog>: error: <message>".
int runProgram(int argc, const char *const *argv, const ModelEntry &model);

} // namespace dlrt

#endif // DLRT_DRIVER_H
