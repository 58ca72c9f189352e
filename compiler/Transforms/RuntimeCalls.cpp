//===- RuntimeCalls.cpp - Calls from generated code into libdlrt ----------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/RuntimeCalls.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace dlcc {

func::FuncOp declareRuntimeFunction(OpBuilder &b, ModuleOp module,
                                    StringRef name, FunctionType type) {
  if (auto fn = module.lookupSymbol<func::FuncOp>(name))
    return fn;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  auto fn = func::FuncOp::create(b, module.getLoc(), name, type);
  fn.setPrivate();
  return fn;
}

Value elementAddress(OpBuilder &b, Location loc, Value memref,
                     ValueRange indices) {
  auto type = cast<MemRefType>(memref.getType());
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  Value element = meta.getOffset();
  for (auto [index, stride] : llvm::zip(indices, meta.getStrides()))
    element = arith::AddIOp::create(
        b, loc, element, arith::MulIOp::create(b, loc, index, stride));
  Value aligned =
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
  Value elementBytes =
      arith::ConstantIndexOp::create(b, loc, type.getElementTypeBitWidth() / 8);
  Value address = arith::AddIOp::create(
      b, loc, aligned, arith::MulIOp::create(b, loc, element, elementBytes));
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), address);
}

Value elementPointer(OpBuilder &b, Location loc, Value memref,
                     ValueRange indices) {
  return LLVM::IntToPtrOp::create(b, loc,
                                  LLVM::LLVMPointerType::get(b.getContext()),
                                  elementAddress(b, loc, memref, indices));
}

} // namespace dlcc
