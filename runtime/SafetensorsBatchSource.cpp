//===- SafetensorsBatchSource.cpp - One batch from a safetensors file -----===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/SafetensorsBatchSource.h"

#include <cstring>

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
  file.expectOnly(names, "the inputs of the model '" + model.model + "'");
}

void SafetensorsBatchSource::fill(BatchOrder, uint64_t, int64_t, int64_t,
                                  const BatchView &view) const {
  for (const auto &[input, entry] : inputs)
    std::memcpy(view[input], entry->data, input->bytes);
}

} // namespace dlrt
