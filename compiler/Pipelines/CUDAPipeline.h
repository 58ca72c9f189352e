//===- CUDAPipeline.h - From the dl model to PTX kernels --------*- C++ -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_PIPELINES_CUDAPIPELINE_H
#define DLCC_PIPELINES_CUDAPIPELINE_H

#include "compiler/Pipelines/CommonPipeline.h"

#include "llvm/ADT/StringRef.h"

#include <string>

namespace dlcc {

/// The GPU architectures the CUDA pipeline generates code for.
constexpr const char *kGPUArchs[] = {"sm_80", "sm_86", "sm_89", "sm_90"};
constexpr const char *kDefaultGPUArch = "sm_90";

/// Whether `arch` (such as "sm_90") is one of kGPUArchs.
bool isSupportedGPUArch(llvm::StringRef arch);

/// The CUDA toolkit that dlcc was built with, whose libdevice provides the
/// math functions of kernels; empty when it was built without one.
llvm::StringRef cudaToolkitDir();

/// What the CUDA pipeline builds, and for which GPU.
struct CUDAPipelineOptions {
  StepOptions step;
  /// One of kGPUArchs.
  std::string gpuArch = kDefaultGPUArch;
};

/// Adds the passes that take a dl model (as the front end produces it) to
/// host functions that launch kernels (`gpu.launch_func`) and one
/// `gpu.binary @dl_kernels` holding the PTX of every kernel. Matrix
/// products stay host calls to the runtime's GEMM.
void buildCUDAPipeline(mlir::OpPassManager &pm,
                       const CUDAPipelineOptions &options = {});

} // namespace dlcc

#endif // DLCC_PIPELINES_CUDAPIPELINE_H
