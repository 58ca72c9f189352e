//===- Arena.h - The one memory block a compiled program uses ---*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). The compiler plans every buffer of a
// training step at a static offset inside one arena; the runtime allocates
// the arena once and measures what it hands out beyond it.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_ARENA_H
#define DLRT_ARENA_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace dlrt {

/// Alignment of the arena and of every planned offset: a cache line, and
/// enough for any vector load the generated code emits.
constexpr size_t kArenaAlignment = 64;

/// Rounds `bytes` up to a multiple of kArenaAlignment.
constexpr size_t alignArena(size_t bytes) {
  return (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

/// A zero-initialized, aligned block of host memory of a fixed size.
class Arena {
public:
  Arena() = default;
  Arena(const Arena &) = delete;
  Arena &operator=(const Arena &) = delete;
  ~Arena();

  /// Allocates `bytes` (rounded up to the alignment). Returns false and sets
  /// `error` when the memory cannot be had.
  bool allocate(size_t bytes, std::string &error);

  uint8_t *data() const { return base; }
  size_t size() const { return bytes; }

  /// Bytes of the arena that have been touched (resident pages): its pages
  /// come from the system untouched and zero, so this is what the program
  /// has used of it.
  size_t residentBytes() const;

  /// Pointer to a planned offset; checks that [offset, offset + length) lies
  /// inside the arena.
  uint8_t *at(size_t offset, size_t length) const;

private:
  uint8_t *base = nullptr;
  size_t bytes = 0;
};

} // namespace dlrt

#endif // DLRT_ARENA_H
