//===- DLOps.h - Operations of the dl dialect -------------------*- C++ -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DL_IR_DLOPS_H
#define DL_IR_DLOPS_H

#include "DL/IR/DLDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "DL/IR/DLInterfaces.h.inc"

#define GET_OP_CLASSES
#include "DL/IR/DLOps.h.inc"

namespace mlir::dl {

/// Replaces the result types of `op` by the ones its InferTypeOpInterface
/// computes. Lets a builder create an op with placeholder result types and
/// learn, without aborting, whether the operands fit: on failure the
/// diagnostic (naming the shapes) has been emitted at the op's location and
/// the op is left unchanged.
LogicalResult refineResultTypes(Operation *op);

/// Formats a shape as `[16, 128, 192]` for diagnostics.
std::string formatShape(ArrayRef<int64_t> shape);

} // namespace mlir::dl

#endif // DL_IR_DLOPS_H
