//===- Shape.cpp - Tensor shapes ------------------------------------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/Shape.h"

namespace dlrt {

std::string formatShape(const Shape &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

std::optional<uint64_t> shapeBytes(const Shape &shape, uint64_t elementSize) {
  constexpr uint64_t kLimit = uint64_t(1) << 63;
  uint64_t product = elementSize;
  for (int64_t extent : shape) {
    if (extent < 0)
      return std::nullopt;
    if (extent != 0 && product > (kLimit - 1) / uint64_t(extent))
      return std::nullopt;
    product *= uint64_t(extent);
  }
  return product;
}

} // namespace dlrt
