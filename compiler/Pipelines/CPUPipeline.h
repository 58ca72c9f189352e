//===- CPUPipeline.h - From the dl model to the LLVM dialect ----*- C++ -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_PIPELINES_CPUPIPELINE_H
#define DLCC_PIPELINES_CPUPIPELINE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

namespace dlcc {

/// How far the CPU pipeline goes.
enum class CPUStage {
  Linalg,      ///< Entry points built, every dl op lowered to linalg on tensors.
  LLVMDialect, ///< Bufferized, GEMMs handed to the runtime, in the LLVM dialect.
};

/// What the CPU pipeline builds besides the eval step, and how.
struct CPUPipelineOptions {
  /// Whether dl_eval_step runs the forward in training mode (batch norm
  /// with batch statistics), as `model.train()` would; see dl-lower-to-arena.
  bool trainingForward = false;
  /// Build dl_train_step (dl-autodiff, then dl-expand-optimizer): one
  /// optimizer step. See modelTrains() for when a model has one.
  bool train = false;
  /// Also build dl_gradient_step (the gradient of the loss for every
  /// trained param).
  bool gradients = false;
};

/// Whether `module`'s model can be trained: its @forward returns the loss
/// first (named "loss" in `dl.outputs`) and it has a trained parameter.
bool modelTrains(mlir::ModuleOp module);

/// Adds the passes that take a dl model (as the front end produces it) to
/// `stage`.
void buildCPUPipeline(mlir::OpPassManager &pm, CPUStage stage,
                      const CPUPipelineOptions &options = {});

} // namespace dlcc

#endif // DLCC_PIPELINES_CPUPIPELINE_H
