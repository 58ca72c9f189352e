//===- Shuffle.h - Reproducible random orders of the data -------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). The order of the examples is drawn from
// a counter-based generator: every draw is a pure function of the run's
// seed, what it is for and its index, so that any batch of any epoch can
// be recomputed alone (a resumed run sees the same batches) and the order
// does not depend on the standard library.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_SHUFFLE_H
#define DLRT_SHUFFLE_H

#include <cstdint>
#include <mutex>
#include <vector>

namespace dlrt {

/// What a draw is for: distinct streams of the same seed.
enum class RandomStream : uint64_t { EpochOrder = 1, TextWindows = 2 };

/// 64 random bits: draw `counter` of `stream` `index` under `seed`.
uint64_t randomBits(uint64_t seed, RandomStream stream, uint64_t index,
                    uint64_t counter);

/// An integer uniform in [0, bound) from 64 random bits (bound > 0).
uint64_t randomBelow(uint64_t bits, uint64_t bound);

/// The permutation of [0, count) for epoch `epoch` under `seed`
/// (Fisher-Yates with the draws of the EpochOrder stream).
std::vector<int64_t> epochPermutation(uint64_t seed, int64_t epoch,
                                      int64_t count);

/// Which examples make up each batch of a dataset of `count` examples:
/// file order for evaluation, a fresh permutation per epoch for training.
/// Each epoch holds count / batch full batches; the rest is left out.
/// Safe to use from several threads.
class ExampleOrder {
public:
  ExampleOrder(int64_t count, int64_t batch) : count(count), batch(batch) {}

  int64_t batchesPerEpoch() const { return count / batch; }
  int64_t skipped() const { return count % batch; }

  /// The examples of batch `index` of `epoch`, `batch` of them.
  std::vector<int64_t> examples(bool shuffled, uint64_t seed, int64_t epoch,
                                int64_t index) const;

private:
  int64_t count, batch;
  // The permutation of the epoch asked for last, as a batch usually
  // follows the one before it.
  mutable std::mutex cacheLock;
  mutable bool cached = false;
  mutable uint64_t cachedSeed = 0;
  mutable int64_t cachedEpoch = 0;
  mutable std::vector<int64_t> permutation;
};

} // namespace dlrt

#endif // DLRT_SHUFFLE_H
