//===- DLNormGradients.cpp - Gradients of the normalization layers --------===//
//
// Part of dlcc. Vector-Jacobian products of layer, RMS and batch
// normalization (see DLGradients.cpp). The statistics are recomputed from
// the input rather than kept from the forward op. With x^ the normalized
// input, rstd the inverse standard deviation and g = dy * weight, over the
// elements each statistic covers:
//
//   layernorm, batchnorm: dx = rstd (g - mean(g) - x^ mean(g x^))
//
// Layer norm and batch norm in training mode build one dl.layernorm_grad or
// dl.batchnorm_grad, which a target either hands to a kernel or decomposes
// into these formulas.
//   rmsnorm:              dx = rstd (g - x^ mean(g x^))
//   dweight = sum(dy x^), dbias = sum(dy)
//
//===----------------------------------------------------------------------===//

#include "DL/IR/DLGradientBuilder.h"

using namespace mlir;
using namespace mlir::dl;
using namespace mlir::dl::detail;

namespace {

/// x^ and rstd of `x` normalized over `axes` (kept as size 1).
struct Normalized {
  Value xhat, rstd;
};

Normalized standardize(GradBuilder &g, Value x, ArrayRef<int64_t> axes,
                       double eps, bool center) {
  Value centered = x;
  if (center)
    centered = g.sub(x, g.mean(x, axes, /*keepdim=*/true));
  Value var = g.mean(g.mul(centered, centered), axes, /*keepdim=*/true);
  Value rstd = g.rsqrt(g.add(var, g.constant(x, eps)));
  return {g.mul(centered, rstd), rstd};
}

/// rstd (g - [mean(g)] - x^ mean(g x^)), the means over `axes`.
Value normalizedInputGradient(GradBuilder &g, Value gw, Normalized n,
                              ArrayRef<int64_t> axes, bool center) {
  Value inner = g.sub(
      gw, g.mul(n.xhat, g.mean(g.mul(gw, n.xhat), axes, /*keepdim=*/true)));
  if (center)
    inner = g.sub(inner, g.mean(gw, axes, /*keepdim=*/true));
  return g.mul(n.rstd, inner);
}

} // namespace

// One op, which the CPU hands to a kernel (decompose() otherwise).
LogicalResult LayerNormOp::buildGradient(OpBuilder &builder,
                                         ArrayRef<Value> dys,
                                         SmallVectorImpl<Value> &dxs) {
  auto grad = LayerNormGradOp::create(builder, getLoc(), getInput(),
                                      getWeight(), dys[0], getEpsAttr());
  dxs.append(grad->result_begin(), grad->result_end());
  return success();
}

SmallVector<Value, 3> LayerNormGradOp::decompose(OpBuilder &builder) {
  GradBuilder g(builder, getLoc());
  Value dy = getGrad(), w = getWeight();
  Normalized n = standardize(g, getInput(), {-1}, getEps().convertToDouble(),
                             /*center=*/true);
  return {normalizedInputGradient(g, g.mul(dy, w), n, {-1}, /*center=*/true),
          g.sumTo(g.mul(dy, n.xhat), tensorOf(w)), g.sumTo(dy, tensorOf(w))};
}

LogicalResult RMSNormOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                       SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  Value dy = dys[0], w = getWeight();
  Normalized n = standardize(g, getInput(), {-1}, getEps().convertToDouble(),
                             /*center=*/false);
  dxs.push_back(
      normalizedInputGradient(g, g.mul(dy, w), n, {-1}, /*center=*/false));
  dxs.push_back(g.sumTo(g.mul(dy, n.xhat), tensorOf(w)));
  return success();
}

// Training: batch statistics over every dimension but 1. Evaluation: the
// running statistics are constants. The running statistics (operands and
// results) carry no gradient.
LogicalResult BatchNormOp::buildGradient(OpBuilder &builder,
                                         ArrayRef<Value> dys,
                                         SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  Value x = getInput(), dy = dys[0];
  RankedTensorType type = getInput().getType();
  int64_t channels = type.getDimSize(1);
  SmallVector<int64_t> axes{0}, channelShape{channels};
  if (type.getRank() == 4) {
    axes.append({2, 3});
    channelShape.append({1, 1});
  }
  double eps = getEps().convertToDouble();
  if (getTraining()) {
    // One op, which the CPU hands to a kernel (decompose() otherwise).
    auto grad = BatchNormGradOp::create(builder, getLoc(), x, getWeight(), dy,
                                        getEpsAttr());
    dxs.append(grad->result_begin(), grad->result_end());
  } else {
    Value w = g.reshape(getWeight(), channelShape);
    Value mean = g.reshape(getRunningMean(), channelShape);
    Value var = g.reshape(getRunningVar(), channelShape);
    Value rstd = g.rsqrt(g.add(var, g.constant(var, eps)));
    Value xhat = g.mul(g.sub(x, mean), rstd);
    dxs.push_back(g.mul(dy, g.mul(w, rstd)));
    dxs.push_back(g.sum(g.mul(dy, xhat), axes, /*keepdim=*/false));
    dxs.push_back(g.sum(dy, axes, /*keepdim=*/false));
  }
  dxs.push_back(Value());
  dxs.push_back(Value());
  return success();
}

SmallVector<Value, 3> BatchNormGradOp::decompose(OpBuilder &builder) {
  GradBuilder g(builder, getLoc());
  Value x = getInput(), dy = getGrad();
  RankedTensorType type = getInput().getType();
  SmallVector<int64_t> axes{0}, channelShape{type.getDimSize(1)};
  if (type.getRank() == 4) {
    axes.append({2, 3});
    channelShape.append({1, 1});
  }
  Value w = g.reshape(getWeight(), channelShape);
  Normalized n =
      standardize(g, x, axes, getEps().convertToDouble(), /*center=*/true);
  return {normalizedInputGradient(g, g.mul(dy, w), n, axes, /*center=*/true),
          g.sum(g.mul(dy, n.xhat), axes, /*keepdim=*/false),
          g.sum(dy, axes, /*keepdim=*/false)};
}
