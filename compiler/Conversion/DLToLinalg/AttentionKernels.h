//===- AttentionKernels.h - dl.attention to flash kernels -------*- C++ -*-===//
//
// Part of dlcc. dl.attention and dl.attention_grad become calls of the
// flash-attention kernels (kernels/cpu/FlashAttention.h on the CPU,
// kernels/cuda/flash_attention.cu through libdlrt_cuda on CUDA): the
// [Tq, Tk] weights exist only inside the kernels, tile by tile.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_CONVERSION_DLTOLINALG_ATTENTIONKERNELS_H
#define DLCC_CONVERSION_DLTOLINALG_ATTENTIONKERNELS_H

#include "mlir/IR/PatternMatch.h"

namespace dlcc {

/// The kernels a target calls: `<forward>_f32` and `<backward>_f32`, and
/// the _f64 versions where `hasF64`. Other float types compute in f32.
struct AttentionKernelNames {
  llvm::StringRef forward, backward;
  bool hasF64;
};

inline constexpr AttentionKernelNames kCPUAttentionKernels{
    "dl_attention_fwd", "dl_attention_bwd", /*hasF64=*/true};
inline constexpr AttentionKernelNames kCUDAAttentionKernels{
    "dlrt_cuda_attention_fwd", "dlrt_cuda_attention_bwd", /*hasF64=*/false};

void populateAttentionKernelCalls(mlir::RewritePatternSet &patterns,
                                  AttentionKernelNames names);

} // namespace dlcc

#endif // DLCC_CONVERSION_DLTOLINALG_ATTENTIONKERNELS_H
