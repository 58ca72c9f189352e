//===- DriverAPI.h - The CUDA driver functions the runtime uses -*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt_cuda). Programs link cudart, not the
// driver library: a machine without a driver must still start the program
// and hear why it cannot run (cudart reports cudaErrorInsufficientDriver).
// The few driver functions for modules and launches are looked up through
// cudart once a device is open.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_CUDA_DRIVERAPI_H
#define DLRT_CUDA_DRIVERAPI_H

#include <cudaTypedefs.h>

namespace dlrt::cuda {

struct DriverAPI {
  PFN_cuModuleLoadDataEx_v2010 moduleLoadDataEx = nullptr;
  PFN_cuModuleGetFunction_v2000 moduleGetFunction = nullptr;
  PFN_cuLaunchKernel_v4000 launchKernel = nullptr;
  PFN_cuGetErrorName_v6000 getErrorName = nullptr;
  PFN_cuGetErrorString_v6000 getErrorString = nullptr;
};

/// The driver's functions; throws Error naming the first one that cannot
/// be found. Call after cudart has a device.
const DriverAPI &driverAPI();

/// The name and meaning of a driver error, or nulls before driverAPI().
void driverErrorText(CUresult status, const char *&name, const char *&meaning);

} // namespace dlrt::cuda

#endif // DLRT_CUDA_DRIVERAPI_H
