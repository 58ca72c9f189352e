//===- CUDAPipeline.cpp - From the dl model to PTX kernels ----------------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines/CUDAPipeline.h"

#include "compiler/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace dlcc {

bool isSupportedGPUArch(llvm::StringRef arch) {
  return llvm::is_contained(kGPUArchs, arch);
}

llvm::StringRef cudaToolkitDir() { return DLCC_CUDA_TOOLKIT_DIR; }

void buildCUDAPipeline(OpPassManager &pm, const CUDAPipelineOptions &options) {
  StepOptions step = options.step;
  step.cudaKernels = true;
  buildLinalgPipeline(pm, step);
  buildBufferizePipeline(pm, /*deviceGemms=*/true);

  // Bufferization leaves copies of a subview onto an identical subview (an
  // in-place row update written back); merged, they fold away rather than
  // become kernels.
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  // Every other linalg op becomes a kernel, all in one gpu.module.
  pm.addPass(createDLLinalgToGPU());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Constants sunk into the kernels stay constants there: no kernel
  // argument for a loop bound, divisions by constants strength-reduced.
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());

  GpuNVVMAttachTargetOptions target;
  target.chip = options.gpuArch;
  // PTX ISA 8.0 (CUDA 12.0) is the first to know sm_90.
  target.features = "+ptx80";
  pm.addPass(createGpuNVVMAttachTarget(target));

  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(memref::createExpandStridedMetadataPass());
  kernels.addPass(createLowerAffinePass());
  kernels.addPass(createSCFToControlFlowPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());

  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa";
  // libdevice, for the math functions that the NVVM lowering calls.
  binary.toolkitPath = cudaToolkitDir().str();
  pm.addPass(createGpuModuleToBinaryPass(binary));

  // The host: every launch on the program's stream, its few reads of
  // device memory as copies; the PTX stays embedded (gpu.binary), loaded
  // once at start by the runtime.
  pm.addPass(createDLGPUStreamOrder());
  pm.addPass(createDLGPUHostReads());
  buildHostToLLVMPipeline(pm, /*launchesKernels=*/true);
}

} // namespace dlcc
