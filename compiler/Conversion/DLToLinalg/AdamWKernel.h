//===- AdamWKernel.h - dl.adamw_update to one kernel call -------*- C++ -*-===//
//
// Part of dlcc. dl.adamw_update (every f32 param of the step) becomes one
// call of a kernel that takes a table on the stack, a row of 64 bytes per
// param (DLAdamWTensor, kernels/cpu/AdamW.h: the addresses of the param,
// its gradient, its moments and their three new values, and the element
// count), then the hyper-parameters' addresses and the row count:
// dl_adamw_all_f32 on the CPU, dlrt_cuda_adamw_all on CUDA.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_CONVERSION_DLTOLINALG_ADAMWKERNEL_H
#define DLCC_CONVERSION_DLTOLINALG_ADAMWKERNEL_H

#include "mlir/IR/PatternMatch.h"

namespace dlcc {

void populateAdamWKernelCall(mlir::RewritePatternSet &patterns,
                             llvm::StringRef kernel);

} // namespace dlcc

#endif // DLCC_CONVERSION_DLTOLINALG_ADAMWKERNEL_H
