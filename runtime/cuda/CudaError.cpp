//===- CudaError.cpp - Reporting failed CUDA calls ------------------------===//
//
// Part of dlcc's runtime (libdlrt_cuda).
//
//===----------------------------------------------------------------------===//

#include "runtime/cuda/CudaError.h"

#include "runtime/Error.h"
#include "runtime/Fail.h"
#include "runtime/cuda/DriverAPI.h"

#include <cstdio>
#include <cstdlib>

namespace dlrt::cuda {

std::string describe(const char *call, cudaError_t status) {
  return std::string(call) + " failed: " + cudaGetErrorString(status) + " (" +
         cudaGetErrorName(status) + ", " + std::to_string(int(status)) + ")";
}

std::string describe(const char *call, CUresult status) {
  const char *name = nullptr, *meaning = nullptr;
  driverErrorText(status, name, meaning);
  return std::string(call) + " failed: " +
         (meaning ? meaning : "unknown driver error") + " (" +
         (name ? name : "CUresult") + ", " + std::to_string(int(status)) + ")";
}

std::string describe(const char *call, cublasStatus_t status) {
  return std::string(call) + " failed: " + cublasLtGetStatusString(status) +
         " (" + cublasLtGetStatusName(status) + ", " +
         std::to_string(int(status)) + ")";
}

void check(cudaError_t status, const char *call) {
  if (status != cudaSuccess)
    throw Error(describe(call, status));
}

void check(CUresult status, const char *call) {
  if (status != CUDA_SUCCESS)
    throw Error(describe(call, status));
}

void failInStep(const std::string &message) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s: error: CUDA: %s\n", programName().c_str(),
               message.c_str());
  std::exit(1);
}

void checkInStep(cudaError_t status, const std::string &call) {
  if (status != cudaSuccess)
    failInStep(describe(call.c_str(), status));
}

void checkInStep(CUresult status, const std::string &call) {
  if (status != CUDA_SUCCESS)
    failInStep(describe(call.c_str(), status));
}

void checkInStep(cublasStatus_t status, const std::string &call) {
  if (status != CUBLAS_STATUS_SUCCESS)
    failInStep(describe(call.c_str(), status));
}

} // namespace dlrt::cuda
