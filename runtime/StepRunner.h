//===- StepRunner.h - Running steps on the host or a device -----*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). The runtime reads and writes the host
// arena: batches, hyper tensors, outputs, checkpoints. With a device, the
// steps run on the device's arena instead, and a StepRunner copies exactly
// what each side needs: the inputs and hyper tensors before a step, the
// outputs and stats after it, the params, buffers and optimizer state when
// the host set them up or needs them (checkpoints, saving, diagnosing a
// non-finite loss). Without a device every copy is a no-op.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_STEPRUNNER_H
#define DLRT_STEPRUNNER_H

#include "runtime/Arena.h"
#include "runtime/Device.h"
#include "runtime/ModelDescriptor.h"

#include <vector>

namespace dlrt {

class StepRunner {
public:
  /// Allocates the host arena and, with a device, the device's. Throws
  /// Error when the memory cannot be had.
  StepRunner(const ModelDesc &model, Device *device);

  /// The host arena.
  uint8_t *host() const { return arena.data(); }
  const Arena &hostArena() const { return arena; }
  Device *device() const { return target; }

  /// The host has written the params, buffers and optimizer state (set-up,
  /// resume): the device gets them.
  void pushModelState();
  /// The host gets the params, buffers and optimizer state of the device.
  void pullModelState();

  /// Runs `step`: the inputs and hyper tensors go to the device first, the
  /// outputs and stats (and, with `pullGradients`, the gradients) come back
  /// after.
  void run(StepFunction step, bool pullGradients = false);

private:
  void push(const std::vector<const TensorDesc *> &tensors);
  void pull(const std::vector<const TensorDesc *> &tensors);

  const ModelDesc &model;
  Device *target;
  Arena arena;
  std::vector<const TensorDesc *> modelState, stepInputs, stepResults, grads;
};

} // namespace dlrt

#endif // DLRT_STEPRUNNER_H
