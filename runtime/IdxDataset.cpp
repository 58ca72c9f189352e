//===- IdxDataset.cpp - MNIST-format (IDX) images and labels --------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/IdxDataset.h"

#include "runtime/Error.h"

#include <zlib.h>

#include <memory>

namespace dlrt {

namespace {
/// A gzip or raw file read through zlib, which passes raw files through.
class CompressedFile {
public:
  explicit CompressedFile(const std::string &path) : path(path) {
    file = gzopen(path.c_str(), "rb");
    if (!file)
      throw Error(path + ": cannot open the file");
  }
  ~CompressedFile() { gzclose(file); }

  /// Reads exactly `size` bytes, or throws naming what was being read.
  void read(void *into, size_t size, const char *what) {
    size_t done = 0;
    while (done < size) {
      unsigned chunk = unsigned(std::min<size_t>(size - done, 1u << 30));
      int got = gzread(file, static_cast<char *>(into) + done, chunk);
      if (got < 0) {
        int code;
        const char *message = gzerror(file, &code);
        throw Error(path + ": corrupt or truncated gzip data while reading " +
                    what + " (" + message + ")");
      }
      if (got == 0)
        throw Error(path + ": the file ends before its " + what + " (" +
                    std::to_string(done) + " of " + std::to_string(size) +
                    " bytes)");
      done += size_t(got);
    }
  }

  /// Whether anything follows the data.
  bool atEnd() {
    char extra;
    return gzread(file, &extra, 1) == 0;
  }

private:
  std::string path;
  gzFile file;
};

uint32_t bigEndian(const uint8_t *b) {
  return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 |
         uint32_t(b[3]);
}
} // namespace

int64_t IdxArray::itemSize() const {
  int64_t size = 1;
  for (int64_t d : itemShape)
    size *= d;
  return size;
}

IdxArray readIdx(const std::string &path) {
  CompressedFile file(path);
  uint8_t magic[4];
  file.read(magic, 4, "header");
  // 0x00 0x00, type 0x08 (unsigned byte), then the number of dimensions.
  if (magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 || magic[3] < 1 ||
      magic[3] > 4)
    throw Error(path + ": not an IDX file of unsigned bytes (magic number " +
                std::to_string(bigEndian(magic)) +
                "; expected 2049 for labels or 2051 for images)");
  IdxArray array;
  array.path = path;
  std::vector<uint8_t> dims(4 * magic[3]);
  file.read(dims.data(), dims.size(), "dimensions");
  array.count = bigEndian(dims.data());
  for (int i = 1; i < magic[3]; ++i) {
    array.itemShape.push_back(bigEndian(dims.data() + 4 * i));
    if (array.itemShape.back() == 0)
      throw Error(path + ": an item dimension is 0");
  }
  if (array.count == 0)
    throw Error(path + ": holds no items");
  array.data.resize(size_t(array.count * array.itemSize()));
  file.read(array.data.data(), array.data.size(), "data");
  if (!file.atEnd())
    throw Error(path + ": has bytes after its " +
                std::to_string(array.count) + " items");
  return array;
}

IdxDataset loadIdxDataset(const std::string &images, const std::string &labels,
                          IdxNormalization normalization) {
  IdxDataset dataset;
  dataset.images = readIdx(images);
  dataset.labels = readIdx(labels);
  dataset.normalization = normalization;
  if (!dataset.labels.itemShape.empty())
    throw Error(labels + ": labels must be one number per item, not items of " +
                std::to_string(dataset.labels.itemSize()) + " values");
  if (dataset.images.count != dataset.labels.count)
    throw Error(images + " holds " + std::to_string(dataset.images.count) +
                " images but " + labels + " holds " +
                std::to_string(dataset.labels.count) + " labels");
  if (!(normalization.std > 0))
    throw Error("idx data: std must be positive");
  return dataset;
}

} // namespace dlrt
