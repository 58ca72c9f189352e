//===- CudaDeviceTest.cpp - Tests of CUDA device discovery ----------------===//
//
// Part of dlcc. Runs with or without a GPU: either devices are listed with
// sensible properties, or the failure names the CUDA call and error.
//
//===----------------------------------------------------------------------===//

#include "runtime/cuda/CudaDevice.h"

#include <gtest/gtest.h>

TEST(CudaDevice, ListsDevicesOrSaysWhyNot) {
  std::vector<dlrt::cuda::DeviceInfo> devices;
  std::string error;
  if (dlrt::cuda::listDevices(devices, error)) {
    ASSERT_FALSE(devices.empty());
    for (const auto &device : devices) {
      EXPECT_FALSE(device.name.empty());
      EXPECT_GE(device.computeMajor, 5);
      EXPECT_GT(device.totalMemory, 0u);
    }
  } else {
    EXPECT_TRUE(devices.empty());
    EXPECT_NE(error.find("no usable CUDA device"), std::string::npos) << error;
    // A missing driver or GPU names the call that found out.
    if (error.find("the driver reports no GPU") == std::string::npos) {
      EXPECT_NE(error.find("cudaGetDeviceCount failed: "), std::string::npos)
          << error;
    }
  }
}
