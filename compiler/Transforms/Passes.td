//===- Passes.td - Passes of dlcc that cross dialects ------*- tablegen -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_TRANSFORMS_PASSES_TD
#define DLCC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def DLLinalgToBlas : Pass<"dl-linalg-to-blas", "mlir::ModuleOp"> {
  let summary = "Turns f32 matrix products on memrefs into runtime GEMM calls.";
  let description = [{
    After bufferization, replaces `linalg.matmul` and `linalg.batch_matmul`
    on row-major f32 memrefs (with or without a transposed operand, as the
    indexing maps say) by calls to `dlrt_sgemm` / `dlrt_sgemm_batched`, which
    the runtime implements with OpenBLAS. Products whose operands are not
    row-major with unit inner stride stay as linalg and become loops.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect", "mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect", "mlir::func::FuncDialect"];
}

def DLLowerToArena : Pass<"dl-lower-to-arena", "mlir::ModuleOp"> {
  let summary = "Places every tensor of the model in one arena and builds the entry points.";
  let description = [{
    Gives each parameter, buffer, input and output an offset in the arena
    (in that order, 64-byte aligned), turns the model function `@forward`
    into `@dl_eval_step(%arena)`, which reads its inputs and parameters from
    views of the arena and writes its outputs there, and emits the model
    descriptor `dl_model_json` (see runtime/include/dlrt/ModelABI.h). The
    `dl.parameter` declarations are consumed.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect", "mlir::arith::ArithDialect",
                           "mlir::bufferization::BufferizationDialect",
                           "mlir::memref::MemRefDialect", "mlir::func::FuncDialect"];
}

#endif // DLCC_TRANSFORMS_PASSES_TD
