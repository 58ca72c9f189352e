//===- PTXEmitter.h - The PTX of a program's kernels ------------*- C++ -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_BACKEND_PTXEMITTER_H
#define DLCC_BACKEND_PTXEMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace dlcc {

/// Writes the PTX held by the `gpu.binary` ops of `module` (as
/// `gpu-module-to-binary{format=isa}` leaves them), one module after the
/// other. Fails with an error on a binary that holds no PTX.
mlir::LogicalResult printPTX(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace dlcc

#endif // DLCC_BACKEND_PTXEMITTER_H
