//===- Passes.td - Conversions of dlcc ---------------------*- tablegen -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_CONVERSION_PASSES_TD
#define DLCC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertDLToLinalg : Pass<"convert-dl-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lowers dl ops to linalg, tensor, arith and math on tensors.";
  let description = [{
    Every dl op becomes structured ops on tensors: elementwise math and
    reductions as `linalg.generic`, matrix products as `linalg.matmul` /
    `linalg.batch_matmul` (which `dl-linalg-to-blas` later hands to the
    runtime's GEMM), convolutions as an im2col gather followed by one matrix
    product, views as `tensor` reshapes and slices. Indices that must lie in
    a range (embedding rows, class labels) are checked at run time and an
    out-of-range one stops the program through `dlrt_fail`.
    `dl.param`/`dl.assign` must already be gone (see `dl-lower-to-arena`).
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect", "mlir::func::FuncDialect",
    "mlir::LLVM::LLVMDialect"];
}

#endif // DLCC_CONVERSION_PASSES_TD
