//===- CommonPipeline.h - The target-independent passes ---------*- C++ -*-===//
//
// Part of dlcc. What every target's pipeline starts with: the training step
// built and lowered to linalg, then fused and bufferized.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_PIPELINES_COMMONPIPELINE_H
#define DLCC_PIPELINES_COMMONPIPELINE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <optional>
#include <string>
#include <vector>

namespace dlcc {

/// What a pipeline builds besides the eval step, and how.
struct StepOptions {
  /// Whether dl_eval_step runs the forward in training mode (batch norm
  /// with batch statistics), as `model.train()` would; see dl-lower-to-arena.
  bool trainingForward = false;
  /// Build dl_train_step (dl-autodiff, then dl-expand-optimizer): one
  /// optimizer step. See modelTrains() for when a model has one.
  bool train = false;
  /// Also build dl_gradient_step (the gradient of the loss for every
  /// trained param).
  bool gradients = false;
  /// Ops with a hand-written CUDA kernel call it (convert-dl-to-cuda-kernels).
  bool cudaKernels = false;
  /// AdamW updates every f32 param in one fused kernel call (both targets
  /// have one); otherwise as elementwise ops, fused or not by the later
  /// passes (the memory report's plan "without fusion").
  bool fusedAdamW = true;
  /// On the CPU, a linear classifier's backward and its loss gradient are
  /// one op (dl-fuse-classifier), whose kernel never holds the logits'
  /// gradient whole; the memory report's plan "without fusion" keeps them
  /// apart.
  bool fuseClassifier = true;
  /// On the CPU, a batch norm and the ReLU after it, and their gradients,
  /// are one kernel call each (convert-dl-to-cpu-kernels' fuse-relu); the
  /// memory report's plan "without fusion" keeps them apart.
  bool fuseBatchNormRelu = true;
  /// Attention written plainly becomes dl.attention, whose kernels never
  /// store the weights (dl-flash-attention).
  bool flashAttention = true;
  /// Activation checkpointing of the training step (dl-checkpoint): none,
  /// blocks or sqrt; see checkpointMode().
  std::string checkpoint = "none";
  /// With `blocks`: the block calls (dl.block indices) to checkpoint; all
  /// when empty.
  std::vector<int64_t> checkpointBlocks;
};

/// Whether `module`'s model can be trained: its @forward returns the loss
/// first (named "loss" in `dl.outputs`) and it has a trained parameter.
bool modelTrains(mlir::ModuleOp module);

/// The checkpointing mode of `module`: `requested` (dlcc --checkpoint) when
/// not empty, else its train section's `checkpoint` ("auto" for
/// auto(budget)), else "none".
std::string checkpointMode(mlir::ModuleOp module, llvm::StringRef requested);

/// The budget of the train section's `checkpoint = auto(budget = ...)` in
/// bytes, if it gives one.
std::optional<uint64_t> checkpointBudget(mlir::ModuleOp module);

/// Adds the passes that take a dl model (as the front end produces it) to
/// entry points on the arena whose dl ops are lowered to linalg on tensors.
void buildLinalgPipeline(mlir::OpPassManager &pm, const StepOptions &options);

/// Adds the passes that fuse elementwise chains (and their reductions)
/// into single loop nests, on tensors (dlcc --emit=fused).
void buildFusionPipeline(mlir::OpPassManager &pm);

/// Adds the passes that take the output of buildLinalgPipeline to buffers:
/// elementwise chains fused (buildFusionPipeline; not without `fuse`, to
/// measure what fusion saves), tensors bufferized, f32 matrix products
/// handed to the runtime's GEMM (`dlrt_sgemm`, or `dlrt_cuda_sgemm` on
/// device buffers when `deviceGemms`), temporaries placed by the memory
/// plan.
void buildBufferizePipeline(mlir::OpPassManager &pm, bool deviceGemms = false,
                            bool fuse = true);

/// Adds the passes that take host code on memrefs (loops, views, calls,
/// and GPU launches when `launchesKernels`) to the LLVM dialect. Memrefs
/// cross function boundaries as bare pointers: dl_eval_step(arena) and the
/// runtime's functions then have plain C signatures.
void buildHostToLLVMPipeline(mlir::OpPassManager &pm, bool launchesKernels);

} // namespace dlcc

#endif // DLCC_PIPELINES_COMMONPIPELINE_H
