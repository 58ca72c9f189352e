//===- DLAttrs.td - Attributes of the dl dialect -----------*- tablegen -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DL_ATTRS_TD
#define DL_ATTRS_TD

include "DL/IR/DLDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def DL_InitKind : I32EnumAttr<"InitKind", "parameter initializer distribution", [
    I32EnumAttrCase<"constant", 0>,
    I32EnumAttrCase<"uniform", 1>,
    I32EnumAttrCase<"normal", 2>,
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::dl";
}

def DL_InitAttr : AttrDef<DL_Dialect, "Init"> {
  let mnemonic = "init";
  let summary = "How a parameter is initialized.";
  let description = [{
    One of `constant(value)`, `uniform(low, high)` or `normal(mean, std)`.
    The front end resolves PyTorch's defaults to these: a linear layer's
    kaiming-uniform weight is `uniform(-1/sqrt(fan_in), 1/sqrt(fan_in))`, an
    embedding is `normal(0, 1)`, a norm's scale is `constant(1)`.

    ```mlir
    #dl.init<uniform(-0.0357, 0.0357)>
    ```
  }];
  let parameters = (ins "InitKind":$kind, APFloatParameter<"">:$a,
                        APFloatParameter<"">:$b);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    static InitAttr get(::mlir::MLIRContext *ctx, InitKind kind, double a,
                        double b = 0.0) {
      return get(ctx, kind, ::llvm::APFloat(a), ::llvm::APFloat(b));
    }
    double first() const { return getA().convertToDouble(); }
    double second() const { return getB().convertToDouble(); }
  }];
}

def DL_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "how gelu is computed", [
    I32EnumAttrCase<"none", 0>,
    I32EnumAttrCase<"tanh", 1>,
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::dl";
}

def DL_GeluApproximationAttr
    : EnumAttr<DL_Dialect, DL_GeluApproximation, "gelu_approximation">;

def DL_ComparePredicate : I32EnumAttr<"ComparePredicate",
    "elementwise comparison", [
    I32EnumAttrCase<"eq", 0>, I32EnumAttrCase<"ne", 1>,
    I32EnumAttrCase<"lt", 2>, I32EnumAttrCase<"le", 3>,
    I32EnumAttrCase<"gt", 4>, I32EnumAttrCase<"ge", 5>,
  ]> {
  let cppNamespace = "::mlir::dl";
}

#endif // DL_ATTRS_TD
