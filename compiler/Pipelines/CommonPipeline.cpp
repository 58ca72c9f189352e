//===- CommonPipeline.cpp - The target-independent passes -----------------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines/CommonPipeline.h"

#include "DL/Transforms/Passes.h"
#include "compiler/Conversion/Passes.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace dlcc {

bool modelTrains(ModuleOp module) {
  auto model = module.lookupSymbol<func::FuncOp>("forward");
  auto outputs = model ? model->getAttrOfType<ArrayAttr>("dl.outputs")
                       : ArrayAttr();
  auto first = outputs && !outputs.empty()
                   ? dyn_cast<StringAttr>(outputs[0])
                   : StringAttr();
  if (!first || first.getValue() != "loss")
    return false;
  return llvm::any_of(module.getOps<dl::ParameterOp>(), [](dl::ParameterOp p) {
    return !p.getFrozen() && !p.getBuffer() && !p.getState();
  });
}

void buildLinalgPipeline(OpPassManager &pm, const StepOptions &options) {
  if (options.train || options.gradients)
    pm.addPass(dl::createDLAutodiff());
  if (options.train) {
    dl::DLExpandOptimizerOptions optimizer;
    optimizer.keepGradients = options.gradients;
    pm.addPass(dl::createDLExpandOptimizer(optimizer));
  }
  DLLowerToArenaOptions arena;
  arena.trainingForward = options.trainingForward;
  pm.addPass(createDLLowerToArena(arena));
  pm.addPass(createConvertDLToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void buildBufferizePipeline(OpPassManager &pm) {
  // Elementwise chains become single loops before buffers exist.
  pm.addPass(createDLFuseElementwise());
  pm.addPass(createCanonicalizerPass());

  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(createDLLinalgToBlas());
  pm.addPass(createDLPlanMemory());
  bufferization::BufferDeallocationPipelineOptions deallocation;
  bufferization::buildBufferDeallocationPipeline(pm, deallocation);
}

} // namespace dlcc
