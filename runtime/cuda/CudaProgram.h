//===- CudaProgram.h - What a CUDA program's steps share --------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt_cuda). While a CUDA device is open, the
// code dlcc generates (kernel launches, GEMMs, reads of device scalars)
// works on its one program stream, with its kernel modules and cuBLASLt
// handle. Generated code has no context argument, so they live here.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_CUDA_CUDAPROGRAM_H
#define DLRT_CUDA_CUDAPROGRAM_H

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>

namespace dlrt::cuda {

struct CudaProgram {
  cudaStream_t stream = nullptr;
  cublasLtHandle_t blasLt = nullptr;
  void *workspace = nullptr; ///< cuBLASLt's scratch, allocated once.
  size_t workspaceBytes = 0;
  int computeCapability = 0; ///< 90 for sm_90.
};

/// The open program; stops the program (failInStep) when no device is open.
CudaProgram &currentProgram();

/// Makes `program` the open one (null: none).
void setCurrentProgram(CudaProgram *program);

/// Loads every kernel module the program's static constructors registered
/// (the PTX dlcc embedded) with the current device's context. Throws Error
/// with the JIT compiler's log when one does not load.
void loadRegisteredModules();

/// The oldest architecture the registered PTX targets ("sm_90"), or empty.
std::string registeredTarget();

} // namespace dlrt::cuda

#endif // DLRT_CUDA_CUDAPROGRAM_H
