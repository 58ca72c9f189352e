//===- LoweringUtils.h - Building blocks of the dl -> linalg lowering -*- C++ -*-===//
//
// Part of dlcc. Small builders on tensors that the lowering of each dl op
// family composes: broadcasting elementwise maps, reductions, reshapes and
// matrix products.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_CONVERSION_DLTOLINALG_LOWERINGUTILS_H
#define DLCC_CONVERSION_DLTOLINALG_LOWERINGUTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace dlcc::lowering {

using BodyBuilder = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

inline mlir::RankedTensorType tensorType(mlir::Value value) {
  return llvm::cast<mlir::RankedTensorType>(value.getType());
}

/// A scalar constant of `type` (float or integer).
mlir::Value scalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type,
                   double value);

/// A tensor of `type` filled with `value`.
mlir::Value filled(mlir::OpBuilder &b, mlir::Location loc,
                   mlir::RankedTensorType type, double value);

/// An elementwise `linalg.generic` producing `resultType`; each input is
/// broadcast to the result shape as in NumPy. `body` receives one scalar per
/// input and returns the result element.
mlir::Value elementwise(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType resultType,
                        mlir::ValueRange inputs, BodyBuilder body);

/// Like `elementwise`, with the loop indices (as `index` values) passed to
/// the body after the input elements.
mlir::Value elementwiseIndexed(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::RankedTensorType resultType,
                               mlir::ValueRange inputs, BodyBuilder body);

enum class Combine { Sum, Max, Min };

/// Reduces `input` over `axes` (non-negative, any order) with `combine`.
/// The result keeps the reduced axes as size 1 when `keepdim`.
mlir::Value reduce(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                   llvm::ArrayRef<int64_t> axes, Combine combine,
                   bool keepdim);

/// The mean over `axes`.
mlir::Value mean(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                 llvm::ArrayRef<int64_t> axes, bool keepdim);

/// Reshapes a (contiguous) tensor, row-major order kept.
mlir::Value reshape(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                    llvm::ArrayRef<int64_t> shape);

/// Permutes dimensions: result dimension i is input dimension perm[i].
mlir::Value transpose(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::Value input, llvm::ArrayRef<int64_t> perm);

/// Materializes `input` broadcast to `shape`.
mlir::Value broadcastTo(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value input, llvm::ArrayRef<int64_t> shape);

/// [M, K] x [K, N] (or [N, K] when `transposeRhs`) -> [M, N].
mlir::Value matmul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lhs,
                   mlir::Value rhs, bool transposeRhs);

/// [B, M, K] x [B, K, N] (or [B, N, K] when `transposeRhs`) -> [B, M, N].
mlir::Value batchMatmul(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value lhs, mlir::Value rhs, bool transposeRhs);

/// Matrix product of the last two dimensions with broadcast leading
/// dimensions (torch.matmul for rank >= 2), producing `resultType`.
mlir::Value batchedProduct(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value lhs, mlir::Value rhs, bool transposeRhs,
                           mlir::RankedTensorType resultType);

/// Stops the program through `dlrt_fail(message, value)` when an element of
/// the integer tensor `indices` lies outside [0, bound), except elements
/// equal to `allowed` (when given).
void checkIndices(mlir::OpBuilder &b, mlir::Location loc, mlir::Value indices,
                  int64_t bound, std::optional<int64_t> allowed,
                  llvm::StringRef message);

/// Builds the summand of a window gather from the indices (n, c, y, x, i,
/// j): an output position and a kernel offset.
using WindowTerm = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// The adjoint of a sliding window over an NCHW tensor, as a gather (each
/// element is written once, in a fixed order, so the result is
/// deterministic): element (n, c, h, w) of `resultType` is the sum, over the
/// kernel offsets (i, j) of `kernel` whose window reads it, that is whose
/// output position y = (h + ph - i) / sh (x likewise) is exact and inside
/// `outputSize`, of `term(n, c, y, x, i, j)`. Offsets that fall outside
/// contribute zero; `term` is still called, with y and x clamped to 0.
mlir::Value windowGather(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType resultType,
                         llvm::ArrayRef<int64_t> kernel,
                         llvm::ArrayRef<int64_t> stride,
                         llvm::ArrayRef<int64_t> padding,
                         llvm::ArrayRef<int64_t> outputSize, WindowTerm term);

/// Pads the two spatial dimensions of an NCHW tensor by `padding` on each
/// side with `value`; returns `input` itself when there is no padding.
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value input, llvm::ArrayRef<int64_t> padding,
                       double value);

/// The numerically stable log-softmax along `axis`.
mlir::Value logSoftmax(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value input, int64_t axis);

} // namespace dlcc::lowering

#endif // DLCC_CONVERSION_DLTOLINALG_LOWERINGUTILS_H
