//===- DLInterfaces.td - Interfaces of the dl dialect ------*- tablegen -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DL_INTERFACES_TD
#define DL_INTERFACES_TD

include "mlir/IR/OpBase.td"

def DL_GradientOpInterface : OpInterface<"GradientOpInterface"> {
  let cppNamespace = "::mlir::dl";
  let description = [{
    A differentiable op: builds its vector-Jacobian product as dl ops. Given
    the gradient of the loss with respect to each result (null where a
    result does not reach the loss), it produces the gradient with respect
    to each operand, in the operand's type, or null for operands that carry
    no gradient (integer inputs such as labels and indices).
  }];
  let methods = [
    InterfaceMethod<
      /*desc=*/"Builds the operand gradients from the result gradients.",
      /*retTy=*/"::llvm::LogicalResult",
      /*methodName=*/"buildGradient",
      /*args=*/(ins "::mlir::OpBuilder &":$builder,
                    "::llvm::ArrayRef<::mlir::Value>":$resultGradients,
                    "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGradients)>
  ];
}

#endif // DL_INTERFACES_TD
