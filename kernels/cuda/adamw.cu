//===- adamw.cu - Fused AdamW update (CUDA) -------------------------------===//
//
// Part of dlcc's kernels. Same arithmetic as kernels/cpu/AdamW.cpp; compiled
// to PTX at build time and loaded through the CUDA driver API.
//
//===----------------------------------------------------------------------===//

// Grid-stride loop: any launch shape covers all n elements, and consecutive
// threads touch consecutive elements (coalesced).
extern "C" __global__ void dl_adamw_f32(float *param, const float *grad,
                                        float *m, float *v, unsigned long n,
                                        float lr, float beta1, float beta2,
                                        float eps, float weight_decay,
                                        long step) {
  const float decay = 1.0f - lr * weight_decay;
  const float correction1 = 1.0f - powf(beta1, float(step));
  const float correction2Sqrt = sqrtf(1.0f - powf(beta2, float(step)));
  const float stepSize = lr / correction1;
  for (unsigned long i = blockIdx.x * (unsigned long)blockDim.x + threadIdx.x;
       i < n; i += (unsigned long)gridDim.x * blockDim.x) {
    float g = grad[i];
    float mi = beta1 * m[i] + (1.0f - beta1) * g;
    float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    float denom = sqrtf(vi) / correction2Sqrt + eps;
    param[i] = param[i] * decay - stepSize * mi / denom;
  }
}
