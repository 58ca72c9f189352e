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
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <array>
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

//===----------------------------------------------------------------------===//
// Strided kernels
//===----------------------------------------------------------------------===//

/// The permutation that swaps heads and tokens: [B, T, H, D] to
/// [B, H, T, D] and back.
constexpr int64_t kSwapHeads[] = {0, 2, 1, 3};

bool swapsHeads(Operation *op) {
  auto transpose = dyn_cast_or_null<dl::TransposeOp>(op);
  return transpose &&
         transpose.getPermutation() == ArrayRef<int64_t>(kSwapHeads);
}

/// The batch entries of a strided call, [outer, inner]: the two leading
/// dimensions of rank-4 operands ([batch, heads]), otherwise every leading
/// dimension in `outer`.
struct Entries {
  int64_t outer, inner;

  explicit Entries(Value q) {
    ArrayRef<int64_t> shape = tensorType(q).getShape();
    if (shape.size() == 4) {
      outer = shape[0];
      inner = shape[1];
      return;
    }
    outer = 1;
    for (int64_t d : shape.drop_back(2))
      outer *= d;
    inner = 1;
  }
};

/// An operand the kernel reads: the tensor whose buffer it reads, and
/// whether that is [outer, T, inner, D] (the heads interleaved: the input
/// of a dl.transpose that swaps them) rather than [outer, inner, T, D].
struct ReadOperand {
  Value tensor;
  bool interleaved;
};

ReadOperand readOperand(OpBuilder &b, Location loc, Value operand,
                        const Entries &entries, Type compute) {
  if (swapsHeads(operand.getDefiningOp()) &&
      tensorType(operand).getElementType() == compute)
    return {operand.getDefiningOp<dl::TransposeOp>().getInput(), true};
  ArrayRef<int64_t> shape = tensorType(operand).getShape();
  return {reshape(b, loc, convert(b, loc, operand, compute),
                  {entries.outer, entries.inner, shape[shape.size() - 2],
                   shape.back()}),
          false};
}

/// An operand's buffer and its strides as the kernel takes them: between
/// outer entries, between inner entries, between rows.
void appendRead(OpBuilder &b, Location loc, const ReadOperand &operand,
                SmallVectorImpl<Value> &buffers,
                SmallVectorImpl<Value> &strides) {
  Value buffer = stridedKernelBuffer(b, loc, operand.tensor);
  SmallVector<Value> s = stridesOf(b, loc, buffer);
  buffers.push_back(buffer);
  if (operand.interleaved)
    strides.append({s[0], s[2], s[1]});
  else
    strides.append({s[0], s[1], s[2]});
}

/// A result the kernel writes: its buffer, [outer, T, inner, D] when a
/// user swaps the heads back (the kernel writes them interleaved, and that
/// user reads the buffer instead of a transposed copy), [outer, inner, T,
/// D] otherwise.
struct WrittenResult {
  Value buffer;
  bool interleaved;
  /// Outer, inner and row strides where the buffer is a view of a larger
  /// one; otherwise they follow from its shape.
  std::optional<std::array<int64_t, 3>> strides = std::nullopt;
};

WrittenResult writtenResult(OpBuilder &b, Location loc, Value result,
                            const Entries &entries, Type compute) {
  ArrayRef<int64_t> shape = tensorType(result).getShape();
  int64_t rows = shape[shape.size() - 2], width = shape.back();
  bool interleave = shape.size() == 4 &&
                    tensorType(result).getElementType() == compute &&
                    llvm::any_of(result.getUsers(), swapsHeads);
  if (interleave)
    return {
        newBuffer(b, loc, {entries.outer, rows, entries.inner, width}, compute),
        true};
  return {
      newBuffer(b, loc, {entries.outer, entries.inner, rows, width}, compute),
      false};
}

/// Where the backward writes dq, dk and dv when a transformer joins them
/// into the gradient of its qkv projection: each swapped back to [B, T, H,
/// D], merged into [B, T, H D] and the three concatenated on the last
/// axis, in any order. The kernel then writes each into its columns of the
/// concatenation, which needs no copies.
struct JoinedGradients {
  dl::ConcatOp concat;
  SmallVector<Operation *> between; // The swaps and merges, users first.
  SmallVector<int64_t> column;      // Where each of dq, dk, dv starts.
};

std::optional<JoinedGradients> joinedGradients(dl::AttentionGradOp op,
                                               Type compute) {
  JoinedGradients joined;
  SmallVector<Value> merged;
  for (Value grad : op.getResults()) {
    ArrayRef<int64_t> shape = tensorType(grad).getShape();
    if (shape.size() != 4 || tensorType(grad).getElementType() != compute ||
        !grad.hasOneUse() || !swapsHeads(*grad.getUsers().begin()))
      return std::nullopt;
    Operation *swap = *grad.getUsers().begin();
    if (!swap->getResult(0).hasOneUse())
      return std::nullopt;
    auto merge =
        dyn_cast<dl::ReshapeOp>(*swap->getResult(0).getUsers().begin());
    if (!merge || !merge.getResult().hasOneUse() ||
        tensorType(merge.getResult()).getShape() !=
            ArrayRef<int64_t>{shape[0], shape[2], shape[1] * shape[3]})
      return std::nullopt;
    auto concat = dyn_cast<dl::ConcatOp>(*merge->getUsers().begin());
    if (!concat || (joined.concat && concat != joined.concat))
      return std::nullopt;
    joined.concat = concat;
    joined.between.append({merge, swap});
    merged.push_back(merge.getResult());
  }
  OperandRange inputs = joined.concat.getInputs();
  int64_t axis = joined.concat.getAxis();
  if (inputs.size() != 3 || (axis != 2 && axis != -1))
    return std::nullopt;
  for (Value grad : merged) {
    int64_t column = 0;
    for (Value input : inputs) {
      if (input == grad)
        break;
      column += tensorType(input).getShape().back();
    }
    joined.column.push_back(column);
  }
  return joined;
}

/// The results of a backward whose gradients are joined: the columns of
/// the concatenation, the heads interleaved.
SmallVector<WrittenResult> joinedResults(OpBuilder &b, Location loc,
                                         dl::AttentionGradOp op,
                                         const JoinedGradients &joined,
                                         Type compute, Value &buffer) {
  dl::ConcatOp concat = joined.concat;
  ArrayRef<int64_t> shape = tensorType(concat.getResult()).getShape();
  buffer = newBuffer(b, loc, shape, compute);
  SmallVector<WrittenResult> results;
  for (auto [grad, column] : llvm::zip(op.getResults(), joined.column)) {
    ArrayRef<int64_t> g = tensorType(grad).getShape(); // [B, H, T, D]
    SmallVector<int64_t> offsets{0, 0, column}, sizes{g[0], g[2], g[1] * g[3]},
        unit{1, 1, 1};
    Value columns =
        memref::SubViewOp::create(b, loc, buffer, offsets, sizes, unit);
    results.push_back(WrittenResult{
        columns, true,
        std::array<int64_t, 3>{shape[1] * shape[2], g[3], shape[2]}});
  }
  return results;
}

void appendWrite(OpBuilder &b, Location loc, const WrittenResult &result,
                 SmallVectorImpl<Value> &buffers,
                 SmallVectorImpl<Value> &strides) {
  if (result.strides) {
    buffers.push_back(result.buffer);
    for (int64_t stride : *result.strides)
      strides.push_back(i64Constant(b, loc, stride));
    return;
  }
  ArrayRef<int64_t> shape =
      cast<MemRefType>(result.buffer.getType()).getShape();
  // [outer, a, b, D], contiguous.
  int64_t rowOfB = shape[3], rowOfA = shape[2] * rowOfB,
          entry = shape[1] * rowOfA;
  buffers.push_back(result.buffer);
  if (result.interleaved)
    strides.append({i64Constant(b, loc, entry), i64Constant(b, loc, rowOfB),
                    i64Constant(b, loc, rowOfA)});
  else
    strides.append({i64Constant(b, loc, entry), i64Constant(b, loc, rowOfA),
                    i64Constant(b, loc, rowOfB)});
}

/// Replaces `result` with what the kernel wrote: users that swap the heads
/// of an interleaved buffer read it directly; any others, its transpose.
void replaceResult(PatternRewriter &b, Location loc, Value result,
                   const WrittenResult &written) {
  Value tensor = asResult(b, loc, written.buffer);
  if (!written.interleaved) {
    b.replaceAllUsesWith(result,
                         fromKernel(b, loc, tensor, tensorType(result)));
    return;
  }
  for (Operation *user : llvm::make_early_inc_range(result.getUsers()))
    if (swapsHeads(user))
      b.replaceOp(user, tensor);
  if (!result.use_empty())
    b.replaceAllUsesWith(
        result, dl::TransposeOp::create(b, loc, tensor,
                                        b.getDenseI64ArrayAttr(kSwapHeads)));
}

/// The scalars of the strided kernels before the strides.
template <typename AttentionLike>
SmallVector<Value>
stridedSizeArguments(OpBuilder &b, Location loc, AttentionLike op,
                     const AttentionSizes &sizes, const Entries &entries,
                     int64_t maskStride, FloatType compute) {
  SmallVector<Value> scalars =
      sizeArguments(b, loc, op, sizes, maskStride, compute);
  scalars[0] = i64Constant(b, loc, entries.outer);
  scalars.insert(scalars.begin() + 1, i64Constant(b, loc, entries.inner));
  return scalars;
}

LogicalResult attentionToStridedKernel(dl::AttentionOp op, PatternRewriter &b,
                                       const AttentionKernelNames &names) {
  Location loc = op.getLoc();
  Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
  AttentionSizes sizes(q, k, v);
  Entries entries(q);
  FloatType compute = computeType(tensorType(q).getElementType(), names);
  SmallVector<ReadOperand> reads;
  for (Value operand : {q, k, v})
    reads.push_back(readOperand(b, loc, operand, entries, compute));
  auto [mask, maskStride] = kernelMask(b, loc, op.getMask(), q, sizes, compute);
  WrittenResult out = writtenResult(b, loc, op.getResult(), entries, compute);
  Value lse = newBuffer(b, loc, {sizes.batch, sizes.queries}, compute);
  // The buffers read are taken last, right before the call.
  Value maskBuffer = kernelBuffer(b, loc, mask);
  SmallVector<Value> buffers, strides;
  for (const ReadOperand &read : reads)
    appendRead(b, loc, read, buffers, strides);
  buffers.push_back(maskBuffer);
  appendWrite(b, loc, out, buffers, strides);
  buffers.push_back(lse);
  SmallVector<Value> scalars =
      stridedSizeArguments(b, loc, op, sizes, entries, maskStride, compute);
  scalars.append(strides);
  callKernel(b, loc, kernelName(names.forward, compute), buffers, scalars);
  b.replaceAllUsesWith(op.getLse(), fromKernel(b, loc, asResult(b, loc, lse),
                                               tensorType(op.getLse())));
  replaceResult(b, loc, op.getResult(), out);
  b.eraseOp(op);
  return success();
}

LogicalResult attentionGradToStridedKernel(dl::AttentionGradOp op,
                                           PatternRewriter &b,
                                           const AttentionKernelNames &names) {
  // The forward first: its output is read where the forward's kernel
  // writes it (heads interleaved, perhaps), which is known only then.
  if (op.getOut().getDefiningOp<dl::AttentionOp>())
    return b.notifyMatchFailure(op, "the forward is not lowered yet");
  Location loc = op.getLoc();
  Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
  AttentionSizes sizes(q, k, v);
  Entries entries(q);
  FloatType compute = computeType(tensorType(q).getElementType(), names);
  SmallVector<ReadOperand> reads;
  for (Value operand : {q, k, v, Value(op.getOut()), Value(op.getDout())})
    reads.push_back(readOperand(b, loc, operand, entries, compute));
  Value lse = reshape(b, loc, convert(b, loc, op.getLse(), compute),
                      {sizes.batch, sizes.queries});
  auto [mask, maskStride] = kernelMask(b, loc, op.getMask(), q, sizes, compute);
  std::optional<JoinedGradients> joined = joinedGradients(op, compute);
  Value joinedBuffer;
  SmallVector<WrittenResult> grads;
  if (joined)
    grads = joinedResults(b, loc, op, *joined, compute, joinedBuffer);
  else
    for (Value result : op.getResults())
      grads.push_back(writtenResult(b, loc, result, entries, compute));
  Value lseBuffer = kernelBuffer(b, loc, lse),
        maskBuffer = kernelBuffer(b, loc, mask);
  // Buffers in the kernel's order: q, k, v, out, lse, dout, mask, dq, dk,
  // dv; strides of q, k, v, out, dout, dq, dk, dv.
  SmallVector<Value> buffers, strides;
  for (const ReadOperand &read : ArrayRef(reads).take_front(4))
    appendRead(b, loc, read, buffers, strides);
  buffers.push_back(lseBuffer);
  appendRead(b, loc, reads[4], buffers, strides);
  buffers.push_back(maskBuffer);
  for (const WrittenResult &grad : grads)
    appendWrite(b, loc, grad, buffers, strides);
  SmallVector<Value> scalars =
      stridedSizeArguments(b, loc, op, sizes, entries, maskStride, compute);
  scalars.append(strides);
  callKernel(b, loc, kernelName(names.backward, compute), buffers, scalars);
  if (joined) {
    b.replaceOp(joined->concat, asResult(b, loc, joinedBuffer));
    for (Operation *between : joined->between)
      b.eraseOp(between);
  } else {
    for (auto [result, grad] : llvm::zip(op.getResults(), grads))
      replaceResult(b, loc, result, grad);
  }
  b.eraseOp(op);
  return success();
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

struct AttentionToKernel : OpRewritePattern<dl::AttentionOp> {
  AttentionToKernel(MLIRContext *context, AttentionKernelNames names)
      : OpRewritePattern(context), names(names) {}

  LogicalResult matchAndRewrite(dl::AttentionOp op,
                                PatternRewriter &b) const override {
    if (names.strided)
      return attentionToStridedKernel(op, b, names);
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
    if (names.strided)
      return attentionGradToStridedKernel(op, b, names);
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
