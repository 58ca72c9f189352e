//===- KernelLauncher.cpp - The GPU runtime calls of generated code -------===//
//
// Part of dlcc's runtime (libdlrt_cuda). MLIR's gpu-to-llvm lowering, which
// dlcc uses for the host side of a step, calls these `mgpu*` functions:
//
//   at program start (a static constructor, before main):
//     mgpuModuleLoadJIT(ptx, optLevel)     register the embedded PTX
//   per step (see dl-gpu-stream-order):
//     mgpuStreamCreate()                   the stream of the step
//     mgpuModuleGetFunction(module, name)  a kernel of the module
//     mgpuLaunchKernel(function, grid, block, smem, stream, params, ...)
//     mgpuStreamSynchronize(stream), mgpuStreamDestroy(stream)
//
// Here every step's stream is the program's one stream (where its GEMMs
// run too), so stream order is program order; modules are loaded once,
// when the device opens, and functions looked up once each. dlrt_cuda_read
// serves dl-gpu-host-reads.
//
//===----------------------------------------------------------------------===//

#include "dlrt/ModelABI.h"
#include "runtime/Error.h"
#include "runtime/cuda/CudaError.h"
#include "runtime/cuda/CudaProgram.h"
#include "runtime/cuda/DriverAPI.h"

#include <cstring>
#include <memory>
#include <unordered_map>
#include <vector>

namespace dlrt::cuda {

namespace {

struct KernelModule {
  const char *ptx = nullptr;
  CUmodule module = nullptr;
  /// By the address of the name constant the generated code passes.
  std::unordered_map<const char *, CUfunction> functions;
};

std::vector<std::unique_ptr<KernelModule>> &registry() {
  static std::vector<std::unique_ptr<KernelModule>> modules;
  return modules;
}

/// Kernel names by function, for messages.
std::unordered_map<CUfunction, std::string> &kernelNames() {
  static std::unordered_map<CUfunction, std::string> names;
  return names;
}

CudaProgram *openProgram = nullptr;

} // namespace

CudaProgram &currentProgram() {
  if (!openProgram)
    failInStep("internal error: a step ran with no CUDA device open");
  return *openProgram;
}

void setCurrentProgram(CudaProgram *program) { openProgram = program; }

void loadRegisteredModules() {
  const DriverAPI &driver = driverAPI();
  for (auto &entry : registry()) {
    if (entry->module)
      continue;
    // The driver's default JIT optimization (the highest); its log says
    // why PTX does not load.
    char log[8192] = {};
    CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                              CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
    void *values[] = {log, reinterpret_cast<void *>(sizeof log)};
    CUresult status =
        driver.moduleLoadDataEx(&entry->module, entry->ptx, 2, options, values);
    if (status != CUDA_SUCCESS)
      throw Error(describe("cuModuleLoadDataEx", status) +
                  " loading the program's kernels" +
                  (log[0] ? std::string(": ") + log : std::string()));
  }
}

std::string registeredTarget() {
  std::string oldest;
  for (auto &entry : registry()) {
    const char *target = std::strstr(entry->ptx, "\n.target sm_");
    if (!target)
      continue;
    std::string arch(target + 9, std::strcspn(target + 9, " ,\n"));
    if (oldest.empty() || std::stoi(arch.substr(3)) < std::stoi(oldest.substr(3)))
      oldest = arch;
  }
  return oldest;
}

} // namespace dlrt::cuda

using namespace dlrt::cuda;

extern "C" {

void *mgpuModuleLoadJIT(void *ptx, int /*optLevel*/) {
  registry().push_back(std::make_unique<KernelModule>());
  registry().back()->ptx = static_cast<const char *>(ptx);
  return registry().back().get();
}

// Modules stay loaded until the process exits, when the driver releases
// them with the context (a static destructor may run after it is gone).
void mgpuModuleUnload(void * /*module*/) {}

void *mgpuModuleGetFunction(void *handle, const char *name) {
  auto *entry = static_cast<KernelModule *>(handle);
  CUfunction &function = entry->functions[name];
  if (!function) {
    if (!entry->module)
      failInStep(std::string("internal error: kernel ") + name +
                 " is needed before its module was loaded");
    checkInStep(driverAPI().moduleGetFunction(&function, entry->module, name),
                std::string("cuModuleGetFunction(") + name + ")");
    kernelNames()[function] = name;
  }
  return function;
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t sharedBytes, void *stream,
                      void **params, void **extra, size_t /*paramCount*/) {
  auto kernel = static_cast<CUfunction>(function);
  CUresult status = driverAPI().launchKernel(
      kernel, unsigned(gridX), unsigned(gridY), unsigned(gridZ),
      unsigned(blockX), unsigned(blockY), unsigned(blockZ),
      unsigned(sharedBytes), static_cast<CUstream>(stream), params, extra);
  if (status != CUDA_SUCCESS)
    checkInStep(status, "cuLaunchKernel(" + kernelNames()[kernel] + ")");
}

void *mgpuStreamCreate() { return currentProgram().stream; }

// The program's stream outlives every step.
void mgpuStreamDestroy(void * /*stream*/) {}

void mgpuStreamSynchronize(void *stream) {
  checkInStep(cudaStreamSynchronize(static_cast<cudaStream_t>(stream)),
              "cudaStreamSynchronize after the step's kernels");
}

void dlrt_cuda_read(void *to, const void *from, int64_t bytes) {
  cudaStream_t stream = currentProgram().stream;
  checkInStep(cudaMemcpyAsync(to, from, size_t(bytes), cudaMemcpyDeviceToHost,
                              stream),
              "cudaMemcpyAsync of a device scalar");
  checkInStep(cudaStreamSynchronize(stream),
              "cudaStreamSynchronize for a device scalar");
}

} // extern "C"
