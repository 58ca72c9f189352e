//===- ModelABI.h - What a compiled model exports to the runtime -*- C -*-===//
//
// Part of dlcc. The whole interface between the code dlcc generates and
// libdlrt. A compiled model exports exactly these symbols; everything it
// reads or writes lives in one arena at offsets the compiler planned.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_MODELABI_H
#define DLRT_MODELABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Version of this interface; the descriptor's "abi" field must match.
#define DL_ABI_VERSION 1

/// The model descriptor, a NUL-terminated JSON document:
///
///   {
///     "abi": 1, "model": "mlp", "batch": 128, "arena_bytes": 1234,
///     "outputs": ["loss", "accuracy"],
///     "tensors": [
///       {"name": "fc1.weight", "role": "param", "dtype": "f32",
///        "shape": [256, 784], "offset": 0, "bytes": 802816,
///        "init": {"kind": "uniform", "a": -0.0357, "b": 0.0357},
///        "frozen": false},
///       {"name": "image", "role": "input", "dtype": "f32",
///        "shape": [128, 784], "offset": 802816, "bytes": 401408},
///       {"name": "loss", "role": "output", "dtype": "f32", "shape": [],
///        "offset": 1204224, "bytes": 4},
///       {"name": "fc1.weight.grad", "role": "grad", "dtype": "f32",
///        "shape": [256, 784], "offset": 1204288, "bytes": 802816},
///       ...
///     ],
///     "train": { ...the train { } section of the .dl file... },
///     "scratch": {"offset": 1216, "bytes": 18, "steps": {...}}
///   }
///
/// "scratch" (informative; the runtime need not read it): the region of
/// the arena, after every tensor, where the steps keep their temporaries,
/// and per step the planned peak of bytes in use and the op where it
/// occurs (dl-plan-memory). "arena_bytes" includes it.
///
/// Roles: "param" (trained, saved), "buffer" (saved, not trained, e.g.
/// batch-norm running statistics), "input" (filled from the batch before each
/// step), "output" (loss first, then metrics and other named outputs, read
/// after each step), "grad" (`<param>.grad`, the gradient of a trained param,
/// with its dtype and shape, written by dl_gradient_step), "state" (optimizer
/// state of a trained param, `<param>.<kind>` with kind exp_avg, exp_avg_sq
/// or momentum_buffer: zero before the first training step, updated by
/// dl_train_step, saved in checkpoints), "hyper" (a scalar the runtime writes
/// before each dl_train_step, see below) and "stat" (a scalar dl_train_step
/// writes besides the outputs: `grad_norm`, the global gradient norm before
/// clipping, when the model clips). dtypes: f32 f16 bf16 f64 i32 i64.
/// Offsets are multiples of 64 bytes. "init" kinds: constant (a), uniform
/// (a, b), normal (mean a, std b); only params and buffers have one.
///
/// Hyper tensors; a model has those its training step reads:
///   step           i64  number of this optimizer step, 1 for the first
///   seed           i64  the run's seed (dropout masks are keyed by seed,
///                       step and the dropout op)
///   lr             f32  learning rate of this step (the schedule's value)
///   weight_decay   f32  the optimizer's weight decay
///   beta1, beta2   f32  Adam's moment decay rates
///   eps            f32  Adam's denominator term
///   momentum       f32  SGD's momentum
///   max_grad_norm  f32  the global gradient norm clipping bound (`clip`)
extern const char dl_model_json[];

/// Runs the forward program on the batch in the arena (evaluation: no
/// dropout, batch norm with running statistics) and writes the outputs.
void dl_eval_step(uint8_t *arena);

/// Runs the training forward on the batch in the arena (dropout kept, batch
/// norm on batch statistics, its running statistics updated), writes the
/// outputs, then the gradient of the loss with respect to every trained
/// param into its "grad" tensor. Exported only by programs compiled with
/// `dlcc --gradients`; the runtime looks it up as a weak symbol.
void dl_gradient_step(uint8_t *arena);

/// One optimizer step: the training forward on the batch in the arena, the
/// gradients, global-norm clipping when the model clips, and the update of
/// every trained param and its state, in place. Writes the outputs and
/// stats (computed before the update), the params, their state and the
/// buffers the model assigns (each as soon as nothing reads its old value
/// any more). Reads the hyper tensors, which the
/// runtime writes before each call. Exported by programs whose model has a
/// trained param; the runtime looks it up as a weak symbol.
void dl_train_step(uint8_t *arena);

//===----------------------------------------------------------------------===//
// What libdlrt provides to generated code
//===----------------------------------------------------------------------===//

/// Row-major single-precision GEMM: C = alpha op(A) op(B) + beta C, with
/// op(X) = X or X^T, A op(A) of M x K, op(B) K x N, C M x N.
void dlrt_sgemm(int32_t transA, int32_t transB, int64_t M, int64_t N, int64_t K,
                float alpha, const float *A, int64_t lda, const float *B,
                int64_t ldb, float beta, float *C, int64_t ldc);

/// Two independent dlrt_sgemm calls (neither writes what the other reads
/// or writes), the second's operands after the first's. With two threads
/// (and OpenBLAS on OpenMP) they run side by side, one thread each, which
/// spares OpenBLAS's threads their waits for each other inside a product;
/// otherwise one after the other, each on every thread.
void dlrt_sgemm_pair(int32_t transA1, int32_t transB1, int64_t M1, int64_t N1,
                     int64_t K1, float alpha1, const float *A1, int64_t lda1,
                     const float *B1, int64_t ldb1, float beta1, float *C1,
                     int64_t ldc1, int32_t transA2, int32_t transB2, int64_t M2,
                     int64_t N2, int64_t K2, float alpha2, const float *A2,
                     int64_t lda2, const float *B2, int64_t ldb2, float beta2,
                     float *C2, int64_t ldc2);

/// `batch` independent GEMMs; matrix i of X starts at X + i * strideX.
void dlrt_sgemm_batched(int64_t batch, int32_t transA, int32_t transB,
                        int64_t M, int64_t N, int64_t K, float alpha,
                        const float *A, int64_t lda, int64_t strideA,
                        const float *B, int64_t ldb, int64_t strideB,
                        float beta, float *C, int64_t ldc, int64_t strideC);

/// Called by generated code when an input is out of range (for instance an
/// embedding index or a class label); prints the message and stops the
/// program with a non-zero exit.
void dlrt_fail(const char *message, int64_t value);

//===----------------------------------------------------------------------===//
// What libdlrt_cuda provides to generated code (dlcc --target=cuda)
//===----------------------------------------------------------------------===//

/// dlrt_sgemm and dlrt_sgemm_batched on device memory, enqueued on the
/// program's stream (cuBLASLt).
void dlrt_cuda_sgemm(int32_t transA, int32_t transB, int64_t M, int64_t N,
                     int64_t K, float alpha, const float *A, int64_t lda,
                     const float *B, int64_t ldb, float beta, float *C,
                     int64_t ldc);
/// dlrt_cuda_sgemm with beta = 0 and `bias` (N floats, device memory)
/// added to every row of C by the product itself (cuBLASLt's bias
/// epilogue): C = alpha op(A) op(B) + bias.
void dlrt_cuda_sgemm_bias(int32_t transA, int32_t transB, int64_t M, int64_t N,
                          int64_t K, float alpha, const float *A, int64_t lda,
                          const float *B, int64_t ldb, const float *bias,
                          float *C, int64_t ldc);
void dlrt_cuda_sgemm_batched(int64_t batch, int32_t transA, int32_t transB,
                             int64_t M, int64_t N, int64_t K, float alpha,
                             const float *A, int64_t lda, int64_t strideA,
                             const float *B, int64_t ldb, int64_t strideB,
                             float beta, float *C, int64_t ldc,
                             int64_t strideC);

/// Copies `bytes` of device memory at `from` to the host at `to` once the
/// kernels before it on the program's stream have run (the scalars host
/// code reads: dropout's seed and step, the extremes of checked inputs).
void dlrt_cuda_read(void *to, const void *from, int64_t bytes);

/// Softmax cross-entropy of f32 logits [rows, classes] and i32 labels
/// [rows] by the fused kernels of kernels/cuda/softmax_xent.cu: the mean
/// loss into `loss` (and the per-row terms, the count of counted rows and
/// an error slot, which the kernels need); the gradient version writes
/// dloss * d(loss)/d(logits) into `grad`, recomputing the forward's
/// per-row terms first. The labels are checked before the call.
void dlrt_cuda_softmax_xent(const float *logits, const int32_t *labels,
                            float *rowLoss, float *rowLse, float *rowWeight,
                            int32_t *error, float *loss, float *count,
                            int64_t rows, int64_t classes, float smoothing,
                            int64_t ignore);
void dlrt_cuda_softmax_xent_grad(float *grad, const float *logits,
                                 const int32_t *labels, const float *dloss,
                                 float *rowLoss, float *rowLse,
                                 float *rowWeight, int32_t *error, float *loss,
                                 float *count, int64_t rows, int64_t classes,
                                 float smoothing, int64_t ignore);

/// One AdamW step of `count` f32 params (kernels/cuda/adamw.cu, up to 48
/// a launch): `table` holds a row per param, as the compiled step lays it
/// out (DLAdamWTensor, kernels/cpu/AdamW.h: the device addresses of the
/// param, its gradient and moments and their new values, and the element
/// count); the hyper scalars are read where the arena keeps them.
void dlrt_cuda_adamw_all(const void *table, const float *lr,
                         const float *weightDecay, const float *beta1,
                         const float *beta2, const float *eps,
                         const int64_t *step, int64_t count);

/// The kernel launches of generated code go through the `mgpu*` functions
/// of MLIR's GPU lowering (mgpuModuleLoadJIT, mgpuModuleGetFunction,
/// mgpuLaunchKernel, mgpuStreamCreate, ...), which libdlrt_cuda implements
/// on the CUDA driver API; see runtime/cuda/KernelLauncher.cpp.

#ifdef __cplusplus
}
#endif

#endif // DLRT_MODELABI_H
