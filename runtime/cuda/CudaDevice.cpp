//===- CudaDevice.cpp - An NVIDIA GPU as a program's device ---------------===//
//
// Part of dlcc's runtime (libdlrt_cuda).
//
//===----------------------------------------------------------------------===//

#include "runtime/cuda/CudaDevice.h"

#include "runtime/Error.h"
#include "runtime/cuda/CudaError.h"
#include "runtime/cuda/CudaProgram.h"

namespace dlrt::cuda {

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

namespace {

/// cuBLASLt's workspace: what its fastest f32 kernels ask for on sm_90.
constexpr size_t kBlasWorkspaceBytes = size_t(32) << 20;

class CudaDevice final : public Device {
public:
  explicit CudaDevice(const DeviceInfo &info) : info(info) {}
  ~CudaDevice() override;

  void open();
  std::string describe() const override;
  void allocateArena(size_t bytes) override;
  void copyToDevice(size_t offset, const uint8_t *from, size_t bytes) override;
  void copyToHost(uint8_t *to, size_t offset, size_t bytes) override;
  void run(StepFunction step) override;
  size_t bytesInUse() const override;

private:
  void checkRange(size_t offset, size_t bytes) const;

  DeviceInfo info;
  CudaProgram program;
  uint8_t *arena = nullptr;
  size_t arenaBytes = 0;
};

CudaDevice::~CudaDevice() {
  // Teardown errors are not worth a failed exit: the process is ending.
  setCurrentProgram(nullptr);
  if (program.stream)
    cudaStreamSynchronize(program.stream);
  cudaFree(arena);
  cudaFree(program.workspace);
  if (program.blasLt)
    cublasLtDestroy(program.blasLt);
  if (program.stream)
    cudaStreamDestroy(program.stream);
}

void CudaDevice::open() {
  check(cudaSetDevice(info.ordinal), "cudaSetDevice");
  // The primary context, which the driver calls below then share.
  check(cudaFree(nullptr), "cudaFree(nullptr) creating the CUDA context");
  std::string target = registeredTarget();
  if (!target.empty()) {
    int needed = std::stoi(target.substr(3));
    if (info.computeMajor * 10 + info.computeMinor < needed)
      throw Error("the program was compiled for " + target +
                  " (dlcc --gpu-arch) but the GPU, " + info.name + ", is sm_" +
                  std::to_string(info.computeMajor) +
                  std::to_string(info.computeMinor));
  }
  check(cudaStreamCreateWithFlags(&program.stream, cudaStreamNonBlocking),
        "cudaStreamCreateWithFlags");
  cublasStatus_t blas = cublasLtCreate(&program.blasLt);
  if (blas != CUBLAS_STATUS_SUCCESS)
    throw Error(cuda::describe("cublasLtCreate", blas));
  check(cudaMalloc(&program.workspace, kBlasWorkspaceBytes),
        "cudaMalloc of the cuBLASLt workspace");
  program.workspaceBytes = kBlasWorkspaceBytes;
  program.computeCapability = info.computeMajor * 10 + info.computeMinor;
  loadRegisteredModules();
  setCurrentProgram(&program);
}

std::string CudaDevice::describe() const {
  return info.name + " (sm_" + std::to_string(info.computeMajor) +
         std::to_string(info.computeMinor) + ", " +
         std::to_string(info.totalMemory >> 20) + " MiB)";
}

void CudaDevice::allocateArena(size_t bytes) {
  cudaError_t status = cudaMalloc(reinterpret_cast<void **>(&arena), bytes);
  if (status != cudaSuccess)
    throw Error("cannot allocate the " + std::to_string(bytes) +
                "-byte arena on " + describe() + ": " +
                cuda::describe("cudaMalloc", status));
  arenaBytes = bytes;
  check(cudaMemsetAsync(arena, 0, bytes, program.stream), "cudaMemsetAsync");
  check(cudaStreamSynchronize(program.stream), "cudaStreamSynchronize");
}

void CudaDevice::checkRange(size_t offset, size_t bytes) const {
  if (offset > arenaBytes || bytes > arenaBytes - offset)
    throw Error("internal error: a copy of " + std::to_string(bytes) +
                " bytes at " + std::to_string(offset) + " leaves the " +
                std::to_string(arenaBytes) + "-byte device arena");
}

void CudaDevice::copyToDevice(size_t offset, const uint8_t *from,
                              size_t bytes) {
  checkRange(offset, bytes);
  check(cudaMemcpyAsync(arena + offset, from, bytes, cudaMemcpyHostToDevice,
                        program.stream),
        "cudaMemcpyAsync to the device");
  check(cudaStreamSynchronize(program.stream), "cudaStreamSynchronize");
}

void CudaDevice::copyToHost(uint8_t *to, size_t offset, size_t bytes) {
  checkRange(offset, bytes);
  check(cudaMemcpyAsync(to, arena + offset, bytes, cudaMemcpyDeviceToHost,
                        program.stream),
        "cudaMemcpyAsync to the host");
  check(cudaStreamSynchronize(program.stream), "cudaStreamSynchronize");
}

void CudaDevice::run(StepFunction step) {
  step(arena);
  // A kernel that faulted reports here, or at the step's own wait.
  check(cudaStreamSynchronize(program.stream),
        "cudaStreamSynchronize after a step");
  check(cudaGetLastError(), "a step's kernels");
}

size_t CudaDevice::bytesInUse() const {
  return arenaBytes + program.workspaceBytes;
}

} // namespace

std::unique_ptr<Device> openDevice() {
  std::vector<DeviceInfo> devices;
  std::string error;
  if (!listDevices(devices, error))
    throw Error(error + "; this program was compiled for CUDA (dlcc "
                        "--target=cuda) and needs an NVIDIA GPU with its "
                        "driver");
  auto device = std::make_unique<CudaDevice>(devices.front());
  device->open();
  return device;
}

} // namespace dlrt::cuda
