//===- BatchSource.cpp - Where the batches of a run come from -------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/BatchSource.h"

#include "runtime/SafetensorsBatchSource.h"

namespace dlrt {

BatchSource::~BatchSource() = default;

std::unique_ptr<BatchSource> openBatchSource(const ModelDesc &model,
                                             const std::string &path) {
  return std::make_unique<SafetensorsBatchSource>(model, path);
}

} // namespace dlrt
