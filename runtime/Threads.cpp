//===- Threads.cpp - The threads of a compiled program --------------------===//
//
// Part of dlcc's runtime.
//
//===----------------------------------------------------------------------===//

#include "runtime/Threads.h"

#include <cstdlib>

// OpenBLAS reads its environment in its library constructor, before main;
// these exported functions read it again and stop its threads, which the
// next product starts with the new timeout. Weak: another BLAS lacks them.
extern "C" void openblas_read_env() __attribute__((weak));
extern "C" int blas_thread_shutdown_() __attribute__((weak));

namespace dlrt {

void setIdleThreadsToSleep() {
  // The OpenMP runtime reads KMP_BLOCKTIME when the first loop starts.
  setenv("KMP_BLOCKTIME", "1", /*overwrite=*/0);
  if (getenv("OPENBLAS_THREAD_TIMEOUT") || !openblas_read_env ||
      !blas_thread_shutdown_)
    return;
  setenv("OPENBLAS_THREAD_TIMEOUT", "4", /*overwrite=*/1);
  openblas_read_env();
  blas_thread_shutdown_();
}

} // namespace dlrt
