//===- CPUPipeline.cpp - From the dl model to the LLVM dialect ------------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines/CPUPipeline.h"

#include "compiler/Transforms/Passes.h"

#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace dlcc {

void buildCPUPipeline(OpPassManager &pm, CPUStage stage,
                      const StepOptions &options, const CPUCodeOptions &code) {
  buildLinalgPipeline(pm, options);
  if (stage == CPUStage::Linalg)
    return;
  buildBufferizePipeline(pm);

  pm.addPass(createDLStridedCopiesToLinalg());
  // Loops; the large parallel ones on the OpenMP runtime's threads.
  pm.addPass(createDLThreadLoops());
  // No bf16 arithmetic on the host: f32 with every result rounded back.
  pm.addPass(createDLEmulateBF16());
  // GELU's erf and exp as arithmetic that vectorizes, not libm calls.
  pm.addPass(createDLApproximateMath());
  // Many small functions for LLVM to optimize, not one huge one.
  pm.addPass(createDLOutlineLoops());
  // Each layer's loop nests compiled once, not once per layer and step.
  if (code.mergeLoopNests)
    pm.addPass(createDLMergeLoopNests());
  if (code.wideLoopVersions)
    pm.addPass(createDLMultiversionLoops());
  pm.addPass(createConvertSCFToOpenMPPass());
  buildHostToLLVMPipeline(pm, /*launchesKernels=*/false);
}

} // namespace dlcc
