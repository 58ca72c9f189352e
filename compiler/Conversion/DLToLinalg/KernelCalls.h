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

/// The buffer of a tensor, for a kernel to read.
mlir::Value readBuffer(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value tensor);

/// A new buffer for a kernel to write.
mlir::Value newBuffer(mlir::OpBuilder &b, mlir::Location loc,
                      llvm::ArrayRef<int64_t> shape, mlir::Type element);

/// Calls `name` with the addresses of `buffers` (a null Value passes a null
/// pointer) followed by `scalars`. The addresses are taken right before
/// the call, after every buffer is allocated: the memory plan counts a
/// buffer live up to the last use of its address.
void callKernel(mlir::OpBuilder &b, mlir::Location loc, llvm::StringRef name,
                mlir::ValueRange buffers, mlir::ValueRange scalars);

/// A buffer a kernel wrote, as the tensor the op's users read.
mlir::Value asResult(mlir::OpBuilder &b, mlir::Location loc,
                     mlir::Value buffer);

/// Integer and f32 constants for a kernel's scalar arguments.
mlir::Value i64Constant(mlir::OpBuilder &b, mlir::Location loc, int64_t value);
mlir::Value f32Constant(mlir::OpBuilder &b, mlir::Location loc, double value);

} // namespace dlcc::kernels

#endif // DLCC_CONVERSION_DLTOLINALG_KERNELCALLS_H
