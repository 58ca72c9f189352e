//===- DLGradientBuilder.h - Building blocks of gradient rules --*- C++ -*-===//
//
// Part of dlcc. A small builder of dl ops at one location, shared by the
// gradient rules of every op family (DL*Gradients.cpp). Private to the
// dialect's implementation.
//
//===----------------------------------------------------------------------===//

#ifndef DL_IR_DLGRADIENTBUILDER_H
#define DL_IR_DLGRADIENTBUILDER_H

#include "DL/IR/DLOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

#include <numeric>

namespace mlir::dl::detail {

inline RankedTensorType tensorOf(Value v) {
  return llvm::cast<RankedTensorType>(v.getType());
}

inline int64_t elementCount(Value v) { return tensorOf(v).getNumElements(); }

/// Builds dl ops at one location.
class GradBuilder {
public:
  GradBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  /// A rank-0 constant of `like`'s element type.
  Value constant(Value like, double value) {
    Type element = tensorOf(like).getElementType();
    auto type = RankedTensorType::get({}, element);
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, b.getFloatAttr(element, value)));
  }
  Value add(Value x, Value y) { return AddOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return SubOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return MulOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return DivOp::create(b, loc, x, y); }
  Value neg(Value x) { return NegOp::create(b, loc, x); }
  Value exp(Value x) { return ExpOp::create(b, loc, x); }
  Value sqrt(Value x) { return SqrtOp::create(b, loc, x); }
  Value rsqrt(Value x) { return RsqrtOp::create(b, loc, x); }
  Value maximum(Value x, Value y) { return MaximumOp::create(b, loc, x, y); }
  Value scale(Value x, double s) { return mul(x, constant(x, s)); }
  Value compare(ComparePredicate p, Value x, Value y) {
    return CompareOp::create(b, loc, p, x, y);
  }
  /// cond ? x : y, with x, y broadcast.
  Value select(Value cond, Value x, Value y) {
    return WhereOp::create(b, loc, cond, x, y);
  }
  Value reshape(Value x, RankedTensorType type) {
    if (tensorOf(x) == type)
      return x;
    return ReshapeOp::create(b, loc, type, x);
  }
  Value reshape(Value x, ArrayRef<int64_t> shape) {
    return reshape(x,
                   RankedTensorType::get(shape, tensorOf(x).getElementType()));
  }
  Value broadcast(Value x, RankedTensorType type) {
    if (tensorOf(x) == type)
      return x;
    return BroadcastOp::create(b, loc, type, x);
  }
  Value sum(Value x, ArrayRef<int64_t> axes, bool keepdim) {
    return SumOp::create(b, loc, x, b.getDenseI64ArrayAttr(axes),
                         keepdim ? b.getUnitAttr() : UnitAttr());
  }
  Value mean(Value x, ArrayRef<int64_t> axes, bool keepdim) {
    return MeanOp::create(b, loc, x, b.getDenseI64ArrayAttr(axes),
                          keepdim ? b.getUnitAttr() : UnitAttr());
  }
  Value softmax(Value x, int64_t axis) {
    return SoftmaxOp::create(b, loc, x, b.getI64IntegerAttr(axis));
  }
  Value transpose(Value x, ArrayRef<int64_t> perm) {
    return TransposeOp::create(b, loc, x, b.getDenseI64ArrayAttr(perm));
  }
  Value transposeLast(Value x) {
    int64_t rank = tensorOf(x).getRank();
    SmallVector<int64_t> perm(rank);
    std::iota(perm.begin(), perm.end(), 0);
    std::swap(perm[rank - 1], perm[rank - 2]);
    return transpose(x, perm);
  }
  Value matmul(Value x, Value y) { return MatmulOp::create(b, loc, x, y); }

  /// Sums a gradient of a broadcast result back to the operand's `type`.
  Value sumTo(Value g, RankedTensorType type) {
    ArrayRef<int64_t> from = tensorOf(g).getShape(), to = type.getShape();
    if (from == to)
      return g;
    size_t lead = from.size() - to.size();
    SmallVector<int64_t> axes;
    for (size_t i = 0; i < from.size(); ++i)
      if (i < lead || (to[i - lead] == 1 && from[i] != 1))
        axes.push_back(i);
    Value reduced = axes.empty() ? g : sum(g, axes, /*keepdim=*/true);
    return reshape(reduced, type);
  }

  /// Spreads the gradient of a reduction back over the reduced axes.
  Value unreduce(Value g, RankedTensorType input, ArrayRef<int64_t> axes,
                 bool keepdim) {
    SmallVector<int64_t> kept(input.getShape());
    SmallVector<int64_t> all = resolved(axes, input.getRank());
    for (int64_t axis : all)
      kept[axis] = 1;
    Value shaped =
        keepdim
            ? g
            : reshape(g, RankedTensorType::get(kept, input.getElementType()));
    return broadcast(shaped, input);
  }

  /// `axes` made non-negative; every axis when empty.
  static SmallVector<int64_t> resolved(ArrayRef<int64_t> axes, int64_t rank) {
    SmallVector<int64_t> out;
    if (axes.empty())
      for (int64_t d = 0; d < rank; ++d)
        out.push_back(d);
    for (int64_t axis : axes)
      out.push_back(axis < 0 ? axis + rank : axis);
    return out;
  }

  OpBuilder &b;
  Location loc;
};

} // namespace mlir::dl::detail

#endif // DL_IR_DLGRADIENTBUILDER_H
