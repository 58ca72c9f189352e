//===- MappedFile.cpp - A file mapped read-only into memory ---------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/MappedFile.h"

#include "runtime/Error.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dlrt {

MappedFile::MappedFile(const std::string &path) : filePath(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw Error(path + ": cannot open: " + std::strerror(errno));
  struct stat info;
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    throw Error(path + ": not a regular file");
  }
  length = uint64_t(info.st_size);
  if (length == 0) { // mmap refuses empty mappings.
    ::close(fd);
    return;
  }
  mapping = ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd, 0);
  int mapError = errno;
  ::close(fd);
  if (mapping == MAP_FAILED) {
    mapping = nullptr;
    throw Error(path + ": cannot map: " + std::strerror(mapError));
  }
  bytes = static_cast<const uint8_t *>(mapping);
}

MappedFile::MappedFile(MappedFile &&other) noexcept
    : filePath(std::move(other.filePath)), bytes(other.bytes),
      length(other.length), mapping(other.mapping) {
  other.bytes = nullptr;
  other.length = 0;
  other.mapping = nullptr;
}

MappedFile::~MappedFile() {
  if (mapping)
    ::munmap(mapping, length);
}

} // namespace dlrt
