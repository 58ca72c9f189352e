//===- ModelDescriptor.h - The model a compiled program carries -*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). Every compiled program exports its model
// descriptor, a JSON document (schema in include/dlrt/ModelABI.h): the arena
// size and, for every tensor the runtime touches, its name, role, type,
// shape, arena offset and initializer. This file parses and validates it.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_MODELDESCRIPTOR_H
#define DLRT_MODELDESCRIPTOR_H

#include "runtime/DType.h"
#include "runtime/Shape.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace dlrt {

/// What the runtime does with a tensor.
enum class TensorRole {
  Param,  ///< Trained and saved.
  Buffer, ///< Saved, not trained (e.g. batch-norm running statistics).
  Input,  ///< Filled from the batch before each step.
  Output, ///< Read after each step (loss first, then metrics).
  Grad,   ///< `<param>.grad`: the gradient step writes a param's gradient.
  State,  ///< `<param>.<kind>`: optimizer state, zero at first, checkpointed.
  Hyper,  ///< A scalar the runtime writes before each training step.
  Stat,   ///< A scalar the training step writes (e.g. grad_norm).
};

/// The descriptor's name of a role: "param", "buffer", "input", "output",
/// "grad", "state", "hyper", "stat".
const char *tensorRoleName(TensorRole role);

/// How a param or buffer starts: constant(a), uniform(a, b), or
/// normal(mean a, std b).
struct InitDesc {
  enum class Kind { None, Constant, Uniform, Normal };
  Kind kind = Kind::None; ///< None for inputs and outputs.
  double a = 0;
  double b = 0;
};

/// One tensor of the arena.
struct TensorDesc {
  std::string name;
  TensorRole role = TensorRole::Param;
  DType dtype = DType::F32;
  Shape shape;
  uint64_t offset = 0; ///< Bytes from the start of the arena; 64-aligned.
  uint64_t bytes = 0;  ///< Exactly the elements of shape times the dtype size.
  InitDesc init;       ///< Params and buffers only.
  bool frozen = false; ///< Params only: excluded from the optimizer.

  bool isSaved() const {
    return role == TensorRole::Param || role == TensorRole::Buffer;
  }
  uint64_t numElements() const { return bytes / dtypeSize(dtype); }
};

/// The whole descriptor.
struct ModelDesc {
  int64_t abi = 0;
  std::string model;
  int64_t batch = 0;
  uint64_t arenaBytes = 0;
  std::vector<std::string> outputs; ///< Output names, loss first.
  std::vector<TensorDesc> tensors;  ///< In descriptor order.
  nlohmann::json train;             ///< The .dl file's train section, as is.
  /// The planned region of the steps' temporaries (informative; 0 when
  /// the descriptor has no "scratch" entry).
  uint64_t scratchBytes = 0;

  /// The tensor named `name`, or null.
  const TensorDesc *find(const std::string &name) const;

  /// Every tensor with `role`, in descriptor order.
  std::vector<const TensorDesc *> withRole(TensorRole role) const;

  /// Params and buffers: what a weights file holds.
  std::vector<const TensorDesc *> savedTensors() const;

  /// The output tensors in the order of `outputs`.
  std::vector<const TensorDesc *> outputTensors() const;
};

/// Parses and validates a descriptor. Throws Error with a message such as
/// "model descriptor: tensor 'fc1.weight': offset 12 is not a multiple of 64".
/// Checked: the JSON itself, the ABI version, every field's type, known roles,
/// dtypes and initializer kinds, unique names, offsets 64-aligned and inside
/// the arena, bytes equal to the shape's elements times the dtype size, no two
/// tensors overlapping, `outputs` naming exactly the output tensors, each
/// grad named `<param>.grad` and each state `<param>.<kind>` (kind exp_avg,
/// exp_avg_sq or momentum_buffer) after a trained param of its dtype and
/// shape, hyper tensors among the known names with their dtype, and hyper
/// and stat tensors scalars.
ModelDesc parseModelDescriptor(const std::string &json);

} // namespace dlrt

#endif // DLRT_MODELDESCRIPTOR_H
