//===- BatchSource.h - Where the batches of a run come from -----*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). A batch source fills every input tensor
// of the model in the arena before a step. Each data format is one
// implementation; openBatchSource picks one for the --data argument.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_BATCHSOURCE_H
#define DLRT_BATCHSOURCE_H

#include "runtime/ModelDescriptor.h"

#include <cstdint>
#include <memory>
#include <string>

namespace dlrt {

/// A sequence of batches for one model.
class BatchSource {
public:
  virtual ~BatchSource();

  /// Writes the next batch into every input of the model in `arena`.
  /// Returns false, leaving the arena alone, when the sequence is over.
  virtual bool next(uint8_t *arena) = 0;

  /// Starts the sequence again from its first batch (a new epoch).
  virtual void rewind() = 0;

  /// What the batches come from, for messages: usually the file name.
  virtual std::string describe() const = 0;

  /// Examples left out because they do not fill a whole batch.
  virtual int64_t skipped() const { return 0; }
};

/// Opens the data source `path` for `model`, validating it against the
/// model's inputs. Supported: a safetensors file holding exactly one batch,
/// one tensor per input, named and shaped like the input. Throws Error.
std::unique_ptr<BatchSource> openBatchSource(const ModelDesc &model,
                                             const std::string &path);

/// Opens a data source described in the model's train section, such as
/// `{"source": "idx", "images": ..., "labels": ..., "scale": ...}`.
/// `what` names it in messages ("eval data"). Throws Error.
std::unique_ptr<BatchSource>
openConfiguredSource(const ModelDesc &model, const nlohmann::json &spec,
                     const std::string &what);

} // namespace dlrt

#endif // DLRT_BATCHSOURCE_H
