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
                model.model + "' lacks the " +
                (images ? "integer" : "float") + " one");
  batch = labels->shape.empty() ? 0 : labels->shape[0];
  if (labels->shape.size() != 1)
    throw Error("idx labels fill an input of shape [B]; '" + labels->name +
                "' has " + std::to_string(labels->shape.size()) +
                " dimensions");
  if (images->shape.empty() || images->shape[0] != batch ||
      int64_t(images->numElements()) != batch * dataset.images.itemSize())
    throw Error("the images of " + dataset.images.path + " have " +
                std::to_string(dataset.images.itemSize()) +
                " values each, which do not fill the input '" +
                images->name + "' with one image per batch row");
  if (dataset.size() < batch)
    throw Error(dataset.images.path + ": holds " +
                std::to_string(dataset.size()) +
                " examples, fewer than one batch of " + std::to_string(batch));
}

bool IdxBatchSource::next(uint8_t *arena) {
  if (position + batch > dataset.size())
    return false;
  const IdxNormalization &n = dataset.normalization;
  int64_t size = dataset.images.itemSize();
  const uint8_t *pixels = dataset.images.data.data() + position * size;
  uint8_t *out = arena + images->offset;
  for (int64_t i = 0; i < batch * size; ++i)
    storeFromDouble(images->dtype, out, i,
                    (pixels[i] * n.scale - n.mean) / n.std);
  const uint8_t *classes = dataset.labels.data.data() + position;
  for (int64_t i = 0; i < batch; ++i) {
    if (labels->dtype == DType::I32) {
      int32_t v = classes[i];
      std::memcpy(arena + labels->offset + 4 * i, &v, 4);
    } else {
      int64_t v = classes[i];
      std::memcpy(arena + labels->offset + 8 * i, &v, 8);
    }
  }
  position += batch;
  return true;
}

} // namespace dlrt
