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
/// dimension included). Any other tensor in the file is an error. Its
/// epoch is that one batch, so training repeats it at every step.
class SafetensorsBatchSource : public BatchSource {
public:
  SafetensorsBatchSource(const ModelDesc &model, const std::string &path);

  int64_t batchesPerEpoch(BatchOrder) const override { return 1; }
  void fill(BatchOrder order, uint64_t seed, int64_t epoch, int64_t index,
            const BatchView &view) const override;
  std::string describe() const override { return file.path(); }

private:
  SafetensorsFile file;
  /// Each input with the file's tensor that fills it.
  std::vector<std::pair<const TensorDesc *, const SafetensorsEntry *>> inputs;
};

} // namespace dlrt

#endif // DLRT_SAFETENSORSBATCHSOURCE_H
