//===- CommonPipeline.cpp - The target-independent passes -----------------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines/CommonPipeline.h"

#include "DL/Transforms/Passes.h"
#include "compiler/Conversion/Passes.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace dlcc {

bool modelTrains(ModuleOp module) {
  auto model = module.lookupSymbol<func::FuncOp>("forward");
  auto outputs =
      model ? model->getAttrOfType<ArrayAttr>("dl.outputs") : ArrayAttr();
  auto first = outputs && !outputs.empty() ? dyn_cast<StringAttr>(outputs[0])
                                           : StringAttr();
  if (!first || first.getValue() != "loss")
    return false;
  return llvm::any_of(module.getOps<dl::ParameterOp>(), [](dl::ParameterOp p) {
    return !p.getFrozen() && !p.getBuffer() && !p.getState();
  });
}

std::string checkpointMode(ModuleOp module, llvm::StringRef requested) {
  if (!requested.empty())
    return requested.str();
  if (auto train = module->getAttrOfType<DictionaryAttr>("dl.train")) {
    if (auto mode = train.getAs<StringAttr>("checkpoint"))
      return mode.getValue().str();
    if (train.getAs<DictionaryAttr>("checkpoint"))
      return "auto";
  }
  return "none";
}

std::optional<uint64_t> checkpointBudget(ModuleOp module) {
  auto train = module->getAttrOfType<DictionaryAttr>("dl.train");
  auto checkpoint =
      train ? train.getAs<DictionaryAttr>("checkpoint") : DictionaryAttr();
  auto budget =
      checkpoint ? checkpoint.getAs<IntegerAttr>("budget") : IntegerAttr();
  if (!budget)
    return std::nullopt;
  return budget.getValue().getZExtValue();
}

void buildLinalgPipeline(OpPassManager &pm, const StepOptions &options) {
  bool checkpointing = options.checkpoint != "none";
  if (options.flashAttention)
    pm.addPass(dl::createDLFlashAttention());
  if (options.train || options.gradients) {
    pm.addPass(dl::createDLAutodiff());
    if (checkpointing) {
      dl::DLCheckpointOptions checkpoint;
      checkpoint.mode = options.checkpoint;
      checkpoint.blocks.assign(options.checkpointBlocks.begin(),
                               options.checkpointBlocks.end());
      pm.addPass(dl::createDLCheckpoint(checkpoint));
    }
    if (options.fuseClassifier && !options.cudaKernels)
      pm.addPass(dl::createDLFuseClassifier());
  }
  if (options.train) {
    dl::DLExpandOptimizerOptions optimizer;
    optimizer.keepGradients = options.gradients;
    optimizer.fusedAdamW = options.fusedAdamW;
    pm.addPass(dl::createDLExpandOptimizer(optimizer));
  }
  DLLowerToArenaOptions arena;
  arena.trainingForward = options.trainingForward;
  pm.addPass(createDLLowerToArena(arena));
  if (options.cudaKernels)
    pm.addPass(createConvertDLToCUDAKernels());
  else
    pm.addPass(createConvertDLToCPUKernels({options.fuseBatchNormRelu}));
  pm.addPass(createConvertDLToLinalg());
  pm.addPass(createCanonicalizerPass());
  // CSE would merge a checkpointed run's recomputation with the forward it
  // repeats, keeping the activations after all.
  if (!checkpointing)
    pm.addPass(createCSEPass());
}

void buildFusionPipeline(OpPassManager &pm) {
  // GEMMs read transposed operands as they are, not transposed copies.
  pm.addPass(createDLFoldTransposesIntoMatmuls());
  // Elementwise chains become single loops before buffers exist.
  pm.addPass(createDLFuseElementwise());
  pm.addPass(createCanonicalizerPass());
}

void buildBufferizePipeline(OpPassManager &pm, bool deviceGemms, bool fuse) {
  if (fuse)
    buildFusionPipeline(pm);

  // A loop whose result lands in a buffer of the arena (the optimizer's
  // new parameters and moments) writes it there, not into a temporary
  // copied over afterwards.
  pm.addPass(createDLWriteInPlace());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // A bias or residual added to a product is where the product starts
  // (OpenBLAS would otherwise zero its output in a pass of its own).
  if (!deviceGemms)
    pm.addPass(createDLSumsIntoProducts());
  DLLinalgToBlasOptions gemms;
  gemms.device = deviceGemms;
  pm.addPass(createDLLinalgToBlas(gemms));
  // Independent products of equal work (a linear layer's dx and dW) run
  // side by side where that is faster.
  if (!deviceGemms)
    pm.addPass(createDLPairProducts());
  pm.addPass(createDLPlanMemory());
  bufferization::BufferDeallocationPipelineOptions deallocation;
  bufferization::buildBufferDeallocationPipeline(pm, deallocation);
}

void buildHostToLLVMPipeline(OpPassManager &pm, bool launchesKernels) {
  // What rewrites one function at a time runs on every core: after
  // dl-outline-loops a step is hundreds of functions.
  OpPassManager &views = pm.nest<func::FuncOp>();
  views.addPass(memref::createExpandStridedMetadataPass());
  // After expand-strided-metadata, which computes the offsets of views at
  // run-time positions (a scatter-add's row) with affine.apply.
  views.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  OpPassManager &loops = pm.nest<func::FuncOp>();
  loops.addPass(createSCFToControlFlowPass());
  loops.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.nest<func::FuncOp>().addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  ConvertFuncToLLVMPassOptions funcOptions;
  funcOptions.useBarePtrCallConv = true;
  pm.addPass(createConvertFuncToLLVMPass(funcOptions));
  // The loops dl-thread-loops left parallel, as OpenMP regions.
  pm.addPass(createConvertOpenMPToLLVMPass());
  if (launchesKernels)
    pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.nest<LLVM::LLVMFuncOp>().addPass(createCanonicalizerPass());
}

} // namespace dlcc
