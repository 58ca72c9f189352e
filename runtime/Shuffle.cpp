//===- Shuffle.cpp - Reproducible random orders of the data ---------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/Shuffle.h"

#include <numeric>

namespace dlrt {

namespace {
/// SplitMix64's output function: a bijection of 64-bit words that mixes
/// every input bit into every output bit.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
} // namespace

uint64_t randomBits(uint64_t seed, RandomStream stream, uint64_t index,
                    uint64_t counter) {
  uint64_t key = mix(mix(seed) ^ uint64_t(stream));
  return mix(mix(key ^ index) ^ counter);
}

uint64_t randomBelow(uint64_t bits, uint64_t bound) {
  return uint64_t((unsigned __int128)bits * bound >> 64);
}

std::vector<int64_t> epochPermutation(uint64_t seed, int64_t epoch,
                                      int64_t count) {
  std::vector<int64_t> order(static_cast<size_t>(count));
  std::iota(order.begin(), order.end(), int64_t(0));
  for (int64_t i = count - 1; i > 0; --i) {
    uint64_t bits = randomBits(seed, RandomStream::EpochOrder, uint64_t(epoch),
                               uint64_t(i));
    std::swap(order[size_t(i)], order[randomBelow(bits, uint64_t(i) + 1)]);
  }
  return order;
}

std::vector<int64_t> ExampleOrder::examples(bool shuffled, uint64_t seed,
                                            int64_t epoch,
                                            int64_t index) const {
  std::vector<int64_t> rows(static_cast<size_t>(batch));
  if (!shuffled) {
    std::iota(rows.begin(), rows.end(), index * batch);
    return rows;
  }
  std::lock_guard<std::mutex> lock(cacheLock);
  if (!cached || cachedSeed != seed || cachedEpoch != epoch) {
    permutation = epochPermutation(seed, epoch, count);
    cached = true;
    cachedSeed = seed;
    cachedEpoch = epoch;
  }
  for (int64_t i = 0; i < batch; ++i)
    rows[size_t(i)] = permutation[size_t(index * batch + i)];
  return rows;
}

} // namespace dlrt
