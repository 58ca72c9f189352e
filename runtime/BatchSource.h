//===- BatchSource.h - Where the batches of a run come from -----*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). A batch source fills every input tensor
// of the model for one batch. Each data format is one implementation;
// openDataSource picks one for a train section's `data` or `eval` value.
//
// A batch is named by its position, (epoch, index), and its content is a
// pure function of the position, the order and the run's seed: a batch can
// be prepared ahead in another thread, and a resumed run sees exactly the
// batches an uninterrupted one would have.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_BATCHSOURCE_H
#define DLRT_BATCHSOURCE_H

#include "runtime/ModelDescriptor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace dlrt {

/// Where one batch is written: an address for each input of the model.
class BatchView {
public:
  /// The inputs at their offsets in `arena`.
  static BatchView inArena(const ModelDesc &model, uint8_t *arena);

  void bind(const TensorDesc *input, uint8_t *address) {
    slots.emplace_back(input, address);
  }
  /// The address of `input`, which must be bound.
  uint8_t *operator[](const TensorDesc *input) const;

private:
  std::vector<std::pair<const TensorDesc *, uint8_t *>> slots;
};

/// How the batches of an epoch are ordered.
enum class BatchOrder {
  Training,   ///< Shuffled per epoch from the seed; text windows at random.
  Evaluation, ///< File order; text windows one after the other.
};

/// A data set cut into batches of the model's batch size.
class BatchSource {
public:
  virtual ~BatchSource();

  /// Full batches in one epoch (one pass over the data); at least 1.
  virtual int64_t batchesPerEpoch(BatchOrder order) const = 0;

  /// Writes batch `index` (< batchesPerEpoch) of epoch `epoch` into `view`.
  /// Depends only on its arguments and the data; may run in another
  /// thread than the one that opened the source.
  virtual void fill(BatchOrder order, uint64_t seed, int64_t epoch,
                    int64_t index, const BatchView &view) const = 0;

  /// What the batches come from, for messages: usually the file name.
  virtual std::string describe() const = 0;

  /// Examples of an epoch left out because they do not fill a batch.
  virtual int64_t skipped(BatchOrder) const { return 0; }

  /// Tokens in one example, for a throughput in tokens per second; 0 for
  /// sources counted in examples.
  virtual int64_t tokensPerExample() const { return 0; }

  /// Something about the data worth saying once (bytes a text source left
  /// out), or "".
  virtual std::string note() const { return ""; }
};

/// Opens a safetensors file that holds exactly one batch, one tensor per
/// model input under the input's name, with its dtype and full shape.
/// Throws Error.
std::unique_ptr<BatchSource> openBatchFile(const ModelDesc &model,
                                           const std::string &path);

/// Opens a data source as a train section describes it: an object such as
/// {"source": "idx", "images": ..., "labels": ..., "scale": ...}, or a
/// string, the name of a batch file (openBatchFile). `what` names it in
/// messages ("eval data"). Validates the data against the model's inputs
/// (fields, dtypes, shapes); throws Error.
std::unique_ptr<BatchSource> openDataSource(const ModelDesc &model,
                                            const nlohmann::json &spec,
                                            const std::string &what);

} // namespace dlrt

#endif // DLRT_BATCHSOURCE_H
