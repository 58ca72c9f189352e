//===- Passes.td - Conversions of dlcc ---------------------*- tablegen -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_CONVERSION_PASSES_TD
#define DLCC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertDLToLinalg : Pass<"convert-dl-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lowers dl ops to linalg, tensor, arith and math on tensors.";
  let description = [{
    Every dl op becomes structured ops on tensors: elementwise math and
    reductions as `linalg.generic`, matrix products as `linalg.matmul` /
    `linalg.batch_matmul` (which `dl-linalg-to-blas` later hands to the
    runtime's GEMM), convolutions as an im2col gather followed by one matrix
    product, views as `tensor` reshapes and slices. Indices that must lie in
    a range (embedding rows, class labels) are checked at run time and an
    out-of-range one stops the program through `dlrt_fail`.
    `dl.param`/`dl.assign` must already be gone (see `dl-lower-to-arena`).
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect", "mlir::func::FuncDialect",
    "mlir::LLVM::LLVMDialect"];
}

def ConvertDLToCUDAKernels : Pass<"convert-dl-to-cuda-kernels", "mlir::ModuleOp"> {
  let summary = "Hands the ops that have a hand-written CUDA kernel to it.";
  let description = [{
    For `--target=cuda`, before `convert-dl-to-linalg`: `dl.cross_entropy`
    and `dl.cross_entropy_grad` on f32 logits and i32 labels become calls
    to `dlrt_cuda_softmax_xent` / `dlrt_cuda_softmax_xent_grad`, which
    launch the fused kernels of `kernels/cuda/softmax_xent.cu` (one warp
    per row, warp-shuffle reductions; the backward recomputes the rows'
    log-sum-exp, never stores the softmax). The labels are range-checked as
    in `convert-dl-to-linalg`. `dl.adamw_update` becomes one call to
    `dlrt_cuda_adamw_all` with a table on the stack of every param's
    addresses (as on the CPU, AdamWKernel.h), whose launches of
    kernels/cuda/adamw.cu take up to 48 params each (one pass over each
    param, its gradient and moments, the hyper scalars read on the device;
    a param or moment only stored back where it was read is updated in
    place). The kernels read their operands' buffers
    (`bufferization.to_buffer`, read-only) and write fresh ones
    (`memref.alloc`, later placed by the memory plan) that become the
    results (`bufferization.to_tensor restrict`).
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::bufferization::BufferizationDialect",
    "mlir::func::FuncDialect", "mlir::LLVM::LLVMDialect",
    "mlir::linalg::LinalgDialect", "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect", "mlir::tensor::TensorDialect"];
}

def ConvertDLToCPUKernels : Pass<"convert-dl-to-cpu-kernels", "mlir::ModuleOp"> {
  let summary = "Hands the ops that have a hand-written CPU kernel to it.";
  let description = [{
    For the CPU, before `convert-dl-to-linalg`: stride-1 f32 convolutions
    (`dl.conv2d`, `dl.conv2d_grad_input`, `dl.conv2d_grad_weight`) become
    calls to the convolution kernels of `kernels/cpu/Conv2D.h`
    (`dl_conv2d_fwd_f32`, `dl_conv2d_grad_input_f32`,
    `dl_conv2d_grad_weight_f32`), which read the padded image in place
    rather than an im2col matrix nine times its size (directly, or, for
    3x3 filters over enough channels, by Winograd's F(4x4, 3x3) or
    F(2x2, 3x3)). Other convolutions
    (strided, other element types) are left to `convert-dl-to-linalg`. An
    f32 `dl.maxpool2d` becomes `dl_maxpool2d_f32` (2x2 windows of stride 2
    a vector of windows at a time), an f32 `dl.maxpool2d_grad`
    `dl_maxpool2d_grad_f32` (`kernels/cpu/Pooling.h`: one pass, each
    window adding its gradient at its first maximum). Training-mode f32 `dl.batchnorm` and
    `dl.batchnorm_grad` become `dl_batchnorm_train_f32` and
    `dl_batchnorm_grad_f32` (`kernels/cpu/BatchNorm.h`: a channel at a
    time, its statistics and sums computed while it is in cache). A batch
    norm whose output only a `dl.relu` reads takes the ReLU into the same
    pass (`dl_batchnorm_relu_train_f32`), and a batch norm's gradient of
    `dl.where(dl.compare gt(y, 0), dy, 0)` (the gradient through a ReLU
    whose output is y) that nothing else reads masks dy as it reads it
    (`dl_batchnorm_relu_grad_f32`): neither the batch norm's output nor
    the masked gradient is stored. f32 `dl.layernorm` and
    `dl.layernorm_grad` become `dl_layernorm_f32` and
    `dl_layernorm_grad_f32` (`kernels/cpu/LayerNorm.h`: a row at a time,
    read once; the gradient's column sums per block of rows, in at most 64
    blocks whose sums go to scratch the memory plan places and are added in
    block order). `dl.attention` and `dl.attention_grad`
    become the flash kernels of `kernels/cpu/FlashAttention.h`
    (`dl_attention_strided_fwd_f32`/`_f64` and `_bwd_`), given each
    operand's strides: an operand that a `dl.transpose` by [0, 2, 1, 3]
    makes from [batch, tokens, heads, dim] rows (a transformer's q, k and
    v, split from one projection) is read where it lies, and a result that
    such a transpose turns back into [batch, tokens, heads, dim] is written
    that way, so no transposed copy is made; gradients that are then merged
    into [batch, tokens, heads * dim] and concatenated on the last axis
    (the qkv projection's) are written into their columns of the
    concatenation. As
    in `convert-dl-to-cuda-kernels`, the kernels read their operands'
    buffers and write fresh ones that the memory plan places.
  }];
  let options = [
    Option<"fuseRelu", "fuse-relu", "bool", /*default=*/"true",
           "A batch norm and the ReLU after it, and their gradients, in one "
           "kernel call each">,
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::bufferization::BufferizationDialect",
    "mlir::func::FuncDialect", "mlir::LLVM::LLVMDialect",
    "mlir::linalg::LinalgDialect", "mlir::memref::MemRefDialect",
    "mlir::tensor::TensorDialect"];
}

#endif // DLCC_CONVERSION_PASSES_TD
