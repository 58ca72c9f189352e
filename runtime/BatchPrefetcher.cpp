//===- BatchPrefetcher.cpp - The next batch, prepared ahead ---------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/BatchPrefetcher.h"

#include "runtime/Fail.h"

#include <cstring>

namespace dlrt {

BatchPrefetcher::BatchPrefetcher(const ModelDesc &model,
                                 const BatchSource &source, uint64_t seed)
    : model(model), source(source), seed(seed),
      inputs(model.withRole(TensorRole::Input)) {
  staging.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    staging[i].resize(inputs[i]->bytes);
    stagingView.bind(inputs[i], staging[i].data());
  }
  worker = std::thread([this] { work(); });
}

BatchPrefetcher::~BatchPrefetcher() {
  {
    std::lock_guard<std::mutex> guard(lock);
    stopping = true;
  }
  changed.notify_all();
  worker.join();
}

void BatchPrefetcher::request(int64_t nextEpoch, int64_t nextIndex) {
  {
    std::lock_guard<std::mutex> guard(lock);
    if (pending || ready)
      internalError("a batch was asked for before the last one was used");
    epoch = nextEpoch;
    index = nextIndex;
    pending = true;
  }
  changed.notify_all();
}

void BatchPrefetcher::deliver(uint8_t *arena) {
  std::unique_lock<std::mutex> guard(lock);
  if (!pending && !ready)
    internalError("a batch was used that was not asked for");
  changed.wait(guard, [this] { return ready; });
  ready = false;
  if (failure)
    std::rethrow_exception(std::exchange(failure, nullptr));
  for (size_t i = 0; i < inputs.size(); ++i)
    std::memcpy(arena + inputs[i]->offset, staging[i].data(), inputs[i]->bytes);
}

void BatchPrefetcher::work() {
  std::unique_lock<std::mutex> guard(lock);
  for (;;) {
    changed.wait(guard, [this] { return pending || stopping; });
    if (stopping)
      return;
    int64_t e = epoch, i = index;
    // Fill outside the lock: the staging buffers are ours until `ready`.
    guard.unlock();
    std::exception_ptr error;
    try {
      source.fill(BatchOrder::Training, seed, e, i, stagingView);
    } catch (...) {
      error = std::current_exception();
    }
    guard.lock();
    failure = error;
    pending = false;
    ready = true;
    changed.notify_all();
  }
}

} // namespace dlrt
