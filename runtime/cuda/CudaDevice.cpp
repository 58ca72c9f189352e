//===- CudaDevice.cpp - Finding and describing CUDA devices ---------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/cuda/CudaDevice.h"

#include <cuda_runtime_api.h>

namespace dlrt::cuda {

namespace {
std::string describe(const char *call, cudaError_t status) {
  return std::string(call) + " failed: " + cudaGetErrorString(status) + " (" +
         cudaGetErrorName(status) + ", " + std::to_string(int(status)) + ")";
}
} // namespace

bool listDevices(std::vector<DeviceInfo> &devices, std::string &error) {
  devices.clear();
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    error = "no usable CUDA device: " + describe("cudaGetDeviceCount", status);
    return false;
  }
  if (count == 0) {
    error = "no usable CUDA device: the driver reports no GPU";
    return false;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp props;
    status = cudaGetDeviceProperties(&props, i);
    if (status != cudaSuccess) {
      error = describe("cudaGetDeviceProperties", status);
      return false;
    }
    devices.push_back(
        {i, props.name, props.major, props.minor, props.totalGlobalMem});
  }
  return true;
}

} // namespace dlrt::cuda
