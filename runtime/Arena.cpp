//===- Arena.cpp - The one memory block a compiled program uses -----------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/Arena.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace dlrt {

Arena::~Arena() {
  if (base)
    munmap(base, bytes);
}

bool Arena::allocate(size_t requested, std::string &error) {
  if (base)
    munmap(base, bytes);
  base = nullptr;
  bytes = alignArena(requested == 0 ? 1 : requested);
  // Anonymous pages are zero and page-aligned (beyond kArenaAlignment), and
  // only the pages a step touches take memory.
  void *pages = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pages == MAP_FAILED) {
    error = "cannot allocate the arena of " + std::to_string(bytes) + " bytes";
    bytes = 0;
    return false;
  }
  base = static_cast<uint8_t *>(pages);
  return true;
}

size_t Arena::residentBytes() const {
  if (!base)
    return 0;
  size_t page = size_t(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> resident((bytes + page - 1) / page);
  if (mincore(base, bytes, resident.data()) != 0)
    return 0;
  size_t pages = 0;
  for (unsigned char r : resident)
    pages += r & 1;
  return std::min(bytes, pages * page);
}

uint8_t *Arena::at(size_t offset, size_t length) const {
  if (offset > bytes || length > bytes - offset) {
    std::fprintf(stderr,
                 "dlrt: internal error: [%zu, %zu) lies outside the arena of "
                 "%zu bytes\n",
                 offset, offset + length, bytes);
    std::abort();
  }
  return base + offset;
}

} // namespace dlrt
