//===- CPUPipeline.cpp - From the dl model to the LLVM dialect ------------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines/CPUPipeline.h"

#include "compiler/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace dlcc {

void buildCPUPipeline(OpPassManager &pm, CPUStage stage,
                      const StepOptions &options) {
  buildLinalgPipeline(pm, options);
  if (stage == CPUStage::Linalg)
    return;
  buildBufferizePipeline(pm);

  pm.addPass(createDLStridedCopiesToLinalg());
  pm.addPass(createConvertLinalgToLoopsPass());
  // No bf16 arithmetic on the host: f32 with every result rounded back.
  pm.addPass(createDLEmulateBF16());
  pm.addPass(memref::createExpandStridedMetadataPass());
  // After expand-strided-metadata, which computes the offsets of views at
  // run-time positions (a scatter-add's row) with affine.apply.
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  // Memrefs cross function boundaries as bare pointers: dl_eval_step(arena)
  // and the runtime's GEMMs then have plain C signatures.
  ConvertFuncToLLVMPassOptions funcOptions;
  funcOptions.useBarePtrCallConv = true;
  pm.addPass(createConvertFuncToLLVMPass(funcOptions));
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

} // namespace dlcc
