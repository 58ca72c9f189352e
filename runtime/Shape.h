//===- Shape.h - Tensor shapes ----------------------------------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). A shape is a list of non-negative
// extents, outermost first; [] is a scalar.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_SHAPE_H
#define DLRT_SHAPE_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dlrt {

using Shape = std::vector<int64_t>;

/// Formats a shape as error messages show it: "[256, 784]", "[]".
std::string formatShape(const Shape &shape);

/// The number of elements times `elementSize`; nullopt when an extent is
/// negative or the product does not fit in 63 bits.
std::optional<uint64_t> shapeBytes(const Shape &shape, uint64_t elementSize);

/// The number of elements; nullopt as for shapeBytes.
inline std::optional<uint64_t> shapeElements(const Shape &shape) {
  return shapeBytes(shape, 1);
}

} // namespace dlrt

#endif // DLRT_SHAPE_H
