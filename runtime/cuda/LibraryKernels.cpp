//===- LibraryKernels.cpp - Launching the hand-written CUDA kernels -------===//
//
// Part of dlcc's runtime (libdlrt_cuda). The functions generated code calls
// for the ops convert-dl-to-cuda-kernels hands to kernels/cuda/: each
// launches them on the program's stream, with the launch shapes their
// comments ask for. Their PTX (libdlkernels_ptx, for every architecture
// the build chose) is loaded the first time, for the newest architecture
// the GPU runs.
//
//===----------------------------------------------------------------------===//

#include "dlrt/ModelABI.h"
#include "kernels/KernelsPTX.h"
#include "kernels/cuda/AdamWLaunch.h"
#include "runtime/cuda/CudaError.h"
#include "runtime/cuda/CudaProgram.h"
#include "runtime/cuda/DriverAPI.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <string>

namespace {

using namespace dlrt::cuda;

struct SoftmaxXentKernels {
  CUfunction forward = nullptr, reduce = nullptr, backward = nullptr;
};

/// The PTX of `file` for the newest architecture the GPU can run.
const char *ptxFor(const char *file, std::string &arch) {
  int capability = currentProgram().computeCapability;
  for (int candidate : {90, 89, 86, 80}) {
    if (candidate > capability)
      continue;
    arch = "sm_" + std::to_string(candidate);
    if (const char *ptx = dlkernelsPTX(file, arch.c_str()))
      return ptx;
  }
  failInStep(std::string("no build of kernels/cuda/") + file +
             ".cu runs on this GPU (sm_" + std::to_string(capability) +
             "): rebuild with it in DLCC_GPU_ARCHS");
}

/// The module of kernels/cuda/<file>.cu, loaded once.
CUmodule moduleOf(const char *file) {
  static std::map<std::string, CUmodule> modules;
  CUmodule &module = modules[file];
  if (!module) {
    std::string arch;
    const char *ptx = ptxFor(file, arch);
    checkInStep(driverAPI().moduleLoadDataEx(&module, ptx, 0, nullptr, nullptr),
                std::string("cuModuleLoadDataEx(") + file + ", " + arch + ")");
  }
  return module;
}

CUfunction kernelOf(const char *file, const char *name) {
  CUfunction function = nullptr;
  checkInStep(driverAPI().moduleGetFunction(&function, moduleOf(file), name),
              std::string("cuModuleGetFunction(") + name + ")");
  return function;
}

const SoftmaxXentKernels &softmaxXent() {
  static SoftmaxXentKernels kernels;
  if (!kernels.forward) {
    kernels.forward = kernelOf("softmax_xent", "dl_softmax_xent_fwd_f32");
    kernels.reduce = kernelOf("softmax_xent", "dl_softmax_xent_reduce_f32");
    kernels.backward = kernelOf("softmax_xent", "dl_softmax_xent_bwd_f32");
  }
  return kernels;
}

void launch(CUfunction kernel, const char *name, int64_t blocks,
            std::initializer_list<void *> args) {
  constexpr unsigned kThreads = 256;
  auto grid = unsigned(std::clamp<int64_t>(blocks, 1, 65535));
  checkInStep(
      driverAPI().launchKernel(kernel, grid, 1, 1, kThreads, 1, 1, 0,
                               static_cast<CUstream>(currentProgram().stream),
                               const_cast<void **>(args.begin()), nullptr),
      std::string("cuLaunchKernel(") + name + ")");
}

/// The forward and the mean: row losses, log-sum-exps, weights, the loss
/// and the count of rows that count.
void forward(const float *logits, const int32_t *labels, float *rowLoss,
             float *rowLse, float *rowWeight, int32_t *error, float *loss,
             float *count, int64_t rows, int64_t classes, float smoothing,
             int64_t ignore) {
  const SoftmaxXentKernels &kernels = softmaxXent();
  checkInStep(
      cudaMemsetAsync(error, 0, sizeof(int32_t), currentProgram().stream),
      "cudaMemsetAsync of the cross-entropy error slot");
  // One warp per row, eight warps in a block of 256.
  launch(kernels.forward, "dl_softmax_xent_fwd_f32", (rows + 7) / 8,
         {&logits, &labels, &rowLoss, &rowLse, &rowWeight, &error, &rows,
          &classes, &smoothing, &ignore});
  launch(kernels.reduce, "dl_softmax_xent_reduce_f32", 1,
         {&rowLoss, &rowWeight, &loss, &count, &rows});
}

} // namespace

extern "C" void
dlrt_cuda_softmax_xent(const float *logits, const int32_t *labels,
                       float *rowLoss, float *rowLse, float *rowWeight,
                       int32_t *error, float *loss, float *count, int64_t rows,
                       int64_t classes, float smoothing, int64_t ignore) {
  forward(logits, labels, rowLoss, rowLse, rowWeight, error, loss, count, rows,
          classes, smoothing, ignore);
}

extern "C" void dlrt_cuda_softmax_xent_grad(
    float *grad, const float *logits, const int32_t *labels, const float *dloss,
    float *rowLoss, float *rowLse, float *rowWeight, int32_t *error,
    float *loss, float *count, int64_t rows, int64_t classes, float smoothing,
    int64_t ignore) {
  // The backward needs the rows' log-sum-exps and the count: recomputed
  // here rather than kept from the forward.
  forward(logits, labels, rowLoss, rowLse, rowWeight, error, loss, count, rows,
          classes, smoothing, ignore);
  int64_t elements = rows * classes;
  launch(softmaxXent().backward, "dl_softmax_xent_bwd_f32",
         std::min<int64_t>((elements + 255) / 256, 4096),
         {&grad, &logits, &labels, &rowLse, &rowWeight, &dloss, &count, &rows,
          &classes, &smoothing});
}

extern "C" void dlrt_cuda_adamw_all(const void *table, const float *lr,
                                    const float *weightDecay,
                                    const float *beta1, const float *beta2,
                                    const float *eps, const int64_t *step,
                                    int64_t count) {
  static CUfunction adamw = kernelOf("adamw", "dl_adamw_all_f32");
  const auto *tensors = static_cast<const AdamWLaunchTensor *>(table);
  for (int64_t first = 0; first < count; first += kAdamWTensorsPerLaunch) {
    AdamWLaunch tableArgument{};
    tableArgument.count =
        std::min<int64_t>(kAdamWTensorsPerLaunch, count - first);
    int64_t elements = 0;
    for (int64_t t = 0; t < tableArgument.count; ++t) {
      tableArgument.tensors[t] = tensors[first + t];
      elements += tensors[first + t].n;
    }
    launch(adamw, "dl_adamw_all_f32",
           std::min<int64_t>((elements + 255) / 256, 4096),
           {&tableArgument, &lr, &weightDecay, &beta1, &beta2, &eps, &step});
  }
}

namespace {

/// The smallest build of kernels/cuda/flash_attention.cu whose head-size
/// bound holds both widths (dlcc rejects wider heads for CUDA).
int attentionBound(int64_t dim, int64_t valueDim) {
  int64_t widest = std::max(dim, valueDim);
  for (int bound : {32, 64, 128})
    if (widest <= bound)
      return bound;
  failInStep("attention heads wider than 128 have no CUDA kernel");
}

CUfunction attentionKernel(const char *stage, int64_t dim, int64_t valueDim) {
  static std::map<std::string, CUfunction> kernels;
  std::string name = std::string("dl_attention_") + stage + "_f32_d" +
                     std::to_string(attentionBound(dim, valueDim));
  CUfunction &kernel = kernels[name];
  if (!kernel)
    kernel = kernelOf("flash_attention", name.c_str());
  return kernel;
}

/// Launches one of the attention kernels: 64 threads a block, one thread
/// per row of `rows`, the batch entries along y.
void launchAttention(CUfunction kernel, const char *stage, int64_t rows,
                     int64_t batch, int64_t sharedFloats,
                     std::initializer_list<void *> args) {
  constexpr unsigned kThreads = 64;
  if (batch > 65535)
    failInStep("attention over more than 65535 heads and batch entries has "
               "no CUDA launch yet");
  auto blocks = unsigned((rows + kThreads - 1) / kThreads);
  checkInStep(
      driverAPI().launchKernel(kernel, blocks, unsigned(batch), 1, kThreads, 1,
                               1, unsigned(sharedFloats * sizeof(float)),
                               static_cast<CUstream>(currentProgram().stream),
                               const_cast<void **>(args.begin()), nullptr),
      std::string("cuLaunchKernel(dl_attention_") + stage + ")");
}

constexpr int64_t kAttentionTile = 32; // kTile of flash_attention.cu

} // namespace

extern "C" void
dlrt_cuda_attention_fwd_f32(const float *q, const float *k, const float *v,
                            const float *mask, float *out, float *lse,
                            int64_t batch, int64_t queries, int64_t keys,
                            int64_t dim, int64_t valueDim, float scale,
                            int64_t causal, int64_t maskStride) {
  launchAttention(attentionKernel("fwd", dim, valueDim), "fwd", queries, batch,
                  kAttentionTile * (dim + valueDim),
                  {&q, &k, &v, &mask, &out, &lse, &queries, &keys, &dim,
                   &valueDim, &scale, &causal, &maskStride});
}

extern "C" void dlrt_cuda_attention_bwd_f32(
    const float *q, const float *k, const float *v, const float *out,
    const float *lse, const float *dout, const float *mask, float *dq,
    float *dk, float *dv, int64_t batch, int64_t queries, int64_t keys,
    int64_t dim, int64_t valueDim, float scale, int64_t causal,
    int64_t maskStride) {
  launchAttention(attentionKernel("bwd_dq", dim, valueDim), "bwd_dq", queries,
                  batch, kAttentionTile * (dim + valueDim),
                  {&q, &k, &v, &out, &lse, &dout, &mask, &dq, &queries, &keys,
                   &dim, &valueDim, &scale, &causal, &maskStride});
  launchAttention(attentionKernel("bwd_dkv", dim, valueDim), "bwd_dkv", keys,
                  batch, kAttentionTile * (dim + valueDim + 2),
                  {&q, &k, &v, &out, &lse, &dout, &mask, &dk, &dv, &queries,
                   &keys, &dim, &valueDim, &scale, &causal, &maskStride});
}
