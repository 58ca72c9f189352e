//===- Parallel.h - Splitting a kernel's work between threads --*- C++ -*-===//
//
// Part of dlcc's kernels. The kernels split their work into tasks whose
// results do not depend on which thread runs them (each output element is
// computed by one task, in a fixed order), so results do not depend on the
// number of threads.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CPU_PARALLEL_H
#define DLCC_KERNELS_CPU_PARALLEL_H

#include <algorithm>
#include <atomic>
#include <cstdint>

#include <omp.h>

namespace dlcc::kernels {

/// Runs body(thread, threads) on the OpenMP runtime's threads (the pool
/// the step's loops and the BLAS use too), at most one per task.
template <typename Body> void onThreads(int64_t tasks, Body body) {
  int64_t threads = std::min<int64_t>(tasks, omp_get_max_threads());
  if (threads <= 1) {
    body(0, 1);
    return;
  }
#pragma omp parallel num_threads(static_cast <int>(threads))
  body(omp_get_thread_num(), omp_get_num_threads());
}

/// body(begin, end) over runs of [0, total) that cover it, each starting
/// at a multiple of `alignment` (a cache line of elements keeps threads
/// from writing one line) and about an eighth of a thread's share, taken by
/// the threads as they finish the last (see forEachTask); with fewer than
/// `perThread` elements a thread, one thread does them all.
template <typename Body>
void onShares(int64_t total, int64_t perThread, int64_t alignment, Body body) {
  std::atomic<int64_t> next{0};
  onThreads(total / perThread + 1, [&](int64_t, int64_t threads) {
    int64_t run = std::max<int64_t>(total / (8 * threads), 1);
    run = (run + alignment - 1) / alignment * alignment;
    for (int64_t begin; (begin = next.fetch_add(run)) < total;)
      body(begin, std::min(begin + run, total));
  });
}

/// Runs task(i) for i in [0, tasks) on up to the machine's cores, each
/// thread taking the next run of tasks (about an eighth of its share) as
/// it finishes the last: a core slower for a while (another process on
/// it, or a virtual machine's core whose caches are far from the other's)
/// does less of the work instead of holding the others at the end. cnn in
/// a slow phase of its machine: 63.3 -> 56.7 ms a step.
template <typename Task> void forEachTask(int64_t tasks, Task task) {
  std::atomic<int64_t> next{0};
  onThreads(tasks, [&](int64_t, int64_t threads) {
    int64_t chunk = std::max<int64_t>(1, tasks / (8 * threads));
    for (int64_t begin; (begin = next.fetch_add(chunk)) < tasks;)
      for (int64_t i = begin; i < std::min(begin + chunk, tasks); ++i)
        task(i);
  });
}

} // namespace dlcc::kernels

#endif // DLCC_KERNELS_CPU_PARALLEL_H
