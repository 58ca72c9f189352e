//===- BatchPrefetcher.h - The next batch, prepared ahead -------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). While the model runs a step on the
// batch in the arena, a worker thread writes the next batch into a staging
// buffer; the step after starts by copying it into the arena. Batches are
// pure functions of their positions (BatchSource), so the result does not
// depend on the timing of the two threads.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_BATCHPREFETCHER_H
#define DLRT_BATCHPREFETCHER_H

#include "runtime/BatchSource.h"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace dlrt {

class BatchPrefetcher {
public:
  /// Prepares training batches of `source` for `model` under `seed`.
  BatchPrefetcher(const ModelDesc &model, const BatchSource &source,
                  uint64_t seed);
  ~BatchPrefetcher();
  BatchPrefetcher(const BatchPrefetcher &) = delete;
  BatchPrefetcher &operator=(const BatchPrefetcher &) = delete;

  /// Starts preparing batch `index` of `epoch` in the background. The
  /// batch asked for before must have been delivered.
  void request(int64_t epoch, int64_t index);

  /// Waits for the batch asked for and copies it into the inputs of
  /// `arena`. Rethrows what preparing it threw.
  void deliver(uint8_t *arena);

private:
  void work();

  const ModelDesc &model;
  const BatchSource &source;
  uint64_t seed;
  std::vector<const TensorDesc *> inputs;
  std::vector<std::vector<uint8_t>> staging; ///< One buffer per input.
  BatchView stagingView;

  std::mutex lock;
  std::condition_variable changed;
  bool pending = false; ///< A batch is asked for and not yet prepared.
  bool ready = false;   ///< The staging buffers hold the batch asked for.
  bool stopping = false;
  int64_t epoch = 0, index = 0;
  std::exception_ptr failure;
  std::thread worker;
};

} // namespace dlrt

#endif // DLRT_BATCHPREFETCHER_H
