//===- NpyBatchSource.h - Batches of .npy arrays, one per input -*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_NPYBATCHSOURCE_H
#define DLRT_NPYBATCHSOURCE_H

#include "runtime/BatchSource.h"
#include "runtime/NpyFile.h"
#include "runtime/Shuffle.h"

#include <optional>
#include <utility>
#include <vector>

namespace dlrt {

/// Batches of examples stored as one .npy array per model input, named by
/// the input: `npy(image = "x.npy", label = "y.npy")`. Each array holds
/// N examples along its first axis with the input's dtype and per-example
/// shape (the input's shape without the batch dimension); every array has
/// the same N. The last partial batch of an epoch is left out.
class NpyBatchSource : public BatchSource {
public:
  /// `files` maps input names to .npy files. Throws Error for an input
  /// without a file, a file for no input, or an array that does not fit.
  NpyBatchSource(const ModelDesc &model,
                 const std::vector<std::pair<std::string, std::string>> &files);

  int64_t batchesPerEpoch(BatchOrder) const override {
    return order->batchesPerEpoch();
  }
  void fill(BatchOrder order, uint64_t seed, int64_t epoch, int64_t index,
            const BatchView &view) const override;
  std::string describe() const override;
  int64_t skipped(BatchOrder) const override { return order->skipped(); }

private:
  struct Bound {
    const TensorDesc *input;
    NpyArray array;
    uint64_t exampleBytes;
  };
  std::vector<Bound> arrays;
  std::optional<ExampleOrder> order;
};

} // namespace dlrt

#endif // DLRT_NPYBATCHSOURCE_H
