//===- SafetensorsBatchSource.cpp - One batch from a safetensors file -----===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/SafetensorsBatchSource.h"

#include "runtime/Error.h"

#include <cstring>
#include <set>

namespace dlrt {

SafetensorsBatchSource::SafetensorsBatchSource(const ModelDesc &model,
                                               const std::string &path)
    : file(path) {
  std::set<std::string> names;
  for (const TensorDesc *input : model.withRole(TensorRole::Input)) {
    inputs.emplace_back(input,
                        &file.expect(input->name, input->dtype, input->shape));
    names.insert(input->name);
  }
  std::string extra;
  size_t count = 0;
  for (const SafetensorsEntry &entry : file.tensors())
    if (!names.count(entry.name))
      extra += (count++ ? ", '" : "'") + entry.name + "'";
  if (count)
    throw Error(path + ": " + (count == 1 ? "tensor " : "tensors ") + extra +
                (count == 1 ? " is not an input" : " are not inputs") +
                " of the model '" + model.model + "'");
}

bool SafetensorsBatchSource::next(uint8_t *arena) {
  if (consumed)
    return false;
  for (const auto &[input, entry] : inputs)
    std::memcpy(arena + input->offset, entry->data, input->bytes);
  consumed = true;
  return true;
}

} // namespace dlrt
