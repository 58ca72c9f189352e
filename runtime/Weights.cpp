//===- Weights.cpp - Params and buffers in safetensors files --------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/Weights.h"

#include "runtime/Safetensors.h"

#include <cstring>

namespace dlrt {

void loadWeights(const ModelDesc &model, uint8_t *arena,
                 const std::string &path) {
  SafetensorsFile file(path);
  std::set<std::string> expected;
  for (const TensorDesc *tensor : model.savedTensors()) {
    const SafetensorsEntry &entry =
        file.expect(tensor->name, tensor->dtype, tensor->shape);
    std::memcpy(arena + tensor->offset, entry.data, tensor->bytes);
    expected.insert(tensor->name);
  }
  // A training checkpoint also holds the optimizer state, which weights
  // leave out.
  if (file.metadata().count("dlcc_checkpoint"))
    for (const SafetensorsEntry &entry : file.tensors())
      if (entry.name.rfind("optimizer.", 0) == 0)
        expected.insert(entry.name);
  file.expectOnly(expected,
                  "the params and buffers of the model '" + model.model + "'");
}

void saveArenaTensors(const ModelDesc &model,
                      const std::vector<const TensorDesc *> &tensors,
                      const uint8_t *arena, const std::string &path) {
  std::vector<TensorData> data;
  for (const TensorDesc *tensor : tensors)
    data.push_back(
        {tensor->name, tensor->dtype, tensor->shape, arena + tensor->offset});
  saveTensors(path, data, {{"format", "pt"}, {"model", model.model}});
}

void saveWeights(const ModelDesc &model, const uint8_t *arena,
                 const std::string &path) {
  saveArenaTensors(model, model.savedTensors(), arena, path);
}

} // namespace dlrt
