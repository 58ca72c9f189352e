//===- DriverAPI.cpp - The CUDA driver functions the runtime uses ---------===//
//
// Part of dlcc's runtime (libdlrt_cuda).
//
//===----------------------------------------------------------------------===//

#include "runtime/cuda/DriverAPI.h"

#include "runtime/Error.h"
#include "runtime/cuda/CudaError.h"

#include <cuda_runtime_api.h>

namespace dlrt::cuda {

namespace {

DriverAPI api;
bool resolved = false;

/// `name` as the CUDA 12.0 driver defines it.
template <typename Function>
void resolve(Function &function, const char *name) {
  void *address = nullptr;
  cudaDriverEntryPointQueryResult found{};
  cudaError_t status = cudaGetDriverEntryPointByVersion(
      name, &address, 12000, cudaEnableDefault, &found);
  if (status != cudaSuccess)
    throw Error(describe("cudaGetDriverEntryPointByVersion", status) +
                " looking up " + name);
  if (found != cudaDriverEntryPointSuccess || !address)
    throw Error(std::string("the CUDA driver has no ") + name +
                " (driver older than CUDA 12.0?)");
  function = reinterpret_cast<Function>(address);
}

} // namespace

const DriverAPI &driverAPI() {
  if (!resolved) {
    resolve(api.getErrorName, "cuGetErrorName");
    resolve(api.getErrorString, "cuGetErrorString");
    resolve(api.moduleLoadDataEx, "cuModuleLoadDataEx");
    resolve(api.moduleGetFunction, "cuModuleGetFunction");
    resolve(api.launchKernel, "cuLaunchKernel");
    resolved = true;
  }
  return api;
}

void driverErrorText(CUresult status, const char *&name, const char *&meaning) {
  name = meaning = nullptr;
  if (api.getErrorName)
    api.getErrorName(status, &name);
  if (api.getErrorString)
    api.getErrorString(status, &meaning);
}

} // namespace dlrt::cuda
