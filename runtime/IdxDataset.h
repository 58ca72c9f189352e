//===- IdxDataset.h - MNIST-format (IDX) images and labels ------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_IDXDATASET_H
#define DLRT_IDXDATASET_H

#include <cstdint>
#include <string>
#include <vector>

namespace dlrt {

/// An IDX file of unsigned bytes (the format of MNIST and Fashion-MNIST):
/// the item count, the shape of one item, and the data. gzip-compressed and
/// raw files are both read.
struct IdxArray {
  std::string path;
  std::vector<int64_t> itemShape; ///< Empty for labels, {28, 28} for images.
  int64_t count = 0;
  std::vector<uint8_t> data;

  int64_t itemSize() const;
};

/// Reads `path`, which must hold unsigned bytes (type code 0x08) in one to
/// four dimensions. Throws Error naming the file on a missing file, a wrong
/// magic number, a truncated or corrupt file.
IdxArray readIdx(const std::string &path);

/// How images become model input: value * scale, then (v - mean) / std.
struct IdxNormalization {
  double scale = 1.0;
  double mean = 0.0;
  double std = 1.0;
};

/// Images with their labels, checked to have as many of each.
struct IdxDataset {
  IdxArray images, labels;
  IdxNormalization normalization;

  int64_t size() const { return images.count; }
};

/// Loads a dataset. Throws Error when the files disagree.
IdxDataset loadIdxDataset(const std::string &images, const std::string &labels,
                          IdxNormalization normalization);

} // namespace dlrt

#endif // DLRT_IDXDATASET_H
