//===- DLLinearGradients.cpp - Gradients of products and convolutions -----===//
//
// Part of dlcc. Vector-Jacobian products of the matrix products, linear and
// convolution layers, embeddings and attention (see DLGradients.cpp).
//
//===----------------------------------------------------------------------===//

#include "DL/IR/DLGradientBuilder.h"

#include <cmath>

using namespace mlir;
using namespace mlir::dl;
using namespace mlir::dl::detail;

LogicalResult MatmulOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                      SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  Value a = getLhs(), b = getRhs(), dy = dys[0];
  dxs.push_back(g.sumTo(g.matmul(dy, g.transposeLast(b)), tensorOf(a)));
  dxs.push_back(g.sumTo(g.matmul(g.transposeLast(a), dy), tensorOf(b)));
  return success();
}

LogicalResult LinearOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                      SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  Value x = getInput(), w = getWeight(), dy = dys[0];
  RankedTensorType xType = getInput().getType();
  int64_t in = xType.getShape().back(), out = tensorOf(w).getShape()[0];
  int64_t rows = xType.getNumElements() / in;
  // Over all rows: dx = dy W; dW = dy^T x; db = the row sum of dy.
  Value dyRows = g.reshape(dy, {rows, out});
  Value xRows = g.reshape(x, {rows, in});
  dxs.push_back(g.reshape(g.matmul(dyRows, w), xType));
  dxs.push_back(g.matmul(g.transposeLast(dyRows), xRows));
  if (getBias())
    dxs.push_back(g.sum(dyRows, {0}, /*keepdim=*/false));
  return success();
}

// dx is a transposed convolution of dy with the weight, dW the correlation
// of the input with dy, db the sum of dy over the batch and positions.
LogicalResult Conv2DOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                      SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  Value x = getInput(), w = getWeight(), dy = dys[0];
  ArrayRef<int64_t> ws = tensorOf(w).getShape();
  dxs.push_back(Conv2DGradInputOp::create(
      builder, getLoc(), dy, w,
      builder.getDenseI64ArrayAttr(getInput().getType().getShape()),
      getStrideAttr(), getPaddingAttr()));
  dxs.push_back(Conv2DGradWeightOp::create(
      builder, getLoc(), x, dy, builder.getDenseI64ArrayAttr({ws[2], ws[3]}),
      getStrideAttr(), getPaddingAttr()));
  if (getBias())
    dxs.push_back(g.sum(dy, {0, 2, 3}, /*keepdim=*/false));
  return success();
}

// The indices carry no gradient; the table's is a scatter-add of dy.
LogicalResult EmbeddingOp::buildGradient(OpBuilder &builder,
                                         ArrayRef<Value> dys,
                                         SmallVectorImpl<Value> &dxs) {
  dxs.push_back(Value());
  dxs.push_back(EmbeddingGradOp::create(
      builder, getLoc(), getIndices(), dys[0],
      builder.getI64IntegerAttr(getTable().getType().getDimSize(0))));
  return success();
}

// The flash backward: dl.attention_grad recomputes the weights from the
// forward's row log-sum-exps, tile by tile, and gives dq, dk and dv. A mask
// that has a gradient gets it written out (S = q k^T s + mask, P =
// softmax(S), dS = P (dP - sum(dP P)) with dP = dO v^T, summed to the
// mask's shape); autodiff drops it when the mask needs none, which is the
// usual case of a constant mask.
LogicalResult AttentionOp::buildGradient(OpBuilder &builder,
                                         ArrayRef<Value> dys,
                                         SmallVectorImpl<Value> &dxs) {
  Value q = getQuery(), k = getKey(), v = getValue(), mask = getMask();
  Value dout = dys[0];
  auto grad =
      AttentionGradOp::create(builder, getLoc(), q, k, v, getResult(), getLse(),
                              dout, mask, getCausalAttr(), getScaleAttr());
  dxs.push_back(grad.getDquery());
  dxs.push_back(grad.getDkey());
  dxs.push_back(grad.getDvalue());
  if (!mask)
    return success();
  GradBuilder g(builder, getLoc());
  ArrayRef<int64_t> qs = tensorOf(q).getShape(), ks = tensorOf(k).getShape();
  double s = getScale() ? getScale()->convertToDouble()
                        : 1.0 / std::sqrt(double(qs.back()));
  Value scores = g.add(g.scale(g.matmul(q, g.transposeLast(k)), s), mask);
  if (getCausal()) {
    auto maskType = RankedTensorType::get(
        {qs[qs.size() - 2], ks[ks.size() - 2]}, tensorOf(q).getElementType());
    scores = g.add(scores, CausalMaskOp::create(builder, getLoc(), maskType));
  }
  int64_t last = tensorOf(scores).getRank() - 1;
  Value probs = g.softmax(scores, last);
  Value dprobs = g.matmul(dout, g.transposeLast(v));
  Value dscores = g.mul(probs, g.sub(dprobs, g.sum(g.mul(dprobs, probs), {last},
                                                   /*keepdim=*/true)));
  dxs.push_back(g.sumTo(dscores, tensorOf(mask)));
  return success();
}
