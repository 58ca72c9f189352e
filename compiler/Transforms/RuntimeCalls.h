//===- RuntimeCalls.h - Calls from generated code into libdlrt --*- C++ -*-===//
//
// Part of dlcc. What the passes that call the runtime share: declaring a
// runtime function once per module and passing a memref's element to C as
// a pointer.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_TRANSFORMS_RUNTIMECALLS_H
#define DLCC_TRANSFORMS_RUNTIMECALLS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace dlcc {

/// The private declaration of runtime function `name` in `module`, added
/// at the top of the module the first time.
mlir::func::FuncOp declareRuntimeFunction(mlir::OpBuilder &b,
                                          mlir::ModuleOp module,
                                          llvm::StringRef name,
                                          mlir::FunctionType type);

/// The address, as an i64, of element `indices` of `memref` (the first
/// element when `indices` is empty), whatever its layout.
mlir::Value elementAddress(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value memref, mlir::ValueRange indices);

/// elementAddress as an `!llvm.ptr`.
mlir::Value elementPointer(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value memref, mlir::ValueRange indices);

} // namespace dlcc

#endif // DLCC_TRANSFORMS_RUNTIMECALLS_H
