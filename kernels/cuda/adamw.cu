//===- adamw.cu - Fused AdamW update (CUDA) -------------------------------===//
//
// Part of dlcc's kernels. Same arithmetic as kernels/cpu/AdamW.cpp (see
// AdamW.h), operation by operation and without contraction into fused
// multiply-adds, as the code dlcc generates for the step computes it;
// compiled to PTX at build time and launched through the CUDA driver API.
//
//===----------------------------------------------------------------------===//

#include <cstdint>

/// One AdamW step; the outputs may be the inputs. The hyper-parameters are
/// read from device memory (the arena's hyper scalars), so the host never
/// waits for them.
///   param, grad, m, v           (n) f32 in
///   newParam, newM, newV        (n) f32 out
///   lr, weightDecay, beta1, beta2, eps   one f32 each
///   step                        one int64, counting from 1
/// Launch: any shape (grid-stride; 256 threads and enough blocks to fill
/// the GPU suggested). Consecutive threads touch consecutive elements.
extern "C" __global__ void
dl_adamw_f32(const float *param, const float *grad, const float *m,
             const float *v, float *newParam, float *newM, float *newV,
             int64_t n, const float *lrAt, const float *weightDecayAt,
             const float *beta1At, const float *beta2At, const float *epsAt,
             const int64_t *stepAt) {
  const float lr = *lrAt, beta1 = *beta1At, beta2 = *beta2At, eps = *epsAt;
  const float keep = __fsub_rn(1.0f, __fmul_rn(lr, *weightDecayAt));
  const float step = float(*stepAt);
  const float correction1 = __fsub_rn(1.0f, powf(beta1, step));
  const float correction2 = __fsub_rn(1.0f, powf(beta2, step));
  const float stepSize = __fdiv_rn(lr, correction1);
  const float rootCorrection = __fsqrt_rn(correction2);
  const float weight1 = __fsub_rn(1.0f, beta1);
  const float weight2 = __fsub_rn(1.0f, beta2);
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    float g = grad[i], mi = m[i], vi = v[i];
    float p = __fmul_rn(param[i], keep);
    float avg = __fadd_rn(mi, __fmul_rn(weight1, __fsub_rn(g, mi)));
    float sq = __fadd_rn(__fmul_rn(vi, beta2),
                         __fmul_rn(__fmul_rn(weight2, g), g));
    float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(sq), rootCorrection), eps);
    newM[i] = avg;
    newV[i] = sq;
    newParam[i] = __fsub_rn(p, __fmul_rn(stepSize, __fdiv_rn(avg, denom)));
  }
}
