//===- Weights.h - Params and buffers in safetensors files ------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). A weights file holds exactly the params
// and buffers of a model, under their descriptor names, so that PyTorch's
// `model.load_state_dict(safetensors.torch.load_file(...))` reads it and
// the runtime reads what PyTorch's `save_file(model.state_dict())` writes.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_WEIGHTS_H
#define DLRT_WEIGHTS_H

#include "runtime/ModelDescriptor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dlrt {

/// Copies every param and buffer of `model` from the safetensors file `path`
/// into `arena`. Strict: each must be present with the model's dtype and
/// shape, and a tensor of the file that is not one of them is an error that
/// lists every such tensor; only a training checkpoint's optimizer state
/// (`optimizer.*`, see Checkpoint.h) is passed over. Throws Error naming the
/// file and tensor.
void loadWeights(const ModelDesc &model, uint8_t *arena,
                 const std::string &path);

/// Writes every param and buffer of `model`, in descriptor order, from
/// `arena` to the safetensors file `path` (atomically).
void saveWeights(const ModelDesc &model, const uint8_t *arena,
                 const std::string &path);

/// Writes `tensors` of `arena` to the safetensors file `path`, with the
/// metadata every file of the runtime carries (format "pt", the model name).
void saveArenaTensors(const ModelDesc &model,
                      const std::vector<const TensorDesc *> &tensors,
                      const uint8_t *arena, const std::string &path);

} // namespace dlrt

#endif // DLRT_WEIGHTS_H
