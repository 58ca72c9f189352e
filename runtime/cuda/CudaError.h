//===- CudaError.h - Reporting failed CUDA calls ----------------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt_cuda). Every CUDA, driver and cuBLASLt
// call's status is checked; a failure is reported with the call's name,
// what it was doing, the error's name and its meaning.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_CUDA_CUDAERROR_H
#define DLRT_CUDA_CUDAERROR_H

#include <cublasLt.h>
#include <cuda.h>
#include <cuda_runtime_api.h>

#include <string>

namespace dlrt::cuda {

/// "<call> failed: <meaning> (<name>, <code>)".
std::string describe(const char *call, cudaError_t status);
std::string describe(const char *call, CUresult status);
std::string describe(const char *call, cublasStatus_t status);

/// Throws Error with describe(call, status) when `status` is not success.
void check(cudaError_t status, const char *call);
void check(CUresult status, const char *call);

/// For the functions generated code calls (kernel launches, GEMMs, reads),
/// which cannot unwind: prints "<prog>: error: CUDA: <message>" and exits
/// with status 1 when `status` is not success.
void checkInStep(cudaError_t status, const std::string &call);
void checkInStep(CUresult status, const std::string &call);
void checkInStep(cublasStatus_t status, const std::string &call);
[[noreturn]] void failInStep(const std::string &message);

} // namespace dlrt::cuda

#endif // DLRT_CUDA_CUDAERROR_H
