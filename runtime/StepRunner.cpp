//===- StepRunner.cpp - Running steps on the host or a device -------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/StepRunner.h"

#include "runtime/Error.h"

namespace dlrt {

StepRunner::StepRunner(const ModelDesc &model, Device *device)
    : model(model), target(device) {
  std::string error;
  if (!arena.allocate(model.arenaBytes, error))
    throw Error(error);
  if (target)
    target->allocateArena(model.arenaBytes);
  for (const TensorDesc &tensor : model.tensors) {
    switch (tensor.role) {
    case TensorRole::Param:
    case TensorRole::Buffer:
    case TensorRole::State:
      modelState.push_back(&tensor);
      break;
    case TensorRole::Input:
    case TensorRole::Hyper:
      stepInputs.push_back(&tensor);
      break;
    case TensorRole::Output:
    case TensorRole::Stat:
      stepResults.push_back(&tensor);
      break;
    case TensorRole::Grad:
      grads.push_back(&tensor);
      break;
    }
  }
}

void StepRunner::push(const std::vector<const TensorDesc *> &tensors) {
  if (!target)
    return;
  for (const TensorDesc *tensor : tensors)
    target->copyToDevice(tensor->offset, arena.data() + tensor->offset,
                         tensor->bytes);
}

void StepRunner::pull(const std::vector<const TensorDesc *> &tensors) {
  if (!target)
    return;
  for (const TensorDesc *tensor : tensors)
    target->copyToHost(arena.data() + tensor->offset, tensor->offset,
                       tensor->bytes);
}

void StepRunner::pushModelState() { push(modelState); }

void StepRunner::pullModelState() { pull(modelState); }

void StepRunner::run(StepFunction step, bool pullGradients) {
  if (!target) {
    step(arena.data());
    return;
  }
  push(stepInputs);
  target->run(step);
  pull(stepResults);
  if (pullGradients)
    pull(grads);
}

} // namespace dlrt
