//===- KernelsPTX.h - The hand-written kernels' PTX -------------*- C++ -*-===//
//
// Part of dlcc's kernels. libdlkernels_ptx embeds the PTX that the build
// compiled from every kernels/cuda/*.cu for every architecture in
// DLCC_GPU_ARCHS, so the runtime can load it with cuModuleLoadData without
// finding files next to the program. Built only with the CUDA toolkit.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_KERNELSPTX_H
#define DLCC_KERNELS_KERNELSPTX_H

extern "C" {

/// The NUL-terminated PTX of `kernelFile` (the .cu file's name without the
/// extension, e.g. "softmax_xent") for `arch` (e.g. "sm_90"), or null when it
/// was not built.
const char *dlkernelsPTX(const char *kernelFile, const char *arch);
}

#endif // DLCC_KERNELS_KERNELSPTX_H
