//===- MappedFile.h - A file mapped read-only into memory -------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). Large data files (token streams, .npy
// arrays) are mapped rather than read, so that only the pages a batch
// touches are loaded.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_MAPPEDFILE_H
#define DLRT_MAPPEDFILE_H

#include <cstdint>
#include <string>

namespace dlrt {

/// A whole regular file, mapped read-only.
class MappedFile {
public:
  /// Maps `path`. Throws Error naming the file when it cannot be opened,
  /// is not a regular file, or cannot be mapped.
  explicit MappedFile(const std::string &path);
  ~MappedFile();
  MappedFile(MappedFile &&other) noexcept;
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  MappedFile &operator=(MappedFile &&) = delete;

  const std::string &path() const { return filePath; }
  const uint8_t *data() const { return bytes; }
  uint64_t size() const { return length; }

private:
  std::string filePath;
  const uint8_t *bytes = nullptr;
  uint64_t length = 0;
  void *mapping = nullptr;
};

} // namespace dlrt

#endif // DLRT_MAPPEDFILE_H
