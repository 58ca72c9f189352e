//===- SafetensorsBatchSource.h - One batch from a file ---------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_SAFETENSORSBATCHSOURCE_H
#define DLRT_SAFETENSORSBATCHSOURCE_H

#include "runtime/BatchSource.h"
#include "runtime/Safetensors.h"

#include <utility>
#include <vector>

namespace dlrt {

/// A safetensors file that holds exactly one batch: one tensor per model
/// input, under the input's name, with its dtype and shape (batch
/// dimension included). Any other tensor in the file is an error.
class SafetensorsBatchSource : public BatchSource {
public:
  SafetensorsBatchSource(const ModelDesc &model, const std::string &path);

  bool next(uint8_t *arena) override;
  void rewind() override { consumed = false; }
  std::string describe() const override { return file.path(); }

private:
  SafetensorsFile file;
  /// Each input with the file's tensor that fills it.
  std::vector<std::pair<const TensorDesc *, const SafetensorsEntry *>> inputs;
  bool consumed = false;
};

} // namespace dlrt

#endif // DLRT_SAFETENSORSBATCHSOURCE_H
