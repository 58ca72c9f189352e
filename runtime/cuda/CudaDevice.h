//===- CudaDevice.h - Finding and describing CUDA devices -------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt), built only where the CUDA toolkit is.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_CUDA_CUDADEVICE_H
#define DLRT_CUDA_CUDADEVICE_H

#include <string>
#include <vector>

namespace dlrt::cuda {

struct DeviceInfo {
  int ordinal = 0;
  std::string name;
  int computeMajor = 0, computeMinor = 0;
  size_t totalMemory = 0;
};

/// Lists the CUDA devices. Returns false with a message naming the CUDA call,
/// its error code and its meaning when there is no usable device (no driver,
/// no GPU), so a binary built for CUDA can say why it cannot run.
bool listDevices(std::vector<DeviceInfo> &devices, std::string &error);

} // namespace dlrt::cuda

#endif // DLRT_CUDA_CUDADEVICE_H
