//===- adamw.cu - Fused AdamW update (CUDA) -------------------------------===//
//
// Part of dlcc's kernels. Same arithmetic as kernels/cpu/AdamW.cpp (see
// AdamW.h), operation by operation and without contraction into fused
// multiply-adds, as the code dlcc generates for the step computes it;
// compiled to PTX at build time and launched through the CUDA driver API.
//
//===----------------------------------------------------------------------===//

#include "AdamWLaunch.h"

#include <cstdint>

namespace {

/// The step's constants, from the hyper-parameters in device memory (the
/// arena's hyper scalars), so that the host never waits for them.
struct Hypers {
  float keep, beta1, beta2, eps, stepSize, rootCorrection, weight1, weight2;

  __device__ Hypers(const float *lrAt, const float *weightDecayAt,
                    const float *beta1At, const float *beta2At,
                    const float *epsAt, const int64_t *stepAt) {
    const float lr = *lrAt;
    beta1 = *beta1At;
    beta2 = *beta2At;
    eps = *epsAt;
    keep = __fsub_rn(1.0f, __fmul_rn(lr, *weightDecayAt));
    const float step = float(*stepAt);
    const float correction1 = __fsub_rn(1.0f, powf(beta1, step));
    const float correction2 = __fsub_rn(1.0f, powf(beta2, step));
    stepSize = __fdiv_rn(lr, correction1);
    rootCorrection = __fsqrt_rn(correction2);
    weight1 = __fsub_rn(1.0f, beta1);
    weight2 = __fsub_rn(1.0f, beta2);
  }

  /// Element i of one tensor (read before it is written: in place is fine).
  __device__ void update(const AdamWLaunchTensor &t, int64_t i) const {
    float g = t.grad[i], mi = t.m[i], vi = t.v[i];
    float p = __fmul_rn(t.param[i], keep);
    float avg = __fadd_rn(mi, __fmul_rn(weight1, __fsub_rn(g, mi)));
    float sq =
        __fadd_rn(__fmul_rn(vi, beta2), __fmul_rn(__fmul_rn(weight2, g), g));
    float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(sq), rootCorrection), eps);
    t.newM[i] = avg;
    t.newV[i] = sq;
    t.newParam[i] = __fsub_rn(p, __fmul_rn(stepSize, __fdiv_rn(avg, denom)));
  }
};

} // namespace

/// One AdamW step of every tensor of `launch`, their elements taken as one
/// run: the grid strides over the run, consecutive threads on consecutive
/// elements (of one tensor, or the end of one and the start of the next).
///   lr, weightDecay, beta1, beta2, eps   one f32 each
///   step                                 one int64, counting from 1
/// Launch: any shape (256 threads and enough blocks to fill the GPU
/// suggested).
extern "C" __global__ void
dl_adamw_all_f32(const AdamWLaunch launch, const float *lrAt,
                 const float *weightDecayAt, const float *beta1At,
                 const float *beta2At, const float *epsAt,
                 const int64_t *stepAt) {
  const Hypers hypers(lrAt, weightDecayAt, beta1At, beta2At, epsAt, stepAt);
  int64_t total = 0;
  for (int64_t t = 0; t < launch.count; ++t)
    total += launch.tensors[t].n;
  // The thread's tensor and where its elements start in the run; the
  // thread's indices only grow.
  int64_t tensor = 0, start = 0;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    while (i >= start + launch.tensors[tensor].n)
      start += launch.tensors[tensor++].n;
    hypers.update(launch.tensors[tensor], i - start);
  }
}
