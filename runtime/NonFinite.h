//===- NonFinite.h - Finding NaNs and infinities in the arena ---*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_NONFINITE_H
#define DLRT_NONFINITE_H

#include "runtime/ModelDescriptor.h"

#include <vector>

namespace dlrt {

/// The index of the first element of `tensor` in `arena` that is NaN or
/// infinite, or -1 (always -1 for integer tensors).
int64_t firstNonFinite(const TensorDesc &tensor, const uint8_t *arena);

/// The first of `tensors` that holds a NaN or an infinity, or null.
const TensorDesc *
firstNonFiniteTensor(const std::vector<const TensorDesc *> &tensors,
                     const uint8_t *arena);

} // namespace dlrt

#endif // DLRT_NONFINITE_H
