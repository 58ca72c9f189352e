//===- DLShapeGradients.cpp - Gradients of shape ops, reductions, pooling -===//
//
// Part of dlcc. Vector-Jacobian products of the shape manipulations, the
// reductions and the pooling ops (see DLGradients.cpp).
//
//===----------------------------------------------------------------------===//

#include "DL/IR/DLGradientBuilder.h"

using namespace mlir;
using namespace mlir::dl;
using namespace mlir::dl::detail;

LogicalResult ReshapeOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                       SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  dxs.push_back(g.reshape(dys[0], getInput().getType()));
  return success();
}

LogicalResult BroadcastOp::buildGradient(OpBuilder &builder,
                                         ArrayRef<Value> dys,
                                         SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  dxs.push_back(g.sumTo(dys[0], getInput().getType()));
  return success();
}

LogicalResult TransposeOp::buildGradient(OpBuilder &builder,
                                         ArrayRef<Value> dys,
                                         SmallVectorImpl<Value> &dxs) {
  ArrayRef<int64_t> perm = getPermutation();
  SmallVector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inverse[perm[i]] = i;
  dxs.push_back(TransposeOp::create(builder, getLoc(), dys[0],
                                    builder.getDenseI64ArrayAttr(inverse)));
  return success();
}

// The gradients of the pieces joined back together.
LogicalResult SplitOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                     SmallVectorImpl<Value> &dxs) {
  dxs.push_back(
      ConcatOp::create(builder, getLoc(), dys, getAxisAttr()).getResult());
  return success();
}

// The gradient split into the inputs' sizes along the axis.
LogicalResult ConcatOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                      SmallVectorImpl<Value> &dxs) {
  int64_t rank = getType().getRank();
  int64_t axis = static_cast<int64_t>(getAxis());
  if (axis < 0)
    axis += rank;
  SmallVector<int64_t> sizes;
  for (Value input : getInputs())
    sizes.push_back(tensorOf(input).getDimSize(axis));
  auto split = SplitOp::create(builder, getLoc(), dys[0], getAxisAttr(),
                               builder.getDenseI64ArrayAttr(sizes));
  for (Value piece : split.getResults())
    dxs.push_back(piece);
  return success();
}

LogicalResult SliceOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                     SmallVectorImpl<Value> &dxs) {
  dxs.push_back(SliceGradOp::create(
      builder, getLoc(), dys[0],
      builder.getDenseI64ArrayAttr(getInput().getType().getShape()),
      getStartsAttr(), getLimitsAttr(), getStridesAttr()));
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

LogicalResult SumOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                   SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  dxs.push_back(
      g.unreduce(dys[0], getInput().getType(), getAxes(), getKeepdim()));
  return success();
}

LogicalResult MeanOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                    SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  int64_t count = elementCount(getInput()) / elementCount(getResult());
  Value spread =
      g.unreduce(dys[0], getInput().getType(), getAxes(), getKeepdim());
  dxs.push_back(g.scale(spread, 1.0 / double(count)));
  return success();
}

// amax: the gradient is shared equally by the elements equal to the maximum.
LogicalResult MaxOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                   SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  RankedTensorType type = getInput().getType();
  Value max = g.unreduce(getResult(), type, getAxes(), getKeepdim());
  Value hit = g.compare(ComparePredicate::eq, getInput(), max);
  Value one = g.constant(max, 1), zero = g.constant(max, 0);
  Value ones = g.select(hit, one, zero);
  SmallVector<int64_t> axes = GradBuilder::resolved(getAxes(), type.getRank());
  Value count = g.unreduce(g.sum(ones, axes, /*keepdim=*/true), type, axes,
                           /*keepdim=*/true);
  Value share = g.unreduce(dys[0], type, getAxes(), getKeepdim());
  dxs.push_back(g.select(hit, g.div(share, count), zero));
  return success();
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

// Each window's gradient goes to the first element holding its maximum.
LogicalResult MaxPool2DOp::buildGradient(OpBuilder &builder,
                                         ArrayRef<Value> dys,
                                         SmallVectorImpl<Value> &dxs) {
  dxs.push_back(MaxPool2DGradOp::create(builder, getLoc(), getInput(), dys[0],
                                        getKernelAttr(), getStrideAttr(),
                                        getPaddingAttr()));
  return success();
}

LogicalResult AvgPool2DOp::buildGradient(OpBuilder &builder,
                                         ArrayRef<Value> dys,
                                         SmallVectorImpl<Value> &dxs) {
  dxs.push_back(AvgPool2DGradOp::create(
      builder, getLoc(), dys[0],
      builder.getDenseI64ArrayAttr(getInput().getType().getShape()),
      getKernelAttr(), getStrideAttr(), getPaddingAttr()));
  return success();
}
