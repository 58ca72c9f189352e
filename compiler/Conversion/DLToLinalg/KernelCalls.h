//===- KernelCalls.h - dl ops lowered to calls of hand-written kernels ---===//
//
// Part of dlcc. What the lowerings that hand an op to a kernel in kernels/
// share: the kernel reads its operands' buffers and writes buffers of its
// own, which become the op's results; the memory plan places them all.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_CONVERSION_DLTOLINALG_KERNELCALLS_H
#define DLCC_CONVERSION_DLTOLINALG_KERNELCALLS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

namespace dlcc::kernels {

/// A new buffer for a kernel to write.
mlir::Value newBuffer(mlir::OpBuilder &b, mlir::Location loc,
                      llvm::ArrayRef<int64_t> shape, mlir::Type element);

/// Calls `name` with the addresses of `operands` followed by `scalars`.
/// A tensor operand is read by the kernel: its buffer is taken right
/// before the call, so that bufferization sees the read where it happens;
/// a memref (newBuffer) is written; a null Value passes a null pointer.
/// The addresses are taken after every buffer is allocated: the memory
/// plan counts a buffer live up to the last use of its address.
void callKernel(mlir::OpBuilder &b, mlir::Location loc, llvm::StringRef name,
                mlir::ValueRange operands, mlir::ValueRange scalars);

/// The buffer whose address a kernel is given for `operand`: as
/// callKernel takes it (a tensor is read, a memref written).
mlir::Value kernelBuffer(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value operand);

/// The buffer of a tensor `operand` for a kernel that is given its
/// strides (stridesOf): as kernelBuffer, but it may be a view of a larger
/// buffer (a slice of a wider tensor, the heads of a projection) with any
/// strides but a unit last one, read where it is instead of copied out.
mlir::Value stridedKernelBuffer(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::Value operand);

/// The strides of `buffer` in elements, as i64 values for a kernel.
llvm::SmallVector<mlir::Value> stridesOf(mlir::OpBuilder &b, mlir::Location loc,
                                         mlir::Value buffer);

/// A buffer a kernel wrote, as the tensor the op's users read (which no
/// op may write in place).
mlir::Value asResult(mlir::OpBuilder &b, mlir::Location loc,
                     mlir::Value buffer);

/// Integer and f32 constants for a kernel's scalar arguments.
mlir::Value i64Constant(mlir::OpBuilder &b, mlir::Location loc, int64_t value);
mlir::Value f32Constant(mlir::OpBuilder &b, mlir::Location loc, double value);

} // namespace dlcc::kernels

#endif // DLCC_CONVERSION_DLTOLINALG_KERNELCALLS_H
