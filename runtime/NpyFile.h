//===- NpyFile.h - NumPy .npy arrays ----------------------------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). The .npy format (NumPy's
// numpy/lib/format.py): the magic "\x93NUMPY", a version (1.0, 2.0 or
// 3.0), a header length (2 bytes in version 1, 4 after), a header that is
// a Python dict literal such as
//
//   {'descr': '<f4', 'fortran_order': False, 'shape': (60000, 784), }
//
// padded with spaces and a newline, then the data in C order.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_NPYFILE_H
#define DLRT_NPYFILE_H

#include "runtime/DType.h"
#include "runtime/MappedFile.h"
#include "runtime/Shape.h"

#include <string>

namespace dlrt {

/// A mapped .npy array of one of the runtime's dtypes, little-endian.
struct NpyArray {
  MappedFile file;
  DType dtype = DType::F32;
  Shape shape;
  const uint8_t *data = nullptr; ///< Inside the mapping; not aligned.
  uint64_t bytes = 0;
};

/// Maps and validates `path`: magic, version, header, a descr among <f4
/// <f8 <f2 <i4 <i8 (f32 f64 f16 i32 i64), C order, and a file size that
/// matches the shape. Throws Error naming the file.
NpyArray readNpy(const std::string &path);

} // namespace dlrt

#endif // DLRT_NPYFILE_H
