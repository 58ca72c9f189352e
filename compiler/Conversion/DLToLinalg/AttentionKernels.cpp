//===- AttentionKernels.cpp - dl.attention to flash kernels ---------------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/AttentionKernels.h"
#include "compiler/Conversion/DLToLinalg/KernelCalls.h"
#include "compiler/Conversion/DLToLinalg/LoweringUtils.h"

#include "DL/IR/DLOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cmath>

using namespace mlir;
using namespace dlcc::lowering;
using namespace dlcc::kernels;
using dlcc::AttentionKernelNames;

namespace {

/// The sizes the kernels take: the leading dimensions flattened into
/// `batch`, then queries, keys, the key width and the value width.
struct AttentionSizes {
  int64_t batch, queries, keys, dim, valueDim;

  AttentionSizes(Value q, Value k, Value v) {
    ArrayRef<int64_t> qs = tensorType(q).getShape(),
                      ks = tensorType(k).getShape();
    batch = 1;
    for (int64_t d : qs.drop_back(2))
      batch *= d;
    queries = qs[qs.size() - 2];
    keys = ks[ks.size() - 2];
    dim = qs.back();
    valueDim = tensorType(v).getShape().back();
  }
};

/// The type the kernels compute in for `element`: f64 where the target has
/// f64 kernels, f32 otherwise.
FloatType computeType(Type element, const AttentionKernelNames &names) {
  if (element.isF64() && names.hasF64)
    return Float64Type::get(element.getContext());
  return Float32Type::get(element.getContext());
}

/// `x` with elements of type `to` (a wider or narrower float).
Value convert(OpBuilder &b, Location loc, Value x, Type to) {
  RankedTensorType type = tensorType(x);
  Type from = type.getElementType();
  if (from == to)
    return x;
  bool widen = from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth();
  return elementwise(b, loc, type.clone(to), {x},
                     [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                       if (widen)
                         return arith::ExtFOp::create(b, l, to, args[0]);
                       return arith::TruncFOp::create(b, l, to, args[0]);
                     });
}

/// A kernel's result as `type` (the op's own element type and shape).
Value fromKernel(OpBuilder &b, Location loc, Value x, RankedTensorType type) {
  return convert(b, loc, reshape(b, loc, x, type.getShape()),
                 type.getElementType());
}

/// An operand as the kernels read it: in the compute type, leading
/// dimensions flattened.
Value kernelOperand(OpBuilder &b, Location loc, Value x, int64_t batch,
                    Type compute) {
  ArrayRef<int64_t> shape = tensorType(x).getShape();
  return reshape(b, loc, convert(b, loc, x, compute),
                 {batch, shape[shape.size() - 2], shape.back()});
}

/// The mask as the kernels read it and the distance between batch
/// entries' masks: 0 when one [Tq, Tk] mask serves every entry; otherwise
/// the mask broadcast to the scores' full shape. A null mask stays null.
std::pair<Value, int64_t> kernelMask(OpBuilder &b, Location loc, Value mask,
                                     Value q, const AttentionSizes &sizes,
                                     Type compute) {
  if (!mask)
    return {Value(), 0};
  ArrayRef<int64_t> ms = tensorType(mask).getShape();
  bool shared = ms.size() >= 2 && ms[ms.size() - 2] == sizes.queries &&
                ms.back() == sizes.keys &&
                llvm::all_of(ms.drop_back(2), [](int64_t d) { return d == 1; });
  mask = convert(b, loc, mask, compute);
  if (shared)
    return {reshape(b, loc, mask, {sizes.queries, sizes.keys}), 0};
  SmallVector<int64_t> scores(tensorType(q).getShape().drop_back());
  scores.push_back(sizes.keys);
  Value full = broadcastTo(b, loc, mask, scores);
  return {reshape(b, loc, full, {sizes.batch, sizes.queries, sizes.keys}),
          sizes.queries * sizes.keys};
}

/// `<base>_f32` or `<base>_f64`.
std::string kernelName(StringRef base, Type compute) {
  return (base + (compute.isF64() ? "_f64" : "_f32")).str();
}

/// The scalars both kernels take after their buffers.
template <typename AttentionLike>
SmallVector<Value> sizeArguments(OpBuilder &b, Location loc, AttentionLike op,
                                 const AttentionSizes &sizes,
                                 int64_t maskStride, FloatType compute) {
  double scale = op.getScale() ? op.getScale()->convertToDouble()
                               : 1.0 / std::sqrt(double(sizes.dim));
  return {i64Constant(b, loc, sizes.batch),
          i64Constant(b, loc, sizes.queries),
          i64Constant(b, loc, sizes.keys),
          i64Constant(b, loc, sizes.dim),
          i64Constant(b, loc, sizes.valueDim),
          arith::ConstantOp::create(b, loc, b.getFloatAttr(compute, scale)),
          i64Constant(b, loc, op.getCausal() ? 1 : 0),
          i64Constant(b, loc, maskStride)};
}

struct AttentionToKernel : OpRewritePattern<dl::AttentionOp> {
  AttentionToKernel(MLIRContext *context, AttentionKernelNames names)
      : OpRewritePattern(context), names(names) {}

  LogicalResult matchAndRewrite(dl::AttentionOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
    AttentionSizes sizes(q, k, v);
    FloatType compute = computeType(tensorType(q).getElementType(), names);
    SmallVector<Value> buffers;
    for (Value operand : {q, k, v})
      buffers.push_back(kernelOperand(b, loc, operand, sizes.batch, compute));
    auto [mask, maskStride] =
        kernelMask(b, loc, op.getMask(), q, sizes, compute);
    buffers.push_back(mask);
    Value out = newBuffer(b, loc, {sizes.batch, sizes.queries, sizes.valueDim},
                          compute);
    Value lse = newBuffer(b, loc, {sizes.batch, sizes.queries}, compute);
    buffers.append({out, lse});
    callKernel(b, loc, kernelName(names.forward, compute), buffers,
               sizeArguments(b, loc, op, sizes, maskStride, compute));
    Value result =
        fromKernel(b, loc, asResult(b, loc, out), tensorType(op.getResult()));
    Value rowStatistics =
        fromKernel(b, loc, asResult(b, loc, lse), tensorType(op.getLse()));
    b.replaceOp(op, ValueRange{result, rowStatistics});
    return success();
  }

  AttentionKernelNames names;
};

struct AttentionGradToKernel : OpRewritePattern<dl::AttentionGradOp> {
  AttentionGradToKernel(MLIRContext *context, AttentionKernelNames names)
      : OpRewritePattern(context), names(names) {}

  LogicalResult matchAndRewrite(dl::AttentionGradOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
    AttentionSizes sizes(q, k, v);
    FloatType compute = computeType(tensorType(q).getElementType(), names);
    SmallVector<Value> buffers;
    for (Value operand : {q, k, v, Value(op.getOut())})
      buffers.push_back(kernelOperand(b, loc, operand, sizes.batch, compute));
    buffers.push_back(reshape(b, loc, convert(b, loc, op.getLse(), compute),
                              {sizes.batch, sizes.queries}));
    buffers.push_back(
        kernelOperand(b, loc, op.getDout(), sizes.batch, compute));
    auto [mask, maskStride] =
        kernelMask(b, loc, op.getMask(), q, sizes, compute);
    buffers.push_back(mask);
    SmallVector<Value> grads{
        newBuffer(b, loc, {sizes.batch, sizes.queries, sizes.dim}, compute),
        newBuffer(b, loc, {sizes.batch, sizes.keys, sizes.dim}, compute),
        newBuffer(b, loc, {sizes.batch, sizes.keys, sizes.valueDim}, compute)};
    buffers.append(grads);
    callKernel(b, loc, kernelName(names.backward, compute), buffers,
               sizeArguments(b, loc, op, sizes, maskStride, compute));
    SmallVector<Value> operands{q, k, v}, results;
    for (auto [grad, operand] : llvm::zip(grads, operands))
      results.push_back(
          fromKernel(b, loc, asResult(b, loc, grad), tensorType(operand)));
    b.replaceOp(op, results);
    return success();
  }

  AttentionKernelNames names;
};

} // namespace

void dlcc::populateAttentionKernelCalls(RewritePatternSet &patterns,
                                        AttentionKernelNames names) {
  patterns.add<AttentionToKernel, AttentionGradToKernel>(patterns.getContext(),
                                                         names);
}
