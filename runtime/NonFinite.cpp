//===- NonFinite.cpp - Finding NaNs and infinities in the arena -----------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/NonFinite.h"

#include <cmath>
#include <cstring>

namespace dlrt {

int64_t firstNonFinite(const TensorDesc &tensor, const uint8_t *arena) {
  const uint8_t *data = arena + tensor.offset;
  int64_t count = int64_t(tensor.numElements());
  switch (tensor.dtype) {
  case DType::F32:
    for (int64_t i = 0; i < count; ++i) {
      float value;
      std::memcpy(&value, data + 4 * i, 4);
      if (!std::isfinite(value))
        return i;
    }
    return -1;
  case DType::F64:
  case DType::F16:
  case DType::BF16:
    for (int64_t i = 0; i < count; ++i)
      if (!std::isfinite(loadAsDouble(tensor.dtype, data, size_t(i))))
        return i;
    return -1;
  default:
    return -1;
  }
}

const TensorDesc *
firstNonFiniteTensor(const std::vector<const TensorDesc *> &tensors,
                     const uint8_t *arena) {
  for (const TensorDesc *tensor : tensors)
    if (firstNonFinite(*tensor, arena) >= 0)
      return tensor;
  return nullptr;
}

} // namespace dlrt
