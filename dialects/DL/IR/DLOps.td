//===- DLOps.td - Operations of the dl dialect -------------*- tablegen -*-===//
//
// Part of dlcc. Every op with a result type that follows from its operands
// implements InferTypeOpInterface: the shape rules live in one place
// (DLShapeInference.cpp) and both the builder of the front end and the
// verifier use them.
//
//===----------------------------------------------------------------------===//

#ifndef DL_OPS_TD
#define DL_OPS_TD

include "DL/IR/DLDialect.td"
include "DL/IR/DLAttrs.td"
include "DL/IR/DLInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def DL_FloatElement : AnyTypeOf<[F16, BF16, F32, F64]>;
def DL_FloatTensor : StaticShapeTensorOf<[F16, BF16, F32, F64]>;
def DL_IndexTensor : StaticShapeTensorOf<[I32, I64]>;
def DL_BoolTensor : StaticShapeTensorOf<[I1]>;
def DL_AnyTensor : StaticShapeTensorOf<[F16, BF16, F32, F64, I1, I32, I64]>;
def DL_Scalar : 0DTensorOf<[F16, BF16, F32, F64]>;
def DL_I64Scalar : 0DTensorOf<[I64]> {
  let builderCall = "::mlir::RankedTensorType::get({}, $_builder.getI64Type())";
}
def DL_F32Tensor : StaticShapeTensorOf<[F32]>;
def DL_F32Scalar : 0DTensorOf<[F32]> {
  let builderCall = "::mlir::RankedTensorType::get({}, $_builder.getF32Type())";
}
def DL_Pair : ConfinedAttr<DenseI64ArrayAttr, [DenseArrayCount<2>]>;

class DL_InferredOp<string mnemonic, list<Trait> traits = []>
    : DL_Op<mnemonic, !listconcat(traits, [Pure, InferTypeOpAdaptor])>;

/// An op whose vector-Jacobian product autodiff builds.
def DL_Differentiable : DeclareOpInterfaceMethods<DL_GradientOpInterface>;

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

def DL_ParameterOp : DL_Op<"parameter", [Symbol]> {
  let summary = "Declares a trainable parameter or a persistent buffer.";
  let description = [{
    A module-level tensor that lives across training steps: a weight (saved,
    updated by the optimizer unless `frozen`) or a `buffer` such as batch-norm
    running statistics (saved, never differentiated), or optimizer `state`
    such as Adam's moments (`<param>.exp_avg`; created by
    `dl-expand-optimizer`, zero at first, checkpointed, never
    differentiated). The symbol is the hierarchical name used in checkpoints.

    ```mlir
    dl.parameter @"layers.0.weight" : tensor<256x784xf32> = #dl.init<uniform(-0.0357, 0.0357)>
    dl.parameter @"bn.running_var" : tensor<32xf32> = #dl.init<constant(1.0)> buffer
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<DL_FloatTensor>:$type,
                       DL_InitAttr:$init,
                       UnitAttr:$frozen,
                       UnitAttr:$buffer,
                       UnitAttr:$state);
  let assemblyFormat = [{
    $sym_name `:` $type `=` $init (`frozen` $frozen^)? (`buffer` $buffer^)?
    (`state` $state^)? attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::RankedTensorType getTensorType() {
      return ::llvm::cast<::mlir::RankedTensorType>(getType());
    }
  }];
}

def DL_ParamOp : DL_Op<"param", [Pure,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Reads the current value of a parameter.";
  let description = [{
    ```mlir
    %w = dl.param @"layers.0.weight" : tensor<256x784xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

def DL_AssignOp : DL_Op<"assign", [MemoryEffects<[MemWrite]>,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Writes a new value into a parameter or buffer.";
  let description = [{
    Used for batch-norm running statistics and, after autodiff, for the
    optimizer's updates. The value replaces the parameter for the next step.

    ```mlir
    dl.assign @"bn.running_mean", %m : tensor<32xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name, DL_FloatTensor:$value);
  let assemblyFormat = "$name `,` $value attr-dict `:` type($value)";
}

//===----------------------------------------------------------------------===//
// Linear layers
//===----------------------------------------------------------------------===//

def DL_MatmulOp : DL_InferredOp<"matmul", [DL_Differentiable]> {
  let summary = "Matrix product with broadcast batch dimensions.";
  let description = [{
    `torch.matmul` on operands of rank 2 or more: the last two dimensions are
    multiplied (`[.., m, k] x [.., k, n] -> [.., m, n]`), the leading ones
    broadcast.

    ```mlir
    %c = dl.matmul %a, %b : tensor<4x8x16xf32>, tensor<16x32xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$lhs, DL_FloatTensor:$rhs);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
}

def DL_LinearOp : DL_InferredOp<"linear", [DL_Differentiable]> {
  let summary = "Affine layer y = x W^T + b (PyTorch layout).";
  let description = [{
    `input` is `[..., in]`, `weight` is `[out, in]`, the optional `bias` is
    `[out]`; the result is `[..., out]`.

    ```mlir
    %y = dl.linear %x, %w, %b : tensor<128x784xf32>, tensor<256x784xf32>, tensor<256xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$weight,
                       Optional<DL_FloatTensor>:$bias);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "operands attr-dict `:` type(operands)";
}

def DL_Conv2DOp : DL_InferredOp<"conv2d", [DL_Differentiable]> {
  let summary = "2-D convolution in NCHW layout.";
  let description = [{
    `input` is `[N, C, H, W]`, `weight` `[O, C, KH, KW]`, `bias` `[O]`; the
    result is `[N, O, (H + 2 ph - KH) / sh + 1, (W + 2 pw - KW) / sw + 1]`.

    ```mlir
    %y = dl.conv2d %x, %w, %b {padding = array<i64: 1, 1>}
        : tensor<8x1x28x28xf32>, tensor<32x1x3x3xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$weight,
                       Optional<DL_FloatTensor>:$bias,
                       DefaultValuedAttr<DL_Pair, "{1, 1}">:$stride,
                       DefaultValuedAttr<DL_Pair, "{0, 0}">:$padding);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "operands attr-dict `:` type(operands)";
}

def DL_EmbeddingOp : DL_InferredOp<"embedding", [DL_Differentiable]> {
  let summary = "Looks up rows of a table by index.";
  let description = [{
    `indices` of any shape `S` select rows of `table` `[V, D]`; the result is
    `S x [D]`. An index outside `[0, V)` is an error at run time.

    ```mlir
    %e = dl.embedding %tokens, %wte : tensor<16x128xi32>, tensor<96x192xf32>
    ```
  }];
  let arguments = (ins DL_IndexTensor:$indices, DL_FloatTensor:$table);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat =
      "$indices `,` $table attr-dict `:` type($indices) `,` type($table)";
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

def DL_LayerNormOp : DL_InferredOp<"layernorm", [DL_Differentiable]> {
  let summary = "Layer normalization over the last dimension.";
  let description = [{
    `(x - mean) / sqrt(var + eps) * weight + bias`, statistics over the last
    dimension (the variance biased, as in PyTorch); `weight` and `bias` are
    `[D]`.

    ```mlir
    %y = dl.layernorm %x, %g, %b {eps = 1.0e-05 : f64} : tensor<16x128x192xf32>, tensor<192xf32>, tensor<192xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$weight,
                       DL_FloatTensor:$bias,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$eps);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "operands attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

def DL_RMSNormOp : DL_InferredOp<"rmsnorm", [DL_Differentiable]> {
  let summary = "Root-mean-square normalization over the last dimension.";
  let description = [{
    `x / sqrt(mean(x^2) + eps) * weight`, with `weight` `[D]`. The default
    `eps` is 1e-6 (LLaMA's); `torch.nn.RMSNorm` defaults to the machine
    epsilon of the input's type, so a model ported from it states `eps`.

    ```mlir
    %y = dl.rmsnorm %x, %g : tensor<4x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$weight,
                       DefaultValuedAttr<F64Attr, "1.0e-6">:$eps);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "operands attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

def DL_BatchNormOp : DL_InferredOp<"batchnorm", [DL_Differentiable]> {
  let summary = "Batch normalization over dimension 1.";
  let description = [{
    `input` is `[N, C]` or `[N, C, H, W]`; `weight`, `bias` and the running
    statistics are `[C]`. With `training`, the batch statistics normalize
    (the variance biased) and the running statistics are updated with
    `momentum` as PyTorch does: `(1 - momentum) * running + momentum *
    batch`, with the unbiased batch variance; without it, the running statistics normalize and are
    returned unchanged. Results: the output, the new running mean and the new
    running variance.

    ```mlir
    %y, %m, %v = dl.batchnorm %x, %g, %b, %rm, %rv {training}
        : tensor<8x32x28x28xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$weight,
                       DL_FloatTensor:$bias, DL_FloatTensor:$running_mean,
                       DL_FloatTensor:$running_var,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$eps,
                       DefaultValuedAttr<F64Attr, "0.1">:$momentum,
                       UnitAttr:$training);
  let results = (outs DL_FloatTensor:$result, DL_FloatTensor:$new_running_mean,
                      DL_FloatTensor:$new_running_var);
  let assemblyFormat = "operands attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise math
//===----------------------------------------------------------------------===//

class DL_UnaryOp<string mnemonic, string formula>
    : DL_InferredOp<mnemonic, [Elementwise, DL_Differentiable]> {
  let summary = "Elementwise " # formula # ".";
  let description = [{
    Applies the function to each element; the result has the operand's type.

    ```mlir
    %y = dl.}] # mnemonic # [{ %x : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def DL_ReluOp : DL_UnaryOp<"relu", "max(x, 0)">;
def DL_SiluOp : DL_UnaryOp<"silu", "x * sigmoid(x)">;
def DL_SigmoidOp : DL_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def DL_TanhOp : DL_UnaryOp<"tanh", "hyperbolic tangent">;
def DL_ExpOp : DL_UnaryOp<"exp", "exponential">;
def DL_LogOp : DL_UnaryOp<"log", "natural logarithm">;
def DL_SqrtOp : DL_UnaryOp<"sqrt", "square root">;
def DL_RsqrtOp : DL_UnaryOp<"rsqrt", "1 / sqrt(x)">;
def DL_AbsOp : DL_UnaryOp<"abs", "absolute value">;
def DL_ErfOp : DL_UnaryOp<"erf", "error function">;
def DL_NegOp : DL_UnaryOp<"neg", "negation">;

def DL_GeluOp : DL_InferredOp<"gelu", [Elementwise, DL_Differentiable]> {
  let summary = "Elementwise Gaussian error linear unit.";
  let description = [{
    `x * Phi(x)`, exact (`approximate = none`, PyTorch's default) or with the
    tanh approximation.

    ```mlir
    %y = dl.gelu %x {approximate = #dl<gelu_approximation tanh>} : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input,
      DefaultValuedAttr<DL_GeluApproximationAttr,
                                         "GeluApproximation::none">:$approximate);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

class DL_BinaryOp<string mnemonic, string formula>
    : DL_InferredOp<mnemonic, [DL_Differentiable]> {
  let summary = "Elementwise " # formula # " with broadcasting.";
  let description = [{
    The operands broadcast as in NumPy and PyTorch (shapes aligned at the
    right, a dimension of 1 stretches); element types must match.

    ```mlir
    %z = dl.}] # mnemonic # [{ %x, %y : tensor<4x8xf32>, tensor<8xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$lhs, DL_FloatTensor:$rhs);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
}

def DL_AddOp : DL_BinaryOp<"add", "addition">;
def DL_SubOp : DL_BinaryOp<"sub", "subtraction">;
def DL_MulOp : DL_BinaryOp<"mul", "multiplication">;
def DL_DivOp : DL_BinaryOp<"div", "division">;
def DL_MaximumOp : DL_BinaryOp<"maximum", "maximum">;
def DL_MinimumOp : DL_BinaryOp<"minimum", "minimum">;
def DL_PowOp : DL_BinaryOp<"pow", "power">;

def DL_CompareOp : DL_InferredOp<"compare"> {
  let summary = "Elementwise comparison with broadcasting, giving i1.";
  let description = [{
    Integers compare as signed. As in PyTorch, a comparison with NaN is
    false except `ne`, which is true.

    ```mlir
    %m = dl.compare gt, %x, %y : tensor<4x8xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins DL_ComparePredicate:$predicate, DL_AnyTensor:$lhs,
                       DL_AnyTensor:$rhs);
  let results = (outs DL_BoolTensor:$result);
  let assemblyFormat =
      "$predicate `,` $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
}

def DL_WhereOp : DL_InferredOp<"where", [DL_Differentiable]> {
  let summary = "Elementwise select: cond ? lhs : rhs, with broadcasting.";
  let description = [{
    ```mlir
    %z = dl.where %c, %x, %y : tensor<4x8xi1>, tensor<4x8xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins DL_BoolTensor:$condition, DL_FloatTensor:$lhs,
                       DL_FloatTensor:$rhs);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "operands attr-dict `:` type(operands)";
}

def DL_CastOp : DL_Op<"cast", [Pure, DL_Differentiable]> {
  let summary = "Converts the element type, keeping the shape.";
  let description = [{
    Between float types (rounding to nearest even; f64 to bf16 goes
    through f32, rounding twice, as PyTorch does) and from integers or i1
    to floats (true is 1).

    ```mlir
    %y = dl.cast %x : tensor<4x8xf32> -> tensor<4x8xbf16>
    ```
  }];
  let arguments = (ins DL_AnyTensor:$input);
  let results = (outs DL_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Softmax, dropout, attention
//===----------------------------------------------------------------------===//

def DL_SoftmaxOp : DL_InferredOp<"softmax", [DL_Differentiable]> {
  let summary = "Softmax along one axis.";
  let description = [{
    ```mlir
    %p = dl.softmax %x {axis = -1 : i64} : tensor<4x10xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def DL_LogSoftmaxOp : DL_InferredOp<"log_softmax", [DL_Differentiable]> {
  let summary = "Logarithm of the softmax along one axis, computed stably.";
  let description = [{
    ```mlir
    %p = dl.log_softmax %x : tensor<4x10xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def DL_DropoutOp : DL_InferredOp<"dropout", [DL_Differentiable]> {
  let summary = "Zeroes elements with probability `rate` while training.";
  let description = [{
    Kept elements are scaled by `1 / (1 - rate)`. The mask comes from a
    counter-based generator keyed by the run's seed, the step and `key` (unique
    per op), so a recomputed dropout draws the same mask. Identity in
    evaluation. In a training step the seed and the step are the optional
    `[seed, step]` operands (i64 scalars, bound by `dl-expand-optimizer`);
    a training-mode dropout without them cannot be lowered.

    ```mlir
    %y = dl.dropout %x {rate = 1.0e-01 : f64, key = 3 : i64} : tensor<8x128xf32>
    %z = dl.dropout %x[%seed, %step] {rate = 1.0e-01 : f64, key = 3 : i64} : tensor<8x128xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input,
                       Variadic<DL_I64Scalar>:$counter, F64Attr:$rate,
                       I64Attr:$key);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`[` $counter^ `]`)? attr-dict `:` type($input)
  }];
  let extraClassDeclaration = [{
    /// The run's seed and the step, when bound.
    ::mlir::Value getSeed() { return getCounter().empty() ? nullptr : getCounter()[0]; }
    ::mlir::Value getStep() { return getCounter().empty() ? nullptr : getCounter()[1]; }
  }];
  let hasVerifier = 1;
}

def DL_AttentionOp : DL_InferredOp<"attention", [DL_Differentiable]> {
  let summary = "Scaled dot-product attention.";
  let description = [{
    `softmax(q k^T * scale + mask) v` over the last two dimensions: `q` is
    `[..., Tq, d]`, `k` `[..., Tk, d]`, `v` `[..., Tk, dv]`, the optional
    additive `mask` broadcasts to `[..., Tq, Tk]`; `causal` masks keys after
    the query. `scale` defaults to `1 / sqrt(d)`.

    The second result holds each query row's log-sum-exp of its scores
    (`[..., Tq]`, f32, or f64 for f64 operands): the row statistics from
    which the backward
    (`dl.attention_grad`) recomputes the weights, which are never stored.

    ```mlir
    %o, %lse = dl.attention %q, %k, %v {causal} : tensor<2x4x128x48xf32>, tensor<2x4x128x48xf32>, tensor<2x4x128x48xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$query, DL_FloatTensor:$key,
                       DL_FloatTensor:$value, Optional<DL_FloatTensor>:$mask,
                       UnitAttr:$causal, OptionalAttr<F64Attr>:$scale);
  let results = (outs DL_FloatTensor:$result, DL_FloatTensor:$lse);
  let assemblyFormat = "operands attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

def DL_AttentionGradOp : DL_InferredOp<"attention_grad"> {
  let summary = "Gradient of dl.attention with respect to q, k and v.";
  let description = [{
    From the forward's operands, its output `out`, its row log-sum-exps
    `lse` and the output's gradient `dout`: the weights
    `P = exp(q k^T * scale + mask - lse)` are recomputed tile by tile, and
    `dv = P^T dout`, `dS = P (dout v^T - rowsum(dout * out))`,
    `dq = dS k * scale`, `dk = dS^T q * scale`. The mask's own gradient,
    when it has one, is built beside this op. Built by autodiff.

    ```mlir
    %dq, %dk, %dv = dl.attention_grad %q, %k, %v, %o, %lse, %do {causal} : tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8xf32>, tensor<2x8x4xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$query, DL_FloatTensor:$key,
                       DL_FloatTensor:$value, DL_FloatTensor:$out,
                       DL_FloatTensor:$lse, DL_FloatTensor:$dout,
                       Optional<DL_FloatTensor>:$mask,
                       UnitAttr:$causal, OptionalAttr<F64Attr>:$scale);
  let results = (outs DL_FloatTensor:$dquery, DL_FloatTensor:$dkey,
                      DL_FloatTensor:$dvalue);
  let assemblyFormat = "operands attr-dict `:` type(operands)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

def DL_ReshapeOp : DL_Op<"reshape", [Pure, DL_Differentiable]> {
  let summary = "Gives a tensor a new shape with the same element count.";
  let description = [{
    Row-major order is kept.

    ```mlir
    %y = dl.reshape %x : tensor<16x128x192xf32> -> tensor<16x128x4x48xf32>
    ```
  }];
  let arguments = (ins DL_AnyTensor:$input);
  let results = (outs DL_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def DL_BroadcastOp : DL_Op<"broadcast", [Pure, DL_Differentiable]> {
  let summary = "Expands a tensor to a larger shape by broadcasting.";
  let description = [{
    NumPy rules: shapes aligned at the right, a dimension of 1 stretches.

    ```mlir
    %y = dl.broadcast %x : tensor<192xf32> -> tensor<16x128x192xf32>
    ```
  }];
  let arguments = (ins DL_AnyTensor:$input);
  let results = (outs DL_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def DL_TransposeOp : DL_InferredOp<"transpose", [DL_Differentiable]> {
  let summary = "Permutes dimensions.";
  let description = [{
    Result dimension `i` is input dimension `permutation[i]`.

    ```mlir
    %y = dl.transpose %x {permutation = array<i64: 0, 2, 1, 3>} : tensor<16x128x4x48xf32>
    ```
  }];
  let arguments = (ins DL_AnyTensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs DL_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def DL_SplitOp : DL_InferredOp<"split", [DL_Differentiable]> {
  let summary = "Splits a tensor along an axis into pieces of given sizes.";
  let description = [{
    ```mlir
    %q, %k, %v = dl.split %x {axis = 2 : i64, sizes = array<i64: 192, 192, 192>} : tensor<16x128x576xf32>
    ```
  }];
  let arguments = (ins DL_AnyTensor:$input, I64Attr:$axis,
                       DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<DL_AnyTensor>:$results);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def DL_ConcatOp : DL_InferredOp<"concat", [DL_Differentiable]> {
  let summary = "Joins tensors along an axis.";
  let description = [{
    ```mlir
    %y = dl.concat %a, %b {axis = 1 : i64} : tensor<4x3xf32>, tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Variadic<DL_AnyTensor>:$inputs, I64Attr:$axis);
  let results = (outs DL_AnyTensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs)";
}

def DL_SliceOp : DL_InferredOp<"slice", [DL_Differentiable]> {
  let summary = "Takes a strided box out of a tensor.";
  let description = [{
    Along each axis `i`: elements `starts[i], starts[i] + strides[i], ...`
    below `limits[i]`. Indices are non-negative (the front end resolves
    negative ones).

    ```mlir
    %y = dl.slice %x {starts = array<i64: 0, 2>, limits = array<i64: 4, 8>, strides = array<i64: 1, 2>} : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins DL_AnyTensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$limits, DenseI64ArrayAttr:$strides);
  let results = (outs DL_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def DL_PositionsOp : DL_Op<"positions", [Pure]> {
  let summary = "The positions 0, 1, ..., n-1.";
  let description = [{
    ```mlir
    %p = dl.positions : tensor<128xi32>
    ```
  }];
  let results = (outs 1DTensorOf<[I32, I64]>:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def DL_CausalMaskOp : DL_Op<"causal_mask", [Pure]> {
  let summary = "An additive causal mask: 0 on and below the diagonal, -inf above.";
  let description = [{
    ```mlir
    %m = dl.causal_mask : tensor<128x128xf32>
    ```
  }];
  let results = (outs 2DTensorOf<[F16, BF16, F32, F64]>:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def DL_OneHotOp : DL_Op<"one_hot", [Pure]> {
  let summary = "One-hot encodes indices along a new last dimension.";
  let description = [{
    An index outside `[0, C)`, `C` the new dimension, is an error at run
    time.

    ```mlir
    %y = dl.one_hot %labels : tensor<8xi32> -> tensor<8x10xf32>
    ```
  }];
  let arguments = (ins DL_IndexTensor:$indices);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$indices attr-dict `:` type($indices) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Reductions and pooling
//===----------------------------------------------------------------------===//

class DL_ReduceOp<string mnemonic, string what>
    : DL_InferredOp<mnemonic, [DL_Differentiable]> {
  let summary = "The " # what # " over some axes.";
  let description = [{
    Over the listed `axes` (all axes when empty, negative ones counting from
    the end); with `keepdim` the reduced axes stay as size 1. A NaN makes
    the maximum NaN, as in PyTorch.

    ```mlir
    %y = dl.}] # mnemonic # [{ %x {axes = array<i64: 1>} : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$axes,
                       UnitAttr:$keepdim);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def DL_SumOp : DL_ReduceOp<"sum", "sum">;
def DL_MeanOp : DL_ReduceOp<"mean", "mean">;
def DL_MaxOp : DL_ReduceOp<"max", "maximum">;

class DL_PoolOp<string mnemonic, string what>
    : DL_InferredOp<mnemonic, [DL_Differentiable]> {
  let summary = "2-D " # what # " pooling in NCHW layout.";
  let description = [{
    Windows of `kernel` moved by `stride` over the input padded by `padding`.
    Padding never wins a max and counts as zeros in an average (PyTorch's
    defaults: the divisor is always the window size).

    ```mlir
    %y = dl.}] # mnemonic # [{ %x {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<8x32x28x28xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_Pair:$kernel, DL_Pair:$stride,
                       DefaultValuedAttr<DL_Pair, "{0, 0}">:$padding);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def DL_MaxPool2DOp : DL_PoolOp<"maxpool2d", "max">;
def DL_AvgPool2DOp : DL_PoolOp<"avgpool2d", "average">;

//===----------------------------------------------------------------------===//
// Optimizer updates
//===----------------------------------------------------------------------===//

def DL_AdamWUpdateOp : DL_Op<"adamw_update", [Pure, SameVariadicOperandSize,
                                                SameVariadicResultSize]> {
  let summary = "One AdamW step of any number of parameters, in one pass.";
  let description = [{
    torch.optim.AdamW's update in PyTorch 1.13's order of operations (that
    of `dl-expand-optimizer`'s elementwise expansion, see
    kernels/cpu/AdamW.h): decoupled decay, `exp_avg.lerp_(grad, 1 -
    beta1)`, `exp_avg_sq` updated, bias corrections from `step`; for each
    parameter, written with its gradient and moments in one group, all
    with the parameter's type. Every group shares the hyper-parameters, so
    that a target may update them all in one pass over their elements (the
    CPU kernel's threads split the total, not each tensor). Built by
    `dl-expand-optimizer` with `fused-adamw`.

    ```mlir
    %new_params:2, %new_exp_avgs:2, %new_exp_avg_sqs:2 = dl.adamw_update
        (%w, %gw, %mw, %vw : tensor<256x784xf32>),
        (%b, %gb, %mb, %vb : tensor<256xf32>)
        hypers(%lr, %wd, %b1, %b2, %eps) step %t
    ```
    The results are the new parameters, then the new `exp_avg`s, then the
    new `exp_avg_sq`s, each in the groups' order.
  }];
  let arguments = (ins Variadic<DL_F32Tensor>:$params,
                       Variadic<DL_F32Tensor>:$grads,
                       Variadic<DL_F32Tensor>:$exp_avgs,
                       Variadic<DL_F32Tensor>:$exp_avg_sqs,
                       DL_F32Scalar:$lr, DL_F32Scalar:$weight_decay,
                       DL_F32Scalar:$beta1, DL_F32Scalar:$beta2,
                       DL_F32Scalar:$eps, DL_I64Scalar:$step);
  let results = (outs Variadic<DL_F32Tensor>:$new_params,
                      Variadic<DL_F32Tensor>:$new_exp_avgs,
                      Variadic<DL_F32Tensor>:$new_exp_avg_sqs);
  let assemblyFormat = [{
    custom<AdamWGroups>($params, $grads, $exp_avgs, $exp_avg_sqs,
                        type($params), type($grads), type($exp_avgs),
                        type($exp_avg_sqs), type($new_params),
                        type($new_exp_avgs), type($new_exp_avg_sqs))
    `hypers` `(` $lr `,` $weight_decay `,` $beta1 `,` $beta2 `,` $eps `)`
    `step` $step attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// lr, weight_decay, beta1, beta2, eps and step, the kernels' order.
    ::llvm::SmallVector<::mlir::Value> getHypers() {
      return {getLr(), getWeightDecay(), getBeta1(), getBeta2(), getEps(),
              getStep()};
    }
  }];
}

//===----------------------------------------------------------------------===//
// Losses and metrics (each returns a scalar)
//===----------------------------------------------------------------------===//

def DL_CrossEntropyOp : DL_InferredOp<"cross_entropy", [DL_Differentiable]> {
  let summary = "Mean softmax cross-entropy of logits against class labels.";
  let description = [{
    `logits` is `[..., C]`, `labels` the leading dimensions with values in
    `[0, C)` (another value is an error at run time). Labels equal to
    `ignore_index` do not count: the mean is over the others (NaN when no
    label counts, as in PyTorch); `label_smoothing` mixes the target with
    the uniform distribution as in PyTorch.

    ```mlir
    %l = dl.cross_entropy %logits, %labels : tensor<128x10xf32>, tensor<128xi32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$logits, DL_IndexTensor:$labels,
                       DefaultValuedAttr<F64Attr, "0.0">:$label_smoothing,
                       DefaultValuedAttr<I64Attr, "-100">:$ignore_index);
  let results = (outs DL_Scalar:$result);
  let assemblyFormat =
      "$logits `,` $labels attr-dict `:` type($logits) `,` type($labels)";
  let hasVerifier = 1;
}

def DL_CrossEntropyGradOp : DL_InferredOp<"cross_entropy_grad"> {
  let summary = "Gradient of dl.cross_entropy with respect to the logits.";
  let description = [{
    `grad * (softmax(logits) - target) / count`, where the target mixes the
    one-hot label with the uniform distribution by `label_smoothing`, rows
    whose label is `ignore_index` get zero, and `count` is the number of
    rows that are not ignored. Built by autodiff.

    ```mlir
    %g = dl.cross_entropy_grad %logits, %labels, %seed : tensor<128x10xf32>, tensor<128xi32>, tensor<f32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$logits, DL_IndexTensor:$labels,
                       DL_Scalar:$grad,
                       DefaultValuedAttr<F64Attr, "0.0">:$label_smoothing,
                       DefaultValuedAttr<I64Attr, "-100">:$ignore_index);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "operands attr-dict `:` type(operands)";
}

def DL_ClassifierGradOp : DL_Op<"classifier_grad", [Pure,
    AllTypesMatch<["input", "input_grad"]>,
    AllTypesMatch<["weight", "weight_grad"]>]> {
  let summary = "A linear classifier's gradients under cross-entropy, fused.";
  let description = [{
    With `g = dl.cross_entropy_grad(logits, labels, grad)` ([N, C]) of the
    logits `x @ transpose(weight) + bias` (x [N, D], weight [C, D]): the
    input's gradient `g @ weight`, the weight's `transpose(g) @ x` and the
    bias's `sum(g, 0)`, without `g` ever held whole: the CPU kernel
    (kernels/cpu/Classifier.h) computes it a block of rows at a time.
    `dl-fuse-classifier` builds it from autodiff's ops.

    ```mlir
    %dx, %dw, %db = dl.classifier_grad %logits, %labels, %seed, %x, %w : tensor<2048x96xf32>, tensor<2048xi32>, tensor<f32>, tensor<2048x192xf32>, tensor<96x192xf32> -> tensor<96xf32>
    ```
  }];
  let arguments = (ins DL_F32Tensor:$logits,
                       StaticShapeTensorOf<[I32]>:$labels,
                       DL_F32Scalar:$grad, DL_F32Tensor:$input,
                       DL_F32Tensor:$weight,
                       DefaultValuedAttr<F64Attr, "0.0">:$label_smoothing,
                       DefaultValuedAttr<I64Attr, "-100">:$ignore_index);
  let results = (outs DL_F32Tensor:$input_grad, DL_F32Tensor:$weight_grad,
                      DL_F32Tensor:$bias_grad);
  let assemblyFormat = [{
    $logits `,` $labels `,` $grad `,` $input `,` $weight attr-dict `:`
    type($logits) `,` type($labels) `,` type($grad) `,` type($input) `,`
    type($weight) `->` type($bias_grad)
  }];
  let builders = [
    OpBuilder<(ins "mlir::Value":$logits, "mlir::Value":$labels,
                   "mlir::Value":$grad, "mlir::Value":$input,
                   "mlir::Value":$weight, "double":$labelSmoothing,
                   "int64_t":$ignoreIndex)>
  ];
  let hasVerifier = 1;
}

class DL_PairLossOp<string mnemonic, string what>
    : DL_InferredOp<mnemonic, [DL_Differentiable]> {
  let summary = "Mean " # what # ".";
  let description = [{
    Both operands have the same shape; the result is the mean over all
    elements.

    ```mlir
    %l = dl.}] # mnemonic # [{ %x, %y : tensor<8x4xf32>, tensor<8x4xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$target);
  let results = (outs DL_Scalar:$result);
  let assemblyFormat =
      "$input `,` $target attr-dict `:` type($input) `,` type($target)";
}

def DL_BinaryCrossEntropyOp
    : DL_PairLossOp<"binary_cross_entropy", "binary cross-entropy with logits">;
def DL_MSEOp : DL_PairLossOp<"mse", "squared error">;
def DL_L1Op : DL_PairLossOp<"l1", "absolute error">;

def DL_ContrastiveOp : DL_InferredOp<"contrastive", [DL_Differentiable]> {
  let summary = "Symmetric InfoNCE loss between two batches of embeddings.";
  let description = [{
    `a` and `b` are `[N, D]`; row `i` of `a` matches row `i` of `b`. The
    similarities `a b^T / temperature` (of the L2-normalized rows) are scored
    with cross-entropy in both directions and averaged, as in CLIP.

    ```mlir
    %l = dl.contrastive %a, %b {temperature = 7.0e-02 : f64} : tensor<8x64xf32>, tensor<8x64xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$lhs, DL_FloatTensor:$rhs,
                       DefaultValuedAttr<F64Attr, "0.07">:$temperature);
  let results = (outs DL_Scalar:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
  let hasVerifier = 1;
}

def DL_AccuracyOp : DL_InferredOp<"accuracy"> {
  let summary = "Fraction of rows whose arg-max matches the label.";
  let description = [{
    `logits` is `[..., C]`, `labels` the leading dimensions. The arg-max is
    `torch.argmax`'s: the first class holding the maximum, NaN counting as
    the maximum. A label outside `[0, C)` never matches.

    ```mlir
    %a = dl.accuracy %logits, %labels : tensor<128x10xf32>, tensor<128xi32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$logits, DL_IndexTensor:$labels);
  let results = (outs DL_Scalar:$result);
  let assemblyFormat =
      "$logits `,` $labels attr-dict `:` type($logits) `,` type($labels)";
}

//===----------------------------------------------------------------------===//
// Backward ops (built by autodiff)
//===----------------------------------------------------------------------===//

def DL_Conv2DGradInputOp : DL_InferredOp<"conv2d_grad_input"> {
  let summary = "Gradient of dl.conv2d with respect to its input.";
  let description = [{
    `grad` is the gradient of the convolution's result `[N, O, OH, OW]`,
    `weight` its weight `[O, C, KH, KW]`; the result has `input_shape`
    (`[N, C, H, W]`, which the stride does not determine from `grad`). Each
    input element receives the sum, over the windows that read it, of the
    gradient times the weight that multiplied it (a transposed convolution).

    ```mlir
    %dx = dl.conv2d_grad_input %dy, %w {input_shape = array<i64: 8, 1, 28, 28>, padding = array<i64: 1, 1>}
        : tensor<8x32x28x28xf32>, tensor<32x1x3x3xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$grad, DL_FloatTensor:$weight,
                       DenseI64ArrayAttr:$input_shape,
                       DefaultValuedAttr<DL_Pair, "{1, 1}">:$stride,
                       DefaultValuedAttr<DL_Pair, "{0, 0}">:$padding);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat =
      "$grad `,` $weight attr-dict `:` type($grad) `,` type($weight)";
}

def DL_Conv2DGradWeightOp : DL_InferredOp<"conv2d_grad_weight"> {
  let summary = "Gradient of dl.conv2d with respect to its weight.";
  let description = [{
    `input` is the convolution's input `[N, C, H, W]`, `grad` the gradient of
    its result `[N, O, OH, OW]`; the result is `[O, C, KH, KW]` for the
    `kernel` `[KH, KW]`: each weight receives the sum, over every output
    position, of the gradient times the input element it multiplied.

    ```mlir
    %dw = dl.conv2d_grad_weight %x, %dy {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>}
        : tensor<8x1x28x28xf32>, tensor<8x32x28x28xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$grad,
                       DL_Pair:$kernel,
                       DefaultValuedAttr<DL_Pair, "{1, 1}">:$stride,
                       DefaultValuedAttr<DL_Pair, "{0, 0}">:$padding);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat =
      "$input `,` $grad attr-dict `:` type($input) `,` type($grad)";
}

def DL_BatchNormGradOp : DL_InferredOp<"batchnorm_grad"> {
  let summary = "Gradient of dl.batchnorm in training mode.";
  let description = [{
    `input` and `weight` are the batch norm's, `grad` the gradient of its
    result (shaped as `input`). The batch statistics are computed again from
    `input` (over every dimension but 1, the variance biased, with the op's
    `eps`); with x^ the normalized input, rstd the inverse standard
    deviation and g = grad * weight, the results are the input's gradient
    rstd (g - mean(g) - x^ mean(g x^)), the weight's sum(grad x^) and the
    bias's sum(grad), the last two `[C]`.

    ```mlir
    %dx, %dw, %db = dl.batchnorm_grad %x, %w, %dy
        : tensor<8x32x28x28xf32>, tensor<32xf32>, tensor<8x32x28x28xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$weight,
                       DL_FloatTensor:$grad,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$eps);
  let results = (outs DL_FloatTensor:$input_grad, DL_FloatTensor:$weight_grad,
                      DL_FloatTensor:$bias_grad);
  let assemblyFormat = "operands attr-dict `:` type(operands)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The three results built of dl ops (means, sums, products), for the
    /// targets without a kernel.
    ::llvm::SmallVector<::mlir::Value, 3> decompose(::mlir::OpBuilder &builder);
  }];
}

def DL_LayerNormGradOp : DL_InferredOp<"layernorm_grad"> {
  let summary = "Gradient of dl.layernorm.";
  let description = [{
    `input` and `weight` are the layer norm's, `grad` the gradient of its
    result (shaped as `input`). Each row's statistics (over the last
    dimension) are computed again from `input` (the variance biased, with
    the op's `eps`); with x^ the normalized input, rstd the inverse standard
    deviation and g = grad * weight, the results are the input's gradient
    rstd (g - mean(g) - x^ mean(g x^)), the means over the row, and the
    weight's sum(grad x^) and the bias's sum(grad) over the rows, both
    `[D]`.

    ```mlir
    %dx, %dw, %db = dl.layernorm_grad %x, %w, %dy
        : tensor<16x128x192xf32>, tensor<192xf32>, tensor<16x128x192xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$weight,
                       DL_FloatTensor:$grad,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$eps);
  let results = (outs DL_FloatTensor:$input_grad, DL_FloatTensor:$weight_grad,
                      DL_FloatTensor:$bias_grad);
  let assemblyFormat = "operands attr-dict `:` type(operands)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The three results built of dl ops (means, sums, products), for the
    /// targets without a kernel.
    ::llvm::SmallVector<::mlir::Value, 3> decompose(::mlir::OpBuilder &builder);
  }];
}

def DL_MaxPool2DGradOp : DL_InferredOp<"maxpool2d_grad"> {
  let summary = "Gradient of dl.maxpool2d with respect to its input.";
  let description = [{
    `input` is the pooling's input, `grad` the gradient of its result; the
    attributes are the pooling's. Each window's gradient goes to the first
    element (in row-major order within the window) that holds the window's
    maximum, as PyTorch routes it; padding never receives any. The result
    has the input's type.

    ```mlir
    %dx = dl.maxpool2d_grad %x, %dy {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>}
        : tensor<8x32x28x28xf32>, tensor<8x32x14x14xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$input, DL_FloatTensor:$grad,
                       DL_Pair:$kernel, DL_Pair:$stride,
                       DefaultValuedAttr<DL_Pair, "{0, 0}">:$padding);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat =
      "$input `,` $grad attr-dict `:` type($input) `,` type($grad)";
}

def DL_AvgPool2DGradOp : DL_InferredOp<"avgpool2d_grad"> {
  let summary = "Gradient of dl.avgpool2d with respect to its input.";
  let description = [{
    `grad` is the gradient of the pooling's result; the attributes are the
    pooling's, with the input's shape `input_shape` (`[N, C, H, W]`). Each
    input element receives the sum of the gradients of the windows that
    contain it, divided by the window size (padding counts in the divisor,
    as in the forward op).

    ```mlir
    %dx = dl.avgpool2d_grad %dy {input_shape = array<i64: 8, 32, 28, 28>, kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>}
        : tensor<8x32x14x14xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$grad, DenseI64ArrayAttr:$input_shape,
                       DL_Pair:$kernel, DL_Pair:$stride,
                       DefaultValuedAttr<DL_Pair, "{0, 0}">:$padding);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$grad attr-dict `:` type($grad)";
}

def DL_EmbeddingGradOp : DL_InferredOp<"embedding_grad"> {
  let summary = "Gradient of dl.embedding with respect to its table (a scatter-add).";
  let description = [{
    `indices` of shape `S` are the lookup's indices, `grad` (`S x [D]`) the
    gradient of its result; the result is the table's gradient
    `[num_embeddings, D]`: row `v` is the sum of the gradient rows whose
    index is `v`, added in index order (deterministic), zero for rows never
    looked up. An index outside `[0, num_embeddings)` is an error at run
    time.

    ```mlir
    %dt = dl.embedding_grad %tokens, %dy {num_embeddings = 96 : i64}
        : tensor<16x128xi32>, tensor<16x128x192xf32>
    ```
  }];
  let arguments = (ins DL_IndexTensor:$indices, DL_FloatTensor:$grad,
                       I64Attr:$num_embeddings);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat =
      "$indices `,` $grad attr-dict `:` type($indices) `,` type($grad)";
}

def DL_SliceGradOp : DL_InferredOp<"slice_grad"> {
  let summary = "Gradient of dl.slice with respect to its input.";
  let description = [{
    `grad` is the gradient of the slice; the attributes are the slice's,
    with the input's shape `input_shape`. The result is zero except at the
    elements the slice took, which receive `grad`.

    ```mlir
    %dx = dl.slice_grad %dy {input_shape = array<i64: 4, 8>, starts = array<i64: 0, 2>, limits = array<i64: 4, 8>, strides = array<i64: 1, 2>}
        : tensor<4x3xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$grad, DenseI64ArrayAttr:$input_shape,
                       DenseI64ArrayAttr:$starts, DenseI64ArrayAttr:$limits,
                       DenseI64ArrayAttr:$strides);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$grad attr-dict `:` type($grad)";
}

#endif // DL_OPS_TD
