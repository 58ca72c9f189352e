//===- Threads.h - The threads of a compiled program ------------*- C++ -*-===//
//
// Part of dlcc's runtime.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_THREADS_H
#define DLRT_THREADS_H

namespace dlrt {

/// A step runs on the OpenMP runtime's threads, one per core: the generated
/// parallel loops, the kernels and (OpenBLAS built for OpenMP) the
/// products. A program linked with the pthreads OpenBLAS has a second pool
/// for the products, and an idle pool must not spin, or it takes the cores
/// the other needs: OpenBLAS's threads yield in a loop for 2^28 cycles after
/// each product, OpenMP's spin 200 ms after each loop. This makes OpenBLAS's
/// sleep at once (2^4 cycles) and OpenMP's after 1 ms (the next loop
/// usually follows within it), unless the user set OPENBLAS_THREAD_TIMEOUT
/// or KMP_BLOCKTIME. Call before the first product or parallel loop.
void setIdleThreadsToSleep();

} // namespace dlrt

#endif // DLRT_THREADS_H
