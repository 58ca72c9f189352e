//===- CPUPipeline.h - From the dl model to the LLVM dialect ----*- C++ -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_PIPELINES_CPUPIPELINE_H
#define DLCC_PIPELINES_CPUPIPELINE_H

#include "compiler/Pipelines/CommonPipeline.h"

namespace dlcc {

/// How far the CPU pipeline goes.
enum class CPUStage {
  Linalg, ///< Entry points built, every dl op lowered to linalg on tensors.
  LLVMDialect, ///< Bufferized, GEMMs handed to the runtime, in the LLVM
               ///< dialect.
};

/// How the loops are compiled.
struct CPUCodeOptions {
  /// Each loop nest also for AVX-512, chosen at run time
  /// (dl-multiversion-loops): for programs built for a portable CPU.
  bool wideLoopVersions = false;
  /// Loop nests alike compiled as one function (dl-merge-loop-nests).
  bool mergeLoopNests = true;
};

/// Adds the passes that take a dl model (as the front end produces it) to
/// `stage`.
void buildCPUPipeline(mlir::OpPassManager &pm, CPUStage stage,
                      const StepOptions &options = {},
                      const CPUCodeOptions &code = {});

} // namespace dlcc

#endif // DLCC_PIPELINES_CPUPIPELINE_H
