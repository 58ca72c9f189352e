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
#include <cstdint>
#include <thread>
#include <vector>

namespace dlcc::kernels {

/// Runs body(thread, threads) on threads = min(tasks, the machine's cores)
/// threads, thread 0 being the caller's; body takes the tasks thread,
/// thread + threads, ... of [0, tasks).
template <typename Body> void onThreads(int64_t tasks, Body body) {
  int64_t threads = std::min<int64_t>(
      tasks, std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> workers;
  for (int64_t t = 1; t < threads; ++t)
    workers.emplace_back([=] { body(t, threads); });
  body(0, std::max<int64_t>(threads, 1));
  for (std::thread &worker : workers)
    worker.join();
}

/// Runs task(i) for i in [0, tasks) on up to the machine's cores.
template <typename Task> void forEachTask(int64_t tasks, Task task) {
  onThreads(tasks, [&](int64_t thread, int64_t threads) {
    for (int64_t i = thread; i < tasks; i += threads)
      task(i);
  });
}

} // namespace dlcc::kernels

#endif // DLCC_KERNELS_CPU_PARALLEL_H
