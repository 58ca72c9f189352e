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
/// `strided` kernels take each operand's strides (kernels/cpu/
/// FlashAttention.h): the heads of [batch, tokens, heads, dim] tensors
/// that a dl.transpose swaps into [batch, heads, tokens, dim] are read and
/// written in place of the transposed copies. The others read contiguous
/// [batch, tokens, dim] operands.
struct AttentionKernelNames {
  llvm::StringRef forward, backward;
  bool hasF64, strided;
};

inline constexpr AttentionKernelNames kCPUAttentionKernels{
    "dl_attention_strided_fwd", "dl_attention_strided_bwd", /*hasF64=*/true,
    /*strided=*/true};
inline constexpr AttentionKernelNames kCUDAAttentionKernels{
    "dlrt_cuda_attention_fwd", "dlrt_cuda_attention_bwd", /*hasF64=*/false,
    /*strided=*/false};

void populateAttentionKernelCalls(mlir::RewritePatternSet &patterns,
                                  AttentionKernelNames names);

} // namespace dlcc

#endif // DLCC_CONVERSION_DLTOLINALG_ATTENTIONKERNELS_H
