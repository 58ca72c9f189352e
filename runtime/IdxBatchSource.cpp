//===- IdxBatchSource.cpp - Batches of an IDX image dataset ---------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/IdxBatchSource.h"

#include "runtime/DType.h"
#include "runtime/Error.h"

#include <cstring>

namespace dlrt {

namespace {
bool isInteger(DType dtype) {
  return dtype == DType::I32 || dtype == DType::I64;
}

/// The batch size of the model's label input, checked to be [B].
int64_t labelBatch(const TensorDesc &labels) {
  if (labels.shape.size() != 1)
    throw Error("idx labels fill an input of shape [B]; '" + labels.name +
                "' has " + std::to_string(labels.shape.size()) + " dimensions");
  return labels.shape[0];
}
} // namespace

IdxBatchSource::IdxBatchSource(const ModelDesc &model, IdxDataset data)
    : dataset(std::move(data)) {
  for (const TensorDesc *input : model.withRole(TensorRole::Input)) {
    const TensorDesc *&slot = isInteger(input->dtype) ? labels : images;
    if (slot)
      throw Error("idx data feeds one float input (images) and one integer "
                  "input (labels), but the model '" +
                  model.model + "' has more: '" + slot->name + "' and '" +
                  input->name + "'");
    slot = input;
  }
  if (!images || !labels)
    throw Error("idx data needs a float input for the images and an integer "
                "input for the labels; the model '" +
                model.model + "' lacks the " + (images ? "integer" : "float") +
                " one");
  int64_t batch = labelBatch(*labels);
  if (images->shape.empty() || images->shape[0] != batch ||
      int64_t(images->numElements()) != batch * dataset.images.itemSize())
    throw Error("the images of " + dataset.images.path + " have " +
                std::to_string(dataset.images.itemSize()) +
                " values each, which do not fill the input '" + images->name +
                "' with one image per batch row");
  if (dataset.size() < batch)
    throw Error(dataset.images.path + ": holds " +
                std::to_string(dataset.size()) +
                " examples, fewer than one batch of " + std::to_string(batch));
  order.emplace(dataset.size(), batch);
}

void IdxBatchSource::fill(BatchOrder batchOrder, uint64_t seed, int64_t epoch,
                          int64_t index, const BatchView &view) const {
  const IdxNormalization &n = dataset.normalization;
  int64_t size = dataset.images.itemSize();
  uint8_t *imageOut = view[images];
  uint8_t *labelOut = view[labels];
  std::vector<int64_t> rows =
      order->examples(batchOrder == BatchOrder::Training, seed, epoch, index);
  // A pixel has 256 values: each one's normalized bytes once, then copies
  // (a conversion per pixel took as long as a small model's step).
  size_t width = dtypeSize(images->dtype);
  std::vector<uint8_t> normalized(256 * width);
  for (int value = 0; value < 256; ++value)
    storeFromDouble(images->dtype, normalized.data(), value,
                    (value * n.scale - n.mean) / n.std);
  for (size_t row = 0; row < rows.size(); ++row) {
    const uint8_t *pixels = dataset.images.data.data() + rows[row] * size;
    uint8_t *out = imageOut + row * size * width;
    for (int64_t i = 0; i < size; ++i)
      std::memcpy(out + i * width, normalized.data() + pixels[i] * width,
                  width);
    storeFromDouble(labels->dtype, labelOut, row,
                    dataset.labels.data[size_t(rows[row])]);
  }
}

} // namespace dlrt
