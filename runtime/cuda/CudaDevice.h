//===- CudaDevice.h - An NVIDIA GPU as a program's device -------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt_cuda), built only where the CUDA toolkit
// is.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_CUDA_CUDADEVICE_H
#define DLRT_CUDA_CUDADEVICE_H

#include "runtime/Device.h"

#include <memory>
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

/// Opens the first visible GPU (CUDA_VISIBLE_DEVICES chooses) as the
/// device of a program dlcc compiled for CUDA: its stream, cuBLASLt, and
/// the program's kernels loaded. Throws Error saying why when there is no
/// usable GPU or the kernels do not load on it.
std::unique_ptr<Device> openDevice();

} // namespace dlrt::cuda

#endif // DLRT_CUDA_CUDADEVICE_H
