//===- Passes.td - Passes on the dl dialect ----------------*- tablegen -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DL_TRANSFORMS_PASSES_TD
#define DL_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

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

#endif // DL_TRANSFORMS_PASSES_TD
