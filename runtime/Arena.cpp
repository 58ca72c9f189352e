//===- Arena.cpp - The one memory block a compiled program uses -----------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/Arena.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace dlrt {

Arena::~Arena() { std::free(base); }

bool Arena::allocate(size_t requested, std::string &error) {
  std::free(base);
  base = nullptr;
  bytes = alignArena(requested == 0 ? 1 : requested);
  base = static_cast<uint8_t *>(std::aligned_alloc(kArenaAlignment, bytes));
  if (!base) {
    error = "cannot allocate the arena of " + std::to_string(bytes) + " bytes";
    bytes = 0;
    return false;
  }
  std::memset(base, 0, bytes);
  return true;
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
