//===- CPUKernelCalls.cpp - dl ops to hand-written CPU kernels ------------===//
//
// Part of dlcc. Implements `convert-dl-to-cpu-kernels`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/KernelCalls.h"
#include "compiler/Conversion/DLToLinalg/LoweringUtils.h"
#include "compiler/Conversion/Passes.h"
#include "compiler/Transforms/RuntimeCalls.h"

#include "DL/IR/DLOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlcc {
#define GEN_PASS_DEF_CONVERTDLTOCPUKERNELS
#include "compiler/Conversion/Passes.h.inc"
} // namespace dlcc

using namespace mlir;
using namespace dlcc::lowering;
using namespace dlcc::kernels;

namespace {

/// Whether every value is an f32 tensor of static shape.
bool allStaticF32(ValueRange values) {
  return llvm::all_of(values, [](Value v) {
    RankedTensorType type = tensorType(v);
    return type.getElementType().isF32() && type.hasStaticShape();
  });
}

/// The kernels' integer arguments.
SmallVector<Value> i64Constants(OpBuilder &b, Location loc,
                                ArrayRef<int64_t> values) {
  return llvm::map_to_vector(values,
                             [&](int64_t v) { return i64Constant(b, loc, v); });
}

/// Whether the kernels of kernels/cpu/Conv2D.h compute a convolution of
/// `op`'s operands with this stride: f32, static shapes, stride 1.
bool hasConvolutionKernel(Operation *op, ArrayRef<int64_t> stride) {
  return allStaticF32(op->getOperands()) &&
         llvm::all_of(stride, [](int64_t s) { return s == 1; });
}

/// The sizes every convolution kernel takes after its buffers: batch,
/// channels, height, width of the input; filters, kernel height and width;
/// padding.
SmallVector<Value> convolutionSizes(OpBuilder &b, Location loc,
                                    ArrayRef<int64_t> input,
                                    ArrayRef<int64_t> weight,
                                    ArrayRef<int64_t> padding) {
  return i64Constants(b, loc,
                      {input[0], input[1], input[2], input[3], weight[0],
                       weight[2], weight[3], padding[0], padding[1]});
}

/// Calls `kernel` on `operands` and new f32 buffers of `shapes`, which it
/// writes and which replace `op`'s results.
void replaceWithKernel(PatternRewriter &b, Operation *op, StringRef kernel,
                       ValueRange operands, ArrayRef<ArrayRef<int64_t>> shapes,
                       ValueRange sizes) {
  Location loc = op->getLoc();
  SmallVector<Value> results =
      llvm::map_to_vector(shapes, [&](ArrayRef<int64_t> shape) {
        return newBuffer(b, loc, shape, b.getF32Type());
      });
  SmallVector<Value> buffers(operands);
  buffers.append(results);
  callKernel(b, loc, kernel, buffers, sizes);
  b.replaceOp(op, llvm::map_to_vector(results, [&](Value result) {
                return asResult(b, loc, result);
              }));
}

struct Conv2DToKernel : OpRewritePattern<dl::Conv2DOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::Conv2DOp op,
                                PatternRewriter &b) const override {
    if (!hasConvolutionKernel(op, op.getStride()))
      return b.notifyMatchFailure(op, "no kernel for this convolution");
    replaceWithKernel(b, op, "dl_conv2d_fwd_f32",
                      {op.getInput(), op.getWeight(), op.getBias()},
                      {op.getType().getShape()},
                      convolutionSizes(b, op.getLoc(),
                                       tensorType(op.getInput()).getShape(),
                                       tensorType(op.getWeight()).getShape(),
                                       op.getPadding()));
    return success();
  }
};

/// The kernel convolves dy with the flipped filters, padded by the kernel's
/// size - 1 - the padding, which must not be negative.
struct Conv2DGradInputToKernel : OpRewritePattern<dl::Conv2DGradInputOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::Conv2DGradInputOp op,
                                PatternRewriter &b) const override {
    ArrayRef<int64_t> ws = tensorType(op.getWeight()).getShape(),
                      pad = op.getPadding();
    if (!hasConvolutionKernel(op, op.getStride()) || pad[0] > ws[2] - 1 ||
        pad[1] > ws[3] - 1)
      return b.notifyMatchFailure(op, "no kernel for this convolution");
    replaceWithKernel(
        b, op, "dl_conv2d_grad_input_f32", {op.getGrad(), op.getWeight()},
        {op.getInputShape()},
        convolutionSizes(b, op.getLoc(), op.getInputShape(), ws, pad));
    return success();
  }
};

struct Conv2DGradWeightToKernel : OpRewritePattern<dl::Conv2DGradWeightOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::Conv2DGradWeightOp op,
                                PatternRewriter &b) const override {
    if (!hasConvolutionKernel(op, op.getStride()))
      return b.notifyMatchFailure(op, "no kernel for this convolution");
    ArrayRef<int64_t> ws = op.getType().getShape();
    replaceWithKernel(
        b, op, "dl_conv2d_grad_weight_f32", {op.getInput(), op.getGrad()}, {ws},
        convolutionSizes(b, op.getLoc(), tensorType(op.getInput()).getShape(),
                         ws, op.getPadding()));
    return success();
  }
};

struct MaxPool2DGradToKernel : OpRewritePattern<dl::MaxPool2DGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::MaxPool2DGradOp op,
                                PatternRewriter &b) const override {
    if (!allStaticF32(op->getOperands()))
      return b.notifyMatchFailure(op, "not f32 of static shape");
    ArrayRef<int64_t> is = tensorType(op.getInput()).getShape(),
                      ds = tensorType(op.getGrad()).getShape();
    replaceWithKernel(b, op, "dl_maxpool2d_grad_f32",
                      {op.getInput(), op.getGrad()}, {is},
                      i64Constants(b, op.getLoc(),
                                   {is[0], is[1], is[2], is[3], ds[2], ds[3],
                                    op.getKernel()[0], op.getKernel()[1],
                                    op.getStride()[0], op.getStride()[1],
                                    op.getPadding()[0], op.getPadding()[1]}));
    return success();
  }
};

/// The batch-norm kernels' sizes, [N, C] or [N, C, H, W] as [N, C, H*W],
/// then `scalars` (eps, and the forward's momentum) as f64.
SmallVector<Value> batchNormSizes(OpBuilder &b, Location loc,
                                  ArrayRef<int64_t> xs,
                                  ArrayRef<double> scalars) {
  SmallVector<Value> sizes =
      i64Constants(b, loc, {xs[0], xs[1], xs.size() == 4 ? xs[2] * xs[3] : 1});
  for (double scalar : scalars)
    sizes.push_back(
        arith::ConstantOp::create(b, loc, b.getF64FloatAttr(scalar)));
  return sizes;
}

/// Calls a batch-norm kernel: `operands` read, three results written, the
/// first shaped as the input, the others per channel.
void replaceWithBatchNormKernel(PatternRewriter &b, Operation *op,
                                StringRef kernel, ValueRange operands,
                                ArrayRef<double> scalars) {
  ArrayRef<int64_t> xs = tensorType(operands[0]).getShape();
  int64_t channels[] = {xs[1]};
  replaceWithKernel(b, op, kernel, operands, {xs, channels, channels},
                    batchNormSizes(b, op->getLoc(), xs, scalars));
}

/// Training-mode batch norm: the output and the new running statistics.
struct BatchNormToKernel : OpRewritePattern<dl::BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::BatchNormOp op,
                                PatternRewriter &b) const override {
    if (!op.getTraining() || !allStaticF32(op->getOperands()))
      return b.notifyMatchFailure(op, "not training, or not f32");
    replaceWithBatchNormKernel(
        b, op, "dl_batchnorm_train_f32", op->getOperands(),
        {op.getEps().convertToDouble(), op.getMomentum().convertToDouble()});
    return success();
  }
};

/// The training-mode batch norm's gradient: dx, dweight and dbias.
struct BatchNormGradToKernel : OpRewritePattern<dl::BatchNormGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::BatchNormGradOp op,
                                PatternRewriter &b) const override {
    if (!allStaticF32(op->getOperands()))
      return b.notifyMatchFailure(op, "not f32 of static shape");
    replaceWithBatchNormKernel(b, op, "dl_batchnorm_grad_f32",
                               op->getOperands(),
                               {op.getEps().convertToDouble()});
    return success();
  }
};

/// A linear classifier's backward (kernels/cpu/Classifier.h): the logits'
/// gradient a block of rows at a time, in a buffer of blockRows x classes
/// that the memory plan places (a MiB of f32, or every row when fewer fit).
struct ClassifierGradToKernel : OpRewritePattern<dl::ClassifierGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::ClassifierGradOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    ArrayRef<int64_t> logits = op.getLogits().getType().getShape();
    int64_t rows = logits[0], classes = logits[1];
    int64_t features = op.getInput().getType().getShape()[1];
    constexpr int64_t kBlockElements = 1 << 18;
    int64_t blockRows = std::clamp<int64_t>(kBlockElements / classes, 1, rows);
    Type f32 = b.getF32Type();
    SmallVector<Value> results{newBuffer(b, loc, {rows, features}, f32),
                               newBuffer(b, loc, {classes, features}, f32),
                               newBuffer(b, loc, {classes}, f32)};
    SmallVector<Value> scratch{newBuffer(b, loc, {blockRows, classes}, f32),
                               newBuffer(b, loc, {rows}, f32),
                               newBuffer(b, loc, {rows}, f32),
                               newBuffer(b, loc, {rows}, f32)};
    SmallVector<Value> buffers{op.getLogits(), op.getLabels(), op.getGrad(),
                               op.getInput(), op.getWeight()};
    llvm::append_range(buffers, results);
    llvm::append_range(buffers, scratch);
    SmallVector<Value> sizes =
        i64Constants(b, loc, {rows, classes, features, blockRows});
    sizes.push_back(
        f32Constant(b, loc, op.getLabelSmoothing().convertToDouble()));
    sizes.push_back(i64Constant(b, loc, op.getIgnoreIndex()));
    callKernel(b, loc, "dl_classifier_grad_f32", buffers, sizes);
    b.replaceOp(op, llvm::map_to_vector(results, [&](Value result) {
                  return asResult(b, loc, result);
                }));
    return success();
  }
};

/// Whether `a` and `b` are one buffer: the same value, or views of the
/// same memory at the same constant offset (dl-lower-to-arena makes a view
/// for each read and each write of a parameter).
bool sameBuffer(Value a, Value b) {
  if (a == b)
    return true;
  auto viewA = a.getDefiningOp<memref::ViewOp>();
  auto viewB = b.getDefiningOp<memref::ViewOp>();
  APInt shiftA, shiftB;
  return viewA && viewB && viewA.getSource() == viewB.getSource() &&
         viewA.getType() == viewB.getType() && viewA.getSizes().empty() &&
         viewB.getSizes().empty() &&
         matchPattern(viewA.getByteShift(), m_ConstantInt(&shiftA)) &&
         matchPattern(viewB.getByteShift(), m_ConstantInt(&shiftB)) &&
         shiftA == shiftB;
}

/// The buffer `result` is stored into, when `input`'s new value may be
/// written over it in place: `result` is only stored into the buffer that
/// `input` was read from, and every other use of `input` comes before `op`
/// (the step's dl.assign of a parameter or moment it has read).
bufferization::MaterializeInDestinationOp
storeInPlace(Operation *op, Value input, Value result) {
  if (!result.hasOneUse())
    return {};
  auto store =
      dyn_cast<bufferization::MaterializeInDestinationOp>(*result.user_begin());
  auto read = input.getDefiningOp<bufferization::ToTensorOp>();
  if (!store || !read || !read.getRestrict() || !store.getRestrict() ||
      !isa<BaseMemRefType>(store.getDest().getType()) ||
      !sameBuffer(read.getBuffer(), store.getDest()))
    return {};
  bool readAfter = llvm::any_of(input.getUsers(), [&](Operation *user) {
    return user != op &&
           (user->getBlock() != op->getBlock() || !user->isBeforeInBlock(op));
  });
  return readAfter ? bufferization::MaterializeInDestinationOp() : store;
}

/// AdamW over every parameter in one call, dl_adamw_all_f32 (see
/// kernels/cpu/AdamW.h), with a table of each tensor's addresses on the
/// stack. New parameters and moments are written over the old ones where
/// they are only stored back (as the step's are), else into new buffers.
struct AdamWUpdateToKernel : OpRewritePattern<dl::AdamWUpdateOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::AdamWUpdateOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    int64_t count = op.getParams().size();
    // Per tensor: param, grad, exp_avg, exp_avg_sq, their three new
    // values; and per new value its buffer and the store it replaces.
    SmallVector<std::array<Value, 7>> operands(count);
    constexpr int kOldValue[3] = {0, 2, 3}; // Of new value k, in a row.
    SmallVector<bufferization::MaterializeInDestinationOp> stores;
    SmallVector<std::pair<Value, Value>> resultBuffers;
    for (int64_t i = 0; i < count; ++i) {
      operands[i] = {op.getParams()[i], op.getGrads()[i], op.getExpAvgs()[i],
                     op.getExpAvgSqs()[i]};
      Value results[3] = {op.getNewParams()[i], op.getNewExpAvgs()[i],
                          op.getNewExpAvgSqs()[i]};
      for (int k = 0; k < 3; ++k) {
        Value input = operands[i][kOldValue[k]];
        if (auto store = storeInPlace(op, input, results[k])) {
          // The buffer as read: the store's view of it comes after `op`.
          Value buffer =
              input.getDefiningOp<bufferization::ToTensorOp>().getBuffer();
          stores.push_back(store);
          operands[i][kOldValue[k]] = buffer;
          operands[i][4 + k] = buffer;
          continue;
        }
        auto type = cast<RankedTensorType>(results[k].getType());
        operands[i][4 + k] =
            newBuffer(b, loc, type.getShape(), type.getElementType());
        resultBuffers.push_back({results[k], operands[i][4 + k]});
      }
    }

    // The table, filled after every buffer exists (see callKernel).
    auto tableType = MemRefType::get({count, 8}, b.getI64Type());
    Value table = memref::AllocaOp::create(b, loc, tableType);
    auto index = [&](int64_t value) {
      return arith::ConstantIndexOp::create(b, loc, value).getResult();
    };
    for (int64_t i = 0; i < count; ++i) {
      for (int k = 0; k < 7; ++k) {
        Value address = dlcc::elementAddress(
            b, loc, kernelBuffer(b, loc, operands[i][k]), {});
        memref::StoreOp::create(b, loc, address, table, {index(i), index(k)});
      }
      int64_t n =
          cast<RankedTensorType>(op.getParams()[i].getType()).getNumElements();
      memref::StoreOp::create(b, loc, i64Constant(b, loc, n), table,
                              {index(i), index(7)});
    }
    SmallVector<Value> buffers{table};
    llvm::append_range(buffers, op.getHypers());
    callKernel(b, loc, "dl_adamw_all_f32", buffers,
               {i64Constant(b, loc, count)});
    for (auto store : stores)
      b.eraseOp(store);
    for (auto [result, buffer] : resultBuffers)
      b.replaceAllUsesWith(result, asResult(b, loc, buffer));
    b.eraseOp(op);
    return success();
  }
};

struct ConvertDLToCPUKernels
    : dlcc::impl::ConvertDLToCPUKernelsBase<ConvertDLToCPUKernels> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns
        .add<Conv2DToKernel, Conv2DGradInputToKernel, Conv2DGradWeightToKernel,
             MaxPool2DGradToKernel, BatchNormToKernel, BatchNormGradToKernel,
             AdamWUpdateToKernel, ClassifierGradToKernel>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
