//===- IdxBatchSource.h - Batches of an IDX image dataset -------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_IDXBATCHSOURCE_H
#define DLRT_IDXBATCHSOURCE_H

#include "runtime/BatchSource.h"
#include "runtime/IdxDataset.h"
#include "runtime/Shuffle.h"

#include <optional>

namespace dlrt {

/// Batches of an IDX dataset. The model must have one float input (the
/// images, of any shape holding one image per batch row) and one integer
/// input (the labels, [B]). Images become (pixel * scale - mean) / std. A
/// last partial batch does not fit the compiled batch size and is left out.
class IdxBatchSource : public BatchSource {
public:
  IdxBatchSource(const ModelDesc &model, IdxDataset dataset);

  int64_t batchesPerEpoch(BatchOrder) const override {
    return order->batchesPerEpoch();
  }
  void fill(BatchOrder order, uint64_t seed, int64_t epoch, int64_t index,
            const BatchView &view) const override;
  std::string describe() const override { return dataset.images.path; }
  int64_t skipped(BatchOrder) const override { return order->skipped(); }

private:
  IdxDataset dataset;
  const TensorDesc *images = nullptr, *labels = nullptr;
  std::optional<ExampleOrder> order;
};

} // namespace dlrt

#endif // DLRT_IDXBATCHSOURCE_H
