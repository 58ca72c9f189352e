//===- AdamWLaunch.h - The table one AdamW launch takes ---------*- C++ -*-===//
//
// Part of dlcc's kernels. dl_adamw_all_f32 (adamw.cu) updates up to
// kAdamWTensorsPerLaunch tensors in one launch; their addresses travel in
// the kernel's parameters (at most 4 KiB), so no table is copied to the
// device first. Included by the kernel and by the runtime that launches it
// (runtime/cuda/LibraryKernels.cpp); its layout is the compiled step's
// table row, DLAdamWTensor (kernels/cpu/AdamW.h).
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CUDA_ADAMWLAUNCH_H
#define DLCC_KERNELS_CUDA_ADAMWLAUNCH_H

#include <cstdint>

constexpr int kAdamWTensorsPerLaunch = 48;

struct AdamWLaunchTensor {
  const float *param, *grad, *m, *v;
  float *newParam, *newM, *newV;
  int64_t n;
};

struct AdamWLaunch {
  AdamWLaunchTensor tensors[kAdamWTensorsPerLaunch];
  int64_t count;
};

static_assert(sizeof(AdamWLaunchTensor) == 64, "the compiled step's row");
static_assert(sizeof(AdamWLaunch) <= 4096, "a kernel's parameters");

#endif // DLCC_KERNELS_CUDA_ADAMWLAUNCH_H
