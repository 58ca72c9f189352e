//===- DLDialect.td - The dl training-graph dialect --------*- tablegen -*-===//
//
// Part of dlcc. The `dl` dialect is the training-graph level: tensor ops with
// value semantics, one op per layer or math function of the .dl language.
//
//===----------------------------------------------------------------------===//

#ifndef DL_DIALECT_TD
#define DL_DIALECT_TD

include "mlir/IR/OpBase.td"

def DL_Dialect : Dialect {
  let name = "dl";
  let summary = "The training-graph dialect of dlcc.";
  let description = [{
    `dl` holds a model as a graph of tensor ops with value semantics and fully
    static shapes: layers (`dl.linear`, `dl.conv2d`, `dl.embedding`, norms),
    activations, shape manipulation, reductions, losses and metrics. Every op
    infers its result type from its operands, so a shape error is found when
    the IR is built, with a message that shows the shapes involved.

    Trainable parameters and running statistics are module-level symbols
    (`dl.parameter`), read with `dl.param` and written with `dl.assign`.
    Batch inputs are arguments of the model function, named by their
    `dl.input` argument attribute.
  }];
  let cppNamespace = "::mlir::dl";
  let useDefaultAttributePrinterParser = 1;
  // Attributes live in the attribute dictionary: shape inference then sees
  // them while an op is being parsed, not only once it is built.
  let usePropertiesForAttributes = 0;
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect"];
}

class DL_Op<string mnemonic, list<Trait> traits = []>
    : Op<DL_Dialect, mnemonic, traits>;

#endif // DL_DIALECT_TD
