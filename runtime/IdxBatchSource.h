//===- IdxBatchSource.h - Batches of an IDX image dataset -------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_IDXBATCHSOURCE_H
#define DLRT_IDXBATCHSOURCE_H

#include "runtime/BatchSource.h"
#include "runtime/IdxDataset.h"

namespace dlrt {

/// Consecutive batches of an IDX dataset, in file order. The model must
/// have one float input (the images, of any shape holding one image per
/// batch row) and one integer input (the labels, [B]). A last partial batch
/// does not fit the compiled batch size and is left out (`skipped()`).
class IdxBatchSource : public BatchSource {
public:
  IdxBatchSource(const ModelDesc &model, IdxDataset dataset);

  bool next(uint8_t *arena) override;
  void rewind() override { position = 0; }
  std::string describe() const override { return dataset.images.path; }

  int64_t batchSize() const { return batch; }
  /// Examples that no full batch covers.
  int64_t skipped() const override { return dataset.size() % batch; }

private:
  IdxDataset dataset;
  const TensorDesc *images = nullptr, *labels = nullptr;
  int64_t batch = 0, position = 0;
};

} // namespace dlrt

#endif // DLRT_IDXBATCHSOURCE_H
