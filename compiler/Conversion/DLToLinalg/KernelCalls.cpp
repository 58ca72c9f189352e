//===- KernelCalls.cpp - dl ops lowered to calls of hand-written kernels -===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/KernelCalls.h"
#include "compiler/Transforms/RuntimeCalls.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

/// `tensor` as a kernel may read it by address.
static Value prepareRead(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  // A constant would be a global in the host's memory, which a kernel on a
  // device cannot read: a splat one (autodiff's seed of 1) is filled in.
  DenseElementsAttr constant;
  if (matchPattern(tensor, m_Constant(&constant)) && constant.isSplat()) {
    Value empty =
        tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
    Value value = arith::ConstantOp::create(
        b, loc, cast<TypedAttr>(constant.getSplatValue<Attribute>()));
    return linalg::FillOp::create(b, loc, value, empty).getResult(0);
  }
  return tensor;
}

/// The buffer of a prepared tensor. Made right before the call, after
/// every tensor op the call needs: bufferization places the read here,
/// and nothing may write in place over the tensor between it and the
/// call. Distinct, so that CSE cannot merge two kernels' reads of one
/// tensor into the first.
static Value readBuffer(OpBuilder &b, Location loc, Value tensor,
                        MemRefLayoutAttrInterface layout = {}) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto memref = MemRefType::get(type.getShape(), type.getElementType(), layout);
  auto read = bufferization::ToBufferOp::create(b, loc, memref, tensor,
                                                /*readOnly=*/true);
  read->setAttr("dl.kernel_read", DistinctAttr::create(b.getUnitAttr()));
  return read;
}

Value dlcc::kernels::newBuffer(OpBuilder &b, Location loc,
                               ArrayRef<int64_t> shape, Type element) {
  return memref::AllocOp::create(b, loc, MemRefType::get(shape, element));
}

Value dlcc::kernels::kernelBuffer(OpBuilder &b, Location loc, Value operand) {
  if (!operand || !isa<RankedTensorType>(operand.getType()))
    return operand;
  return readBuffer(b, loc, prepareRead(b, loc, operand));
}

Value dlcc::kernels::stridedKernelBuffer(OpBuilder &b, Location loc,
                                         Value operand) {
  auto type = cast<RankedTensorType>(operand.getType());
  SmallVector<int64_t> strides(type.getRank(), ShapedType::kDynamic);
  strides.back() = 1;
  auto layout =
      StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, strides);
  return readBuffer(b, loc, prepareRead(b, loc, operand), layout);
}

SmallVector<Value> dlcc::kernels::stridesOf(OpBuilder &b, Location loc,
                                            Value buffer) {
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, buffer);
  return llvm::map_to_vector(meta.getStrides(), [&](Value stride) -> Value {
    return arith::IndexCastOp::create(b, loc, b.getI64Type(), stride);
  });
}

void dlcc::kernels::callKernel(OpBuilder &b, Location loc, StringRef name,
                               ValueRange kernelOperands, ValueRange scalars) {
  SmallVector<Value> operands(kernelOperands);
  // Every fill of a constant first, then every read: a read's buffer is
  // taken right before the call.
  for (Value &operand : operands)
    if (operand && isa<RankedTensorType>(operand.getType()))
      operand = prepareRead(b, loc, operand);
  for (Value &operand : operands)
    operand = kernelBuffer(b, loc, operand);
  SmallVector<Value> args;
  SmallVector<Type> types;
  for (Value buffer : operands) {
    args.push_back(buffer
                       ? elementPointer(b, loc, buffer, {})
                       : LLVM::ZeroOp::create(
                             b, loc, LLVM::LLVMPointerType::get(b.getContext()))
                             .getResult());
    types.push_back(args.back().getType());
  }
  for (Value scalar : scalars) {
    args.push_back(scalar);
    types.push_back(scalar.getType());
  }
  auto module =
      b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
  func::FuncOp callee =
      declareRuntimeFunction(b, module, name, b.getFunctionType(types, {}));
  func::CallOp::create(b, loc, callee, args);
}

// Not writable: canonicalization folds another kernel's
// to_buffer(to_tensor(buffer)) into the buffer itself, which hides that
// kernel's read from bufferization; so nothing may write in place over a
// kernel's output (what would is given a buffer of its own).
Value dlcc::kernels::asResult(OpBuilder &b, Location loc, Value buffer) {
  auto memref = cast<MemRefType>(buffer.getType());
  auto type = RankedTensorType::get(memref.getShape(), memref.getElementType());
  return bufferization::ToTensorOp::create(b, loc, type, buffer,
                                           /*restrict=*/true,
                                           /*writable=*/false);
}

Value dlcc::kernels::i64Constant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIntOp::create(b, loc, b.getI64Type(), value);
}

Value dlcc::kernels::f32Constant(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(value)));
}
