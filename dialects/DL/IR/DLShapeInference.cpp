//===- DLShapeInference.cpp - Result types of dl ops ----------------------===//
//
// Part of dlcc. The shape rules of every dl op whose result type follows
// from its operands. Each rule reports a violation at the op's location with
// the shapes involved; the front end relies on these messages for the shape
// errors a user sees.
//
//===----------------------------------------------------------------------===//

#include "DL/IR/DLOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::dl;

std::string mlir::dl::formatShape(ArrayRef<int64_t> shape) {
  std::string out = "[";
  llvm::raw_string_ostream os(out);
  llvm::interleaveComma(shape, os);
  os << "]";
  return out;
}

namespace {
using Loc = std::optional<Location>;
using Types = SmallVectorImpl<Type>;

RankedTensorType tensorOf(Value v) {
  return llvm::cast<RankedTensorType>(v.getType());
}
std::string shapeOf(Value v) { return formatShape(tensorOf(v).getShape()); }

RankedTensorType withShape(Value like, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, tensorOf(like).getElementType());
}

/// Resolves a possibly negative axis; fails with a message naming the op.
FailureOr<int64_t> resolveAxis(Loc loc, StringRef op, int64_t axis,
                               int64_t rank) {
  if (axis < -rank || axis >= rank || rank == 0) {
    (void)emitOptionalError(loc, op, ": axis ", axis,
                            " is out of range for a tensor of rank ", rank);
    return failure();
  }
  return axis < 0 ? axis + rank : axis;
}

LogicalResult sameElementType(Loc loc, StringRef op, Value a, Value b) {
  if (tensorOf(a).getElementType() == tensorOf(b).getElementType())
    return success();
  return emitOptionalError(
      loc, op, ": element types differ: ", tensorOf(a).getElementType(),
      " and ", tensorOf(b).getElementType());
}

/// NumPy broadcasting of two shapes.
LogicalResult broadcast(Loc loc, StringRef op, ArrayRef<int64_t> a,
                        ArrayRef<int64_t> b, SmallVectorImpl<int64_t> &out) {
  size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1)
      return emitOptionalError(loc, op, ": shapes ", formatShape(a), " and ",
                               formatShape(b), " cannot be broadcast together");
    out[rank - 1 - i] = da == 1 ? db : da;
  }
  return success();
}

LogicalResult sameShape(Loc loc, StringRef op, Value a, Value b) {
  if (tensorOf(a).getShape() == tensorOf(b).getShape())
    return success();
  return emitOptionalError(loc, op, ": shapes differ: ", shapeOf(a), " and ",
                           shapeOf(b));
}

/// `vec` must be the 1-D shape `[n]`.
LogicalResult isVectorOf(Loc loc, StringRef op, StringRef what, Value vec,
                         int64_t n, Value input) {
  if (tensorOf(vec).getShape() == ArrayRef<int64_t>{n})
    return success();
  return emitOptionalError(loc, op, ": ", what, " has shape ", shapeOf(vec),
                           " but the input ", shapeOf(input), " needs [", n,
                           "]");
}

LogicalResult scalarOf(MLIRContext *, Value like, Types &types) {
  types.push_back(RankedTensorType::get({}, tensorOf(like).getElementType()));
  return success();
}

/// The output size of a sliding window, or a failure with a message.
FailureOr<int64_t> windowOutput(Loc loc, StringRef op, int64_t in,
                                int64_t kernel, int64_t stride, int64_t pad,
                                ArrayRef<int64_t> inputShape) {
  int64_t out = (in + 2 * pad - kernel) / stride + 1;
  if (in + 2 * pad < kernel || out <= 0) {
    (void)emitOptionalError(loc, op, ": window ", kernel,
                            " does not fit the input ", formatShape(inputShape),
                            " with padding ", pad);
    return failure();
  }
  return out;
}

LogicalResult checkPair(Loc loc, StringRef op, StringRef what,
                        ArrayRef<int64_t> pair, int64_t min) {
  for (int64_t v : pair)
    if (v < min)
      return emitOptionalError(loc, op, ": ", what, " must be >= ", min,
                               ", got ", formatShape(pair));
  return success();
}

// While an op is being parsed, its inferred types are computed before
// default-valued attributes are filled in, so the adaptor's attributes may be
// null: read them through these.
SmallVector<int64_t, 4> arrayOr(DenseI64ArrayAttr attr,
                                ArrayRef<int64_t> fallback) {
  return SmallVector<int64_t, 4>(attr ? attr.asArrayRef() : fallback);
}
/// A pair attribute's values; `fallback` when it does not have two (the
/// verifier of its constraint then reports it, once the type is known).
SmallVector<int64_t, 2> pairOr(ArrayRef<int64_t> values,
                               ArrayRef<int64_t> fallback) {
  return SmallVector<int64_t, 2>(values.size() == 2 ? values : fallback);
}
int64_t intOr(IntegerAttr attr, int64_t fallback) {
  return attr ? attr.getInt() : fallback;
}
template <typename AttrT>
LogicalResult required(Loc loc, StringRef op, StringRef name, AttrT attr) {
  if (attr)
    return success();
  return emitOptionalError(loc, op, ": the '", name, "' attribute is missing");
}

LogicalResult inferUnary(Value input, Types &types) {
  types.push_back(input.getType());
  return success();
}

LogicalResult inferBinary(Loc loc, StringRef op, Value lhs, Value rhs,
                          Types &types) {
  SmallVector<int64_t> shape;
  if (failed(sameElementType(loc, op, lhs, rhs)) ||
      failed(broadcast(loc, op, tensorOf(lhs).getShape(),
                       tensorOf(rhs).getShape(), shape)))
    return failure();
  types.push_back(withShape(lhs, shape));
  return success();
}

LogicalResult inferReduce(Loc loc, StringRef op, Value input,
                          ArrayRef<int64_t> axes, bool keepdim, Types &types) {
  ArrayRef<int64_t> shape = tensorOf(input).getShape();
  int64_t rank = shape.size();
  SmallVector<bool> reduced(rank, axes.empty());
  for (int64_t axis : axes) {
    FailureOr<int64_t> a = resolveAxis(loc, op, axis, rank);
    if (failed(a))
      return failure();
    if (reduced[*a])
      return emitOptionalError(loc, op, ": axis ", axis, " is listed twice");
    reduced[*a] = true;
  }
  SmallVector<int64_t> out;
  for (int64_t i = 0; i < rank; ++i) {
    if (!reduced[i])
      out.push_back(shape[i]);
    else if (keepdim)
      out.push_back(1);
  }
  types.push_back(withShape(input, out));
  return success();
}

/// The result shape of a 2-D pooling of an input of `shape`.
LogicalResult poolShape(Loc loc, StringRef op, ArrayRef<int64_t> shape,
                        ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride,
                        ArrayRef<int64_t> padding,
                        SmallVectorImpl<int64_t> &out) {
  if (shape.size() != 4)
    return emitOptionalError(loc, op, ": input must be [N, C, H, W], got ",
                             formatShape(shape));
  SmallVector<int64_t, 2> k = pairOr(kernel, {1, 1}),
                          st = pairOr(stride, {1, 1}),
                          pad = pairOr(padding, {0, 0});
  kernel = k;
  stride = st;
  padding = pad;
  if (failed(checkPair(loc, op, "kernel", kernel, 1)) ||
      failed(checkPair(loc, op, "stride", stride, 1)) ||
      failed(checkPair(loc, op, "padding", padding, 0)))
    return failure();
  for (int i = 0; i < 2; ++i)
    if (2 * padding[i] > kernel[i])
      return emitOptionalError(loc, op, ": padding ", formatShape(padding),
                               " must be at most half the kernel ",
                               formatShape(kernel));
  out.assign({shape[0], shape[1]});
  for (int i = 0; i < 2; ++i) {
    FailureOr<int64_t> o = windowOutput(loc, op, shape[2 + i], kernel[i],
                                        stride[i], padding[i], shape);
    if (failed(o))
      return failure();
    out.push_back(*o);
  }
  return success();
}

LogicalResult inferPool(Loc loc, StringRef op, Value input,
                        ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride,
                        ArrayRef<int64_t> padding, Types &types) {
  SmallVector<int64_t> out;
  if (failed(poolShape(loc, op, tensorOf(input).getShape(), kernel, stride,
                       padding, out)))
    return failure();
  types.push_back(withShape(input, out));
  return success();
}

/// The result shape of dl.conv2d on an input of shape `xs` and a weight of
/// shape `ws` (both rank 4, channels already checked).
LogicalResult convShape(Loc loc, StringRef op, ArrayRef<int64_t> xs,
                        ArrayRef<int64_t> ws, ArrayRef<int64_t> stride,
                        ArrayRef<int64_t> padding,
                        SmallVectorImpl<int64_t> &out) {
  SmallVector<int64_t, 2> st = pairOr(stride, {1, 1}),
                          pad = pairOr(padding, {0, 0});
  stride = st;
  padding = pad;
  if (failed(checkPair(loc, op, "stride", stride, 1)) ||
      failed(checkPair(loc, op, "padding", padding, 0)))
    return failure();
  out.assign({xs[0], ws[0]});
  for (int i = 0; i < 2; ++i) {
    FailureOr<int64_t> o =
        windowOutput(loc, op, xs[2 + i], ws[2 + i], stride[i], padding[i], xs);
    if (failed(o))
      return failure();
    out.push_back(*o);
  }
  return success();
}

/// The shape of a strided box out of `shape`.
LogicalResult sliceShape(Loc loc, StringRef op, ArrayRef<int64_t> shape,
                         ArrayRef<int64_t> starts, ArrayRef<int64_t> limits,
                         ArrayRef<int64_t> strides,
                         SmallVectorImpl<int64_t> &out) {
  if (starts.size() != shape.size() || limits.size() != shape.size() ||
      strides.size() != shape.size())
    return emitOptionalError(loc, op, ": starts, limits and strides need ",
                             shape.size(), " entries for ", formatShape(shape));
  for (size_t i = 0; i < shape.size(); ++i) {
    if (strides[i] <= 0 || starts[i] < 0 || starts[i] >= limits[i] ||
        limits[i] > shape[i])
      return emitOptionalError(loc, op, ": range ", starts[i], ":", limits[i],
                               ":", strides[i], " of dimension ", i, " of ",
                               formatShape(shape), " is empty or out of range");
    out.push_back((limits[i] - starts[i] + strides[i] - 1) / strides[i]);
  }
  return success();
}

/// A backward op's `input_shape`: `rank` positive sizes (any rank when -1).
LogicalResult checkInputShape(Loc loc, StringRef op, DenseI64ArrayAttr attr,
                              int64_t rank) {
  if (failed(required(loc, op, "input_shape", attr)))
    return failure();
  ArrayRef<int64_t> shape = attr.asArrayRef();
  bool valid = rank < 0 || (int64_t)shape.size() == rank;
  for (int64_t d : shape)
    valid = valid && d > 0;
  if (!valid)
    return emitOptionalError(
        loc, op, ": input_shape ", formatShape(shape), " must be ",
        rank < 0 ? std::string("positive sizes")
                 : std::to_string(rank) + " positive sizes");
  return success();
}

/// The gradient `grad` must have the shape the forward op gives, `expected`.
LogicalResult gradFits(Loc loc, StringRef op, Value grad,
                       ArrayRef<int64_t> expected) {
  if (tensorOf(grad).getShape() == expected)
    return success();
  return emitOptionalError(loc, op, ": gradient ", shapeOf(grad),
                           " does not have the forward result's shape ",
                           formatShape(expected));
}

/// Logits `[..., C]` with labels of the leading shape.
LogicalResult checkClassification(Loc loc, StringRef op, Value logits,
                                  Value labels) {
  ArrayRef<int64_t> l = tensorOf(logits).getShape();
  if (l.empty() || tensorOf(labels).getShape() != l.drop_back())
    return emitOptionalError(loc, op, ": logits ", formatShape(l),
                             " and labels ", shapeOf(labels),
                             " do not fit: labels must have the logits' shape "
                             "without its last (class) dimension");
  return success();
}
} // namespace

//===----------------------------------------------------------------------===//
// Linear layers
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *, Loc loc,
                                         Adaptor adaptor, Types &types) {
  Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
  ArrayRef<int64_t> a = tensorOf(lhs).getShape(), b = tensorOf(rhs).getShape();
  if (a.size() < 2 || b.size() < 2)
    return emitOptionalError(loc, "matmul: operands need rank 2 or more, got ",
                             formatShape(a), " and ", formatShape(b));
  if (failed(sameElementType(loc, "matmul", lhs, rhs)))
    return failure();
  if (a.back() != b[b.size() - 2])
    return emitOptionalError(loc, "matmul: shapes ", formatShape(a), " and ",
                             formatShape(b), " cannot be multiplied (",
                             a.back(), " != ", b[b.size() - 2], ")");
  SmallVector<int64_t> shape;
  if (failed(broadcast(loc, "matmul", a.drop_back(2), b.drop_back(2), shape)))
    return failure();
  shape.push_back(a[a.size() - 2]);
  shape.push_back(b.back());
  types.push_back(withShape(lhs, shape));
  return success();
}

LogicalResult LinearOp::inferReturnTypes(MLIRContext *, Loc loc,
                                         Adaptor adaptor, Types &types) {
  Value x = adaptor.getInput(), w = adaptor.getWeight();
  ArrayRef<int64_t> xs = tensorOf(x).getShape(), ws = tensorOf(w).getShape();
  if (ws.size() != 2)
    return emitOptionalError(loc, "linear: weight must be [out, in], got ",
                             formatShape(ws));
  if (xs.empty() || xs.back() != ws[1])
    return emitOptionalError(loc, "linear: input ", formatShape(xs),
                             " does not fit weight ", formatShape(ws),
                             ": the input's last dimension must be ", ws[1]);
  if (failed(sameElementType(loc, "linear", x, w)))
    return failure();
  if (Value b = adaptor.getBias())
    if (failed(isVectorOf(loc, "linear", "bias", b, ws[0], w)) ||
        failed(sameElementType(loc, "linear", x, b)))
      return failure();
  SmallVector<int64_t> shape(xs.drop_back());
  shape.push_back(ws[0]);
  types.push_back(withShape(x, shape));
  return success();
}

LogicalResult Conv2DOp::inferReturnTypes(MLIRContext *, Loc loc,
                                         Adaptor adaptor, Types &types) {
  Value x = adaptor.getInput(), w = adaptor.getWeight();
  ArrayRef<int64_t> xs = tensorOf(x).getShape(), ws = tensorOf(w).getShape();
  if (xs.size() != 4 || ws.size() != 4)
    return emitOptionalError(
        loc,
        "conv2d: input must be [N, C, H, W] and weight [O, C, KH, KW], "
        "got ",
        formatShape(xs), " and ", formatShape(ws));
  if (xs[1] != ws[1])
    return emitOptionalError(loc, "conv2d: input ", formatShape(xs), " has ",
                             xs[1], " channels but weight ", formatShape(ws),
                             " expects ", ws[1]);
  if (failed(sameElementType(loc, "conv2d", x, w)))
    return failure();
  SmallVector<int64_t, 4> stride = arrayOr(adaptor.getStrideAttr(), {1, 1}),
                          padding = arrayOr(adaptor.getPaddingAttr(), {0, 0});
  if (Value b = adaptor.getBias())
    if (failed(isVectorOf(loc, "conv2d", "bias", b, ws[0], w)))
      return failure();
  SmallVector<int64_t> shape;
  if (failed(convShape(loc, "conv2d", xs, ws, stride, padding, shape)))
    return failure();
  types.push_back(withShape(x, shape));
  return success();
}

LogicalResult EmbeddingOp::inferReturnTypes(MLIRContext *, Loc loc,
                                            Adaptor adaptor, Types &types) {
  ArrayRef<int64_t> table = tensorOf(adaptor.getTable()).getShape();
  if (table.size() != 2)
    return emitOptionalError(loc, "embedding: table must be [num, dim], got ",
                             formatShape(table));
  SmallVector<int64_t> shape(tensorOf(adaptor.getIndices()).getShape());
  shape.push_back(table[1]);
  types.push_back(withShape(adaptor.getTable(), shape));
  return success();
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

/// A normalization's gradient (dx, dweight, dbias): the weight is a vector
/// of the `features` it normalizes, dy has the input's shape and element
/// type; dx is typed as the input, dweight and dbias as the weight.
static LogicalResult inferNormGradient(Loc loc, StringRef op, Value x, Value w,
                                       Value dy, int64_t features,
                                       Types &types) {
  if (failed(isVectorOf(loc, op, "weight", w, features, x)) ||
      failed(sameShape(loc, op, x, dy)) ||
      failed(sameElementType(loc, op, x, dy)))
    return failure();
  types.push_back(x.getType());
  types.push_back(w.getType());
  types.push_back(w.getType());
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *, Loc loc,
                                            Adaptor adaptor, Types &types) {
  Value x = adaptor.getInput();
  ArrayRef<int64_t> xs = tensorOf(x).getShape();
  if (xs.empty())
    return emitOptionalError(loc, "layernorm: input must not be a scalar");
  if (failed(isVectorOf(loc, "layernorm", "weight", adaptor.getWeight(),
                        xs.back(), x)) ||
      failed(isVectorOf(loc, "layernorm", "bias", adaptor.getBias(), xs.back(),
                        x)))
    return failure();
  return inferUnary(x, types);
}

LogicalResult LayerNormGradOp::inferReturnTypes(MLIRContext *, Loc loc,
                                                Adaptor adaptor, Types &types) {
  StringRef op = "layernorm_grad";
  ArrayRef<int64_t> xs = tensorOf(adaptor.getInput()).getShape();
  if (xs.empty())
    return emitOptionalError(loc, op, ": input must not be a scalar");
  return inferNormGradient(loc, op, adaptor.getInput(), adaptor.getWeight(),
                           adaptor.getGrad(), xs.back(), types);
}

LogicalResult RMSNormOp::inferReturnTypes(MLIRContext *, Loc loc,
                                          Adaptor adaptor, Types &types) {
  Value x = adaptor.getInput();
  ArrayRef<int64_t> xs = tensorOf(x).getShape();
  if (xs.empty())
    return emitOptionalError(loc, "rmsnorm: input must not be a scalar");
  if (failed(isVectorOf(loc, "rmsnorm", "weight", adaptor.getWeight(),
                        xs.back(), x)))
    return failure();
  return inferUnary(x, types);
}

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *, Loc loc,
                                            Adaptor adaptor, Types &types) {
  Value x = adaptor.getInput();
  ArrayRef<int64_t> xs = tensorOf(x).getShape();
  if (xs.size() != 2 && xs.size() != 4)
    return emitOptionalError(
        loc, "batchnorm: input must be [N, C] or [N, C, H, W], got ",
        formatShape(xs));
  for (auto [what, v] :
       {std::pair<StringRef, Value>{"weight", adaptor.getWeight()},
        {"bias", adaptor.getBias()},
        {"running mean", adaptor.getRunningMean()},
        {"running variance", adaptor.getRunningVar()}})
    if (failed(isVectorOf(loc, "batchnorm", what, v, xs[1], x)))
      return failure();
  types.push_back(x.getType());
  types.push_back(adaptor.getRunningMean().getType());
  types.push_back(adaptor.getRunningVar().getType());
  return success();
}

LogicalResult BatchNormGradOp::inferReturnTypes(MLIRContext *, Loc loc,
                                                Adaptor adaptor, Types &types) {
  StringRef op = "batchnorm_grad";
  ArrayRef<int64_t> xs = tensorOf(adaptor.getInput()).getShape();
  if (xs.size() != 2 && xs.size() != 4)
    return emitOptionalError(loc, op,
                             ": input must be [N, C] or [N, C, H, W], got ",
                             formatShape(xs));
  return inferNormGradient(loc, op, adaptor.getInput(), adaptor.getWeight(),
                           adaptor.getGrad(), xs[1], types);
}

//===----------------------------------------------------------------------===//
// Elementwise math
//===----------------------------------------------------------------------===//

#define DL_UNARY_INFERENCE(OP)                                                 \
  LogicalResult OP::inferReturnTypes(MLIRContext *, Loc, Adaptor adaptor,      \
                                     Types &types) {                           \
    return inferUnary(adaptor.getInput(), types);                              \
  }
DL_UNARY_INFERENCE(ReluOp)
DL_UNARY_INFERENCE(SiluOp)
DL_UNARY_INFERENCE(SigmoidOp)
DL_UNARY_INFERENCE(TanhOp)
DL_UNARY_INFERENCE(ExpOp)
DL_UNARY_INFERENCE(LogOp)
DL_UNARY_INFERENCE(SqrtOp)
DL_UNARY_INFERENCE(RsqrtOp)
DL_UNARY_INFERENCE(AbsOp)
DL_UNARY_INFERENCE(ErfOp)
DL_UNARY_INFERENCE(NegOp)
DL_UNARY_INFERENCE(GeluOp)
DL_UNARY_INFERENCE(DropoutOp)
#undef DL_UNARY_INFERENCE

#define DL_BINARY_INFERENCE(OP, NAME)                                          \
  LogicalResult OP::inferReturnTypes(MLIRContext *, Loc loc, Adaptor adaptor,  \
                                     Types &types) {                           \
    return inferBinary(loc, NAME, adaptor.getLhs(), adaptor.getRhs(), types);  \
  }
DL_BINARY_INFERENCE(AddOp, "add")
DL_BINARY_INFERENCE(SubOp, "sub")
DL_BINARY_INFERENCE(MulOp, "mul")
DL_BINARY_INFERENCE(DivOp, "div")
DL_BINARY_INFERENCE(MaximumOp, "maximum")
DL_BINARY_INFERENCE(MinimumOp, "minimum")
DL_BINARY_INFERENCE(PowOp, "pow")
#undef DL_BINARY_INFERENCE

LogicalResult CompareOp::inferReturnTypes(MLIRContext *ctx, Loc loc,
                                          Adaptor adaptor, Types &types) {
  SmallVector<Type> like;
  if (failed(inferBinary(loc, "compare", adaptor.getLhs(), adaptor.getRhs(),
                         like)))
    return failure();
  types.push_back(
      RankedTensorType::get(llvm::cast<RankedTensorType>(like[0]).getShape(),
                            IntegerType::get(ctx, 1)));
  return success();
}

LogicalResult WhereOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor adaptor,
                                        Types &types) {
  SmallVector<Type> values;
  if (failed(inferBinary(loc, "where", adaptor.getLhs(), adaptor.getRhs(),
                         values)))
    return failure();
  auto valueType = llvm::cast<RankedTensorType>(values[0]);
  SmallVector<int64_t> shape;
  if (failed(broadcast(loc, "where",
                       tensorOf(adaptor.getCondition()).getShape(),
                       valueType.getShape(), shape)))
    return failure();
  types.push_back(RankedTensorType::get(shape, valueType.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Softmax and attention
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *, Loc loc,
                                          Adaptor adaptor, Types &types) {
  if (failed(resolveAxis(loc, "softmax", intOr(adaptor.getAxisAttr(), -1),
                         tensorOf(adaptor.getInput()).getRank())))
    return failure();
  return inferUnary(adaptor.getInput(), types);
}

LogicalResult LogSoftmaxOp::inferReturnTypes(MLIRContext *, Loc loc,
                                             Adaptor adaptor, Types &types) {
  if (failed(resolveAxis(loc, "log_softmax", intOr(adaptor.getAxisAttr(), -1),
                         tensorOf(adaptor.getInput()).getRank())))
    return failure();
  return inferUnary(adaptor.getInput(), types);
}

namespace {
/// Checks attention's operands; the output's shape is `[..., Tq, dv]`.
LogicalResult checkAttention(Loc loc, Value q, Value k, Value v, Value mask,
                             SmallVectorImpl<int64_t> &shape) {
  ArrayRef<int64_t> qs = tensorOf(q).getShape(), ks = tensorOf(k).getShape(),
                    vs = tensorOf(v).getShape();
  if (qs.size() < 2 || ks.size() != qs.size() || vs.size() != qs.size() ||
      qs.drop_back(2) != ks.drop_back(2) || qs.drop_back(2) != vs.drop_back(2))
    return emitOptionalError(
        loc, "attention: query ", formatShape(qs), ", key ", formatShape(ks),
        " and value ", formatShape(vs),
        " must have equal rank (2 or more) and equal leading dimensions");
  if (qs.back() != ks.back())
    return emitOptionalError(loc, "attention: query ", formatShape(qs),
                             " and key ", formatShape(ks),
                             " differ in their last dimension");
  if (ks[ks.size() - 2] != vs[vs.size() - 2])
    return emitOptionalError(loc, "attention: key ", formatShape(ks),
                             " and value ", formatShape(vs),
                             " differ in their number of positions");
  if (failed(sameElementType(loc, "attention", q, k)) ||
      failed(sameElementType(loc, "attention", q, v)))
    return failure();
  SmallVector<int64_t> scores(qs.drop_back());
  scores.push_back(ks[ks.size() - 2]);
  if (mask) {
    SmallVector<int64_t> joint;
    if (failed(broadcast(loc, "attention", tensorOf(mask).getShape(), scores,
                         joint)))
      return failure();
    if (ArrayRef<int64_t>(joint) != ArrayRef<int64_t>(scores))
      return emitOptionalError(loc, "attention: mask ", shapeOf(mask),
                               " does not broadcast to the scores ",
                               formatShape(scores));
  }
  shape.assign(qs.begin(), qs.end() - 1);
  shape.push_back(vs.back());
  return success();
}

/// The row statistics of attention: one per query row, f64 for f64
/// operands and f32 for every other type.
RankedTensorType rowStatistics(Value q) {
  RankedTensorType type = tensorOf(q);
  Type element = type.getElementType();
  if (!element.isF64())
    element = Float32Type::get(q.getContext());
  return RankedTensorType::get(type.getShape().drop_back(), element);
}
} // namespace

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *, Loc loc,
                                            Adaptor adaptor, Types &types) {
  SmallVector<int64_t> shape;
  if (failed(checkAttention(loc, adaptor.getQuery(), adaptor.getKey(),
                            adaptor.getValue(), adaptor.getMask(), shape)))
    return failure();
  types.push_back(withShape(adaptor.getQuery(), shape));
  types.push_back(rowStatistics(adaptor.getQuery()));
  return success();
}

LogicalResult AttentionGradOp::inferReturnTypes(MLIRContext *, Loc loc,
                                                Adaptor adaptor, Types &types) {
  Value q = adaptor.getQuery();
  SmallVector<int64_t> shape;
  if (failed(checkAttention(loc, q, adaptor.getKey(), adaptor.getValue(),
                            adaptor.getMask(), shape)))
    return failure();
  for (Value given : {adaptor.getOut(), adaptor.getDout()})
    if (tensorOf(given).getShape() != ArrayRef<int64_t>(shape))
      return emitOptionalError(loc, "attention_grad: output ", shapeOf(given),
                               " must have the shape ", formatShape(shape));
  if (tensorOf(adaptor.getLse()) != rowStatistics(q))
    return emitOptionalError(loc, "attention_grad: row statistics ",
                             adaptor.getLse().getType(), " must be ",
                             rowStatistics(q));
  for (Value operand : {q, adaptor.getKey(), adaptor.getValue()})
    types.push_back(tensorOf(operand));
  return success();
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, Loc loc,
                                            Adaptor adaptor, Types &types) {
  ArrayRef<int64_t> shape = tensorOf(adaptor.getInput()).getShape();
  if (failed(required(loc, "transpose", "permutation",
                      adaptor.getPermutationAttr())))
    return failure();
  ArrayRef<int64_t> perm = adaptor.getPermutation();
  SmallVector<bool> seen(shape.size(), false);
  bool valid = perm.size() == shape.size();
  for (int64_t p : perm) {
    if (!valid || p < 0 || p >= (int64_t)shape.size() || seen[p]) {
      valid = false;
      break;
    }
    seen[p] = true;
  }
  if (!valid)
    return emitOptionalError(loc, "transpose: ", formatShape(perm),
                             " is not a permutation of the dimensions of ",
                             formatShape(shape));
  SmallVector<int64_t> out;
  for (int64_t p : perm)
    out.push_back(shape[p]);
  types.push_back(withShape(adaptor.getInput(), out));
  return success();
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor adaptor,
                                        Types &types) {
  ArrayRef<int64_t> shape = tensorOf(adaptor.getInput()).getShape();
  if (failed(required(loc, "split", "axis", adaptor.getAxisAttr())) ||
      failed(required(loc, "split", "sizes", adaptor.getSizesAttr())))
    return failure();
  FailureOr<int64_t> axis =
      resolveAxis(loc, "split", adaptor.getAxis(), shape.size());
  if (failed(axis))
    return failure();
  int64_t total = 0;
  for (int64_t size : adaptor.getSizes()) {
    if (size <= 0)
      return emitOptionalError(loc, "split: sizes must be positive, got ",
                               formatShape(adaptor.getSizes()));
    total += size;
  }
  if (total != shape[*axis] || adaptor.getSizes().empty())
    return emitOptionalError(
        loc, "split: sizes ", formatShape(adaptor.getSizes()),
        " do not add up to dimension ", *axis, " of ", formatShape(shape));
  for (int64_t size : adaptor.getSizes()) {
    SmallVector<int64_t> piece(shape);
    piece[*axis] = size;
    types.push_back(withShape(adaptor.getInput(), piece));
  }
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, Loc loc,
                                         Adaptor adaptor, Types &types) {
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return emitOptionalError(loc, "concat: needs at least one input");
  ArrayRef<int64_t> first = tensorOf(inputs[0]).getShape();
  if (failed(required(loc, "concat", "axis", adaptor.getAxisAttr())))
    return failure();
  FailureOr<int64_t> axis =
      resolveAxis(loc, "concat", adaptor.getAxis(), first.size());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(first);
  for (Value v : inputs.drop_front()) {
    ArrayRef<int64_t> s = tensorOf(v).getShape();
    bool fits = s.size() == first.size();
    for (size_t i = 0; fits && i < s.size(); ++i)
      fits = (int64_t)i == *axis || s[i] == first[i];
    if (!fits)
      return emitOptionalError(loc, "concat: shapes ", formatShape(first),
                               " and ", formatShape(s), " differ outside axis ",
                               *axis);
    if (failed(sameElementType(loc, "concat", inputs[0], v)))
      return failure();
    shape[*axis] += s[*axis];
  }
  types.push_back(withShape(inputs[0], shape));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor adaptor,
                                        Types &types) {
  ArrayRef<int64_t> shape = tensorOf(adaptor.getInput()).getShape();
  if (failed(required(loc, "slice", "starts", adaptor.getStartsAttr())) ||
      failed(required(loc, "slice", "limits", adaptor.getLimitsAttr())) ||
      failed(required(loc, "slice", "strides", adaptor.getStridesAttr())))
    return failure();
  SmallVector<int64_t> out;
  if (failed(sliceShape(loc, "slice", shape, adaptor.getStarts(),
                        adaptor.getLimits(), adaptor.getStrides(), out)))
    return failure();
  types.push_back(withShape(adaptor.getInput(), out));
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions and pooling
//===----------------------------------------------------------------------===//

#define DL_REDUCE_INFERENCE(OP, NAME)                                          \
  LogicalResult OP::inferReturnTypes(MLIRContext *, Loc loc, Adaptor adaptor,  \
                                     Types &types) {                           \
    return inferReduce(loc, NAME, adaptor.getInput(),                          \
                       arrayOr(adaptor.getAxesAttr(), {}),                     \
                       adaptor.getKeepdim(), types);                           \
  }
DL_REDUCE_INFERENCE(SumOp, "sum")
DL_REDUCE_INFERENCE(MeanOp, "mean")
DL_REDUCE_INFERENCE(MaxOp, "max")
#undef DL_REDUCE_INFERENCE

#define DL_POOL_INFERENCE(OP, NAME)                                            \
  LogicalResult OP::inferReturnTypes(MLIRContext *, Loc loc, Adaptor adaptor,  \
                                     Types &types) {                           \
    if (failed(required(loc, NAME, "kernel", adaptor.getKernelAttr())) ||      \
        failed(required(loc, NAME, "stride", adaptor.getStrideAttr())))        \
      return failure();                                                        \
    return inferPool(loc, NAME, adaptor.getInput(), adaptor.getKernel(),       \
                     adaptor.getStride(),                                      \
                     arrayOr(adaptor.getPaddingAttr(), {0, 0}), types);        \
  }
DL_POOL_INFERENCE(MaxPool2DOp, "maxpool2d")
DL_POOL_INFERENCE(AvgPool2DOp, "avgpool2d")
#undef DL_POOL_INFERENCE

//===----------------------------------------------------------------------===//
// Losses and metrics
//===----------------------------------------------------------------------===//

LogicalResult CrossEntropyOp::inferReturnTypes(MLIRContext *ctx, Loc loc,
                                               Adaptor adaptor, Types &types) {
  if (failed(checkClassification(loc, "cross_entropy", adaptor.getLogits(),
                                 adaptor.getLabels())))
    return failure();
  return scalarOf(ctx, adaptor.getLogits(), types);
}

LogicalResult CrossEntropyGradOp::inferReturnTypes(MLIRContext *, Loc loc,
                                                   Adaptor adaptor,
                                                   Types &types) {
  if (failed(checkClassification(loc, "cross_entropy_grad", adaptor.getLogits(),
                                 adaptor.getLabels())))
    return failure();
  types.push_back(adaptor.getLogits().getType());
  return success();
}

LogicalResult AccuracyOp::inferReturnTypes(MLIRContext *ctx, Loc loc,
                                           Adaptor adaptor, Types &types) {
  if (failed(checkClassification(loc, "accuracy", adaptor.getLogits(),
                                 adaptor.getLabels())))
    return failure();
  return scalarOf(ctx, adaptor.getLogits(), types);
}

#define DL_PAIR_LOSS_INFERENCE(OP, NAME)                                       \
  LogicalResult OP::inferReturnTypes(MLIRContext *ctx, Loc loc,                \
                                     Adaptor adaptor, Types &types) {          \
    if (failed(                                                                \
            sameShape(loc, NAME, adaptor.getInput(), adaptor.getTarget())) ||  \
        failed(sameElementType(loc, NAME, adaptor.getInput(),                  \
                               adaptor.getTarget())))                          \
      return failure();                                                        \
    return scalarOf(ctx, adaptor.getInput(), types);                           \
  }
DL_PAIR_LOSS_INFERENCE(BinaryCrossEntropyOp, "binary_cross_entropy")
DL_PAIR_LOSS_INFERENCE(MSEOp, "mse")
DL_PAIR_LOSS_INFERENCE(L1Op, "l1")
#undef DL_PAIR_LOSS_INFERENCE

LogicalResult ContrastiveOp::inferReturnTypes(MLIRContext *ctx, Loc loc,
                                              Adaptor adaptor, Types &types) {
  Value a = adaptor.getLhs(), b = adaptor.getRhs();
  if (tensorOf(a).getRank() != 2 ||
      tensorOf(a).getShape() != tensorOf(b).getShape())
    return emitOptionalError(loc,
                             "contrastive: embeddings must both be "
                             "[N, D], got ",
                             shapeOf(a), " and ", shapeOf(b));
  if (failed(sameElementType(loc, "contrastive", a, b)))
    return failure();
  return scalarOf(ctx, a, types);
}

//===----------------------------------------------------------------------===//
// Backward ops
//===----------------------------------------------------------------------===//

LogicalResult Conv2DGradInputOp::inferReturnTypes(MLIRContext *, Loc loc,
                                                  Adaptor adaptor,
                                                  Types &types) {
  StringRef op = "conv2d_grad_input";
  Value dy = adaptor.getGrad(), w = adaptor.getWeight();
  ArrayRef<int64_t> ds = tensorOf(dy).getShape(), ws = tensorOf(w).getShape();
  if (ds.size() != 4 || ws.size() != 4)
    return emitOptionalError(loc, op,
                             ": gradient must be [N, O, OH, OW] and weight "
                             "[O, C, KH, KW], got ",
                             formatShape(ds), " and ", formatShape(ws));
  if (failed(sameElementType(loc, op, dy, w)) ||
      failed(checkInputShape(loc, op, adaptor.getInputShapeAttr(), 4)))
    return failure();
  ArrayRef<int64_t> xs = adaptor.getInputShape();
  if (xs[1] != ws[1])
    return emitOptionalError(loc, op, ": input_shape ", formatShape(xs),
                             " has ", xs[1], " channels but weight ",
                             formatShape(ws), " expects ", ws[1]);
  SmallVector<int64_t> out;
  if (failed(convShape(loc, op, xs, ws,
                       arrayOr(adaptor.getStrideAttr(), {1, 1}),
                       arrayOr(adaptor.getPaddingAttr(), {0, 0}), out)) ||
      failed(gradFits(loc, op, dy, out)))
    return failure();
  types.push_back(withShape(dy, xs));
  return success();
}

LogicalResult Conv2DGradWeightOp::inferReturnTypes(MLIRContext *, Loc loc,
                                                   Adaptor adaptor,
                                                   Types &types) {
  StringRef op = "conv2d_grad_weight";
  Value x = adaptor.getInput(), dy = adaptor.getGrad();
  ArrayRef<int64_t> xs = tensorOf(x).getShape(), ds = tensorOf(dy).getShape();
  if (xs.size() != 4 || ds.size() != 4)
    return emitOptionalError(loc, op,
                             ": input must be [N, C, H, W] and gradient "
                             "[N, O, OH, OW], got ",
                             formatShape(xs), " and ", formatShape(ds));
  if (failed(sameElementType(loc, op, x, dy)) ||
      failed(required(loc, op, "kernel", adaptor.getKernelAttr())) ||
      failed(checkPair(loc, op, "kernel", adaptor.getKernel(), 1)))
    return failure();
  SmallVector<int64_t, 2> kernel = pairOr(adaptor.getKernel(), {1, 1});
  SmallVector<int64_t> ws{ds[1], xs[1], kernel[0], kernel[1]}, out;
  if (failed(convShape(loc, op, xs, ws,
                       arrayOr(adaptor.getStrideAttr(), {1, 1}),
                       arrayOr(adaptor.getPaddingAttr(), {0, 0}), out)) ||
      failed(gradFits(loc, op, dy, out)))
    return failure();
  types.push_back(withShape(x, ws));
  return success();
}

LogicalResult MaxPool2DGradOp::inferReturnTypes(MLIRContext *, Loc loc,
                                                Adaptor adaptor, Types &types) {
  StringRef op = "maxpool2d_grad";
  Value x = adaptor.getInput(), dy = adaptor.getGrad();
  if (failed(required(loc, op, "kernel", adaptor.getKernelAttr())) ||
      failed(required(loc, op, "stride", adaptor.getStrideAttr())) ||
      failed(sameElementType(loc, op, x, dy)))
    return failure();
  SmallVector<int64_t> out;
  if (failed(poolShape(loc, op, tensorOf(x).getShape(), adaptor.getKernel(),
                       adaptor.getStride(),
                       arrayOr(adaptor.getPaddingAttr(), {0, 0}), out)) ||
      failed(gradFits(loc, op, dy, out)))
    return failure();
  types.push_back(x.getType());
  return success();
}

LogicalResult AvgPool2DGradOp::inferReturnTypes(MLIRContext *, Loc loc,
                                                Adaptor adaptor, Types &types) {
  StringRef op = "avgpool2d_grad";
  Value dy = adaptor.getGrad();
  if (failed(required(loc, op, "kernel", adaptor.getKernelAttr())) ||
      failed(required(loc, op, "stride", adaptor.getStrideAttr())) ||
      failed(checkInputShape(loc, op, adaptor.getInputShapeAttr(), 4)))
    return failure();
  SmallVector<int64_t> out;
  if (failed(poolShape(loc, op, adaptor.getInputShape(), adaptor.getKernel(),
                       adaptor.getStride(),
                       arrayOr(adaptor.getPaddingAttr(), {0, 0}), out)) ||
      failed(gradFits(loc, op, dy, out)))
    return failure();
  types.push_back(withShape(dy, adaptor.getInputShape()));
  return success();
}

LogicalResult EmbeddingGradOp::inferReturnTypes(MLIRContext *, Loc loc,
                                                Adaptor adaptor, Types &types) {
  StringRef op = "embedding_grad";
  if (failed(
          required(loc, op, "num_embeddings", adaptor.getNumEmbeddingsAttr())))
    return failure();
  int64_t count = adaptor.getNumEmbeddingsAttr().getInt();
  if (count <= 0)
    return emitOptionalError(loc, op, ": num_embeddings must be positive, got ",
                             count);
  ArrayRef<int64_t> ids = tensorOf(adaptor.getIndices()).getShape(),
                    ds = tensorOf(adaptor.getGrad()).getShape();
  if (ds.size() != ids.size() + 1 || ds.drop_back() != ids)
    return emitOptionalError(loc, op, ": gradient ", formatShape(ds),
                             " must be the indices' shape ", formatShape(ids),
                             " plus an embedding dimension");
  types.push_back(withShape(adaptor.getGrad(), {count, ds.back()}));
  return success();
}

LogicalResult SliceGradOp::inferReturnTypes(MLIRContext *, Loc loc,
                                            Adaptor adaptor, Types &types) {
  StringRef op = "slice_grad";
  if (failed(checkInputShape(loc, op, adaptor.getInputShapeAttr(), -1)) ||
      failed(required(loc, op, "starts", adaptor.getStartsAttr())) ||
      failed(required(loc, op, "limits", adaptor.getLimitsAttr())) ||
      failed(required(loc, op, "strides", adaptor.getStridesAttr())))
    return failure();
  SmallVector<int64_t> out;
  if (failed(sliceShape(loc, op, adaptor.getInputShape(), adaptor.getStarts(),
                        adaptor.getLimits(), adaptor.getStrides(), out)) ||
      failed(gradFits(loc, op, adaptor.getGrad(), out)))
    return failure();
  types.push_back(withShape(adaptor.getGrad(), adaptor.getInputShape()));
  return success();
}
