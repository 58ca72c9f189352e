//===- Passes.td - Passes on the dl dialect ----------------*- tablegen -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DL_TRANSFORMS_PASSES_TD
#define DL_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def DLFuseClassifier : Pass<"dl-fuse-classifier", "mlir::ModuleOp"> {
  let summary = "Fuses a linear classifier's backward with its loss gradient.";
  let description = [{
    After `dl-autodiff`, for targets with the fused kernel (the CPU): a
    `dl.cross_entropy_grad` of f32 logits with i32 labels whose gradient
    `g` (reshaped to [N, C] if need be) is used only by the classifier's
    backward (`dl.matmul g, weight` for the input, `dl.matmul
    (dl.transpose g), input` for the weight, `dl.sum g {axes = [0]}` for
    the bias; each at most once) becomes one `dl.classifier_grad`, which
    never holds `g` whole. The labels must be checked by a `dl.cross_entropy`
    of the same logits and labels in the function (the forward's loss), as
    the fused kernel does not report bad labels itself.

    ```mlir
    %g = dl.cross_entropy_grad %logits, %labels, %seed : ...
    %dx = dl.matmul %g, %w : ...
    %gt = dl.transpose %g {permutation = array<i64: 1, 0>} : ...
    %dw = dl.matmul %gt, %x : ...
    // becomes
    %dx, %dw, %db = dl.classifier_grad %logits, %labels, %seed, %x, %w : ...
    ```
  }];
  let dependentDialects = ["mlir::dl::DLDialect"];
}

def DLFlashAttention : Pass<"dl-flash-attention", "mlir::ModuleOp"> {
  let summary = "Recognizes attention written plainly and makes it one dl.attention.";
  let description = [{
    `softmax(q @ transpose(k) * scale + mask) @ v`, as a model writes it
    with dl.matmul, dl.transpose (of the last two dimensions), dl.mul or
    dl.div by a positive constant scalar (or no scale), dl.add of a
    dl.causal_mask (which becomes `causal`) and/or of another mask, and
    dl.softmax over the last axis, becomes one `dl.attention`, whose
    kernels never store the `[Tq, Tk]` weights (the flash algorithm; its
    gradient is dl.attention_grad). Every intermediate value must have no
    other use: weights used elsewhere must exist anyway. Not rewritten:
    a softmax over another axis, a scale that is not a constant, a
    transpose of other dimensions, dropout on the weights.

    ```mlir
    %s = dl.matmul %q, %kt ...; %d = dl.div %s, %c ...; %m = dl.add %d, %causal ...
    %w = dl.softmax %m ...; %a = dl.matmul %w, %v ...
    // becomes
    %a, %lse = dl.attention %q, %k, %v {causal, scale = 0.144 : f64} ...
    ```
  }];
  let dependentDialects = ["mlir::dl::DLDialect"];
}

def DLAutodiff : Pass<"dl-autodiff", "mlir::ModuleOp"> {
  let summary = "Builds the gradient of the loss by reverse-mode differentiation.";
  let description = [{
    From the model function `@forward` builds `@train_step`: the forward
    computation, then a reverse sweep that asks each op (through
    `GradientOpInterface`) for the gradient of its operands, summing the
    gradients of values used more than once. `@train_step` returns what
    `@forward` returns, followed by the gradient of every trainable
    parameter (in declaration order, named by the function attribute
    `dl.gradients`). Frozen parameters, buffers, and values that do not
    depend on a trainable parameter get no gradient; neither do integer
    inputs such as labels.

    ```mlir
    func.func @train_step(%x: tensor<8x4xf32> {dl.input = "x"}, ...)
        -> (tensor<f32>, tensor<3x4xf32>)
        attributes {dl.outputs = ["loss"], dl.gradients = ["fc.weight"]}
    ```
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::func::FuncDialect", "mlir::dl::DLDialect"];
}

def DLCheckpoint : Pass<"dl-checkpoint", "mlir::ModuleOp"> {
  let summary = "Recomputes activations in the backward pass instead of keeping them.";
  let description = [{
    Activation checkpointing on dl-autodiff's `@train_step`. The forward's
    ops carry `dl.block`, the index of the outermost block call (a `block`
    of the model) that made them; consecutive ops of one call form a
    segment. `blocks` checkpoints every segment, `sqrt` groups the n
    segments into runs of about sqrt(n) and checkpoints every run: the
    values a checkpointed run computes are not kept for the backward pass;
    right before the first backward op that needs one of them, the run is
    computed again from its inputs (the previous run's output, params,
    inputs), and the backward uses the recomputed values. Only run inputs
    stay live across the backward. Recomputed dropouts draw the masks of
    the forward (the counter-based generator is keyed by seed, step and the
    op's key), so gradients are bit-identical to those without
    checkpointing. The recomputed ops' locations are named "backward".

    The mode comes from the option, or else from the module's `dl.train`
    (`checkpoint`); `none` changes nothing. `blocks` may name the block
    calls to checkpoint (what `checkpoint = auto(budget)` chooses, see
    compiler/Pipelines/CheckpointSearch.cpp).
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"\"",
           "none, blocks or sqrt; empty: the train section's">,
    ListOption<"blocks", "blocks", "int64_t",
               "With blocks: only these block calls (dl.block indices); "
               "all when empty">,
  ];
  let dependentDialects = ["mlir::dl::DLDialect"];
}

def DLExpandOptimizer : Pass<"dl-expand-optimizer", "mlir::ModuleOp"> {
  let summary = "Appends the optimizer's update to the training step.";
  let description = [{
    Turns dl-autodiff's `@train_step` (forward results, then gradients) into
    one whole optimizer step: optional global-norm clipping of the gradients
    (PyTorch's `clip_grad_norm_`), then the update of every trained
    parameter as `dl` ops ending in `dl.assign`s, following PyTorch's SGD
    (momentum, Nesterov, weight decay), Adam (decay added to the gradient)
    or AdamW (decoupled decay), with bias correction. The optimizer comes
    from the module's `dl.train` dictionary (`optimizer`, `clip`; AdamW when
    absent). Each state tensor (`<param>.exp_avg`, `<param>.exp_avg_sq`,
    `<param>.momentum_buffer`) is declared as `dl.parameter ... state`.

    Numbers are not compiled in: the step reads its learning rate, weight
    decay, betas, eps, momentum, clipping bound, step number and seed from
    trailing scalar arguments named by `dl.hyper`, which the runtime writes
    before each step (so schedules and overrides need no recompilation).
    Training-mode dropouts get `[seed, step]`. The step then returns the
    forward's results followed by its statistics (named by `dl.stats`:
    `grad_norm` when clipping).

    ```mlir
    func.func @train_step(%x: tensor<8x4xf32> {dl.input = "x"}, ...,
                          %lr: tensor<f32> {dl.hyper = "lr"}, ...)
        -> tensor<f32> attributes {dl.outputs = ["loss"], dl.stats = []}
    ```
  }];
  let options = [
    Option<"keepGradients", "keep-gradients", "bool", "false",
           "Also keep the gradients alone as @gradient_step">,
    Option<"fusedAdamW", "fused-adamw", "bool", "false",
           "AdamW updates of all f32 params as one dl.adamw_update, for "
           "targets with a fused kernel">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::func::FuncDialect", "mlir::dl::DLDialect"];
}

#endif // DL_TRANSFORMS_PASSES_TD
