//===- CPUKernelCalls.cpp - dl ops to hand-written CPU kernels ------------===//
//
// Part of dlcc. Implements `convert-dl-to-cpu-kernels`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/AdamWKernel.h"
#include "compiler/Conversion/DLToLinalg/AttentionKernels.h"
#include "compiler/Conversion/DLToLinalg/KernelCalls.h"
#include "compiler/Conversion/DLToLinalg/LoweringUtils.h"
#include "compiler/Conversion/Passes.h"
#include "compiler/Transforms/RuntimeCalls.h"

#include "DL/IR/DLOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
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

/// The max-pooling kernels' sizes: the input's [N, C, H, W], the output's
/// height and width (`os`), the kernel, the stride and the padding.
template <typename PoolOp>
SmallVector<Value> poolingSizes(OpBuilder &b, PoolOp op, ArrayRef<int64_t> os) {
  ArrayRef<int64_t> is = tensorType(op.getInput()).getShape();
  return i64Constants(b, op.getLoc(),
                      {is[0], is[1], is[2], is[3], os[2], os[3],
                       op.getKernel()[0], op.getKernel()[1], op.getStride()[0],
                       op.getStride()[1], op.getPadding()[0],
                       op.getPadding()[1]});
}

struct MaxPool2DToKernel : OpRewritePattern<dl::MaxPool2DOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::MaxPool2DOp op,
                                PatternRewriter &b) const override {
    if (!allStaticF32(op->getOperands()))
      return b.notifyMatchFailure(op, "not f32 of static shape");
    ArrayRef<int64_t> os = op.getType().getShape();
    replaceWithKernel(b, op, "dl_maxpool2d_f32", {op.getInput()}, {os},
                      poolingSizes(b, op, os));
    return success();
  }
};

struct MaxPool2DGradToKernel : OpRewritePattern<dl::MaxPool2DGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::MaxPool2DGradOp op,
                                PatternRewriter &b) const override {
    if (!allStaticF32(op->getOperands()))
      return b.notifyMatchFailure(op, "not f32 of static shape");
    ArrayRef<int64_t> is = tensorType(op.getInput()).getShape();
    replaceWithKernel(b, op, "dl_maxpool2d_grad_f32",
                      {op.getInput(), op.getGrad()}, {is},
                      poolingSizes(b, op, tensorType(op.getGrad()).getShape()));
    return success();
  }
};

/// A normalization kernel's scalar arguments: `sizes` as i64, then
/// `scalars` (eps, and the batch-norm forward's momentum) as f64.
SmallVector<Value> normSizes(OpBuilder &b, Location loc,
                             ArrayRef<int64_t> sizes,
                             ArrayRef<double> scalars) {
  SmallVector<Value> values = i64Constants(b, loc, sizes);
  for (double scalar : scalars)
    values.push_back(
        arith::ConstantOp::create(b, loc, b.getF64FloatAttr(scalar)));
  return values;
}

/// The batch-norm kernels' sizes, [N, C] or [N, C, H, W] as [N, C, H*W],
/// then `scalars`.
SmallVector<Value> batchNormSizes(OpBuilder &b, Location loc,
                                  ArrayRef<int64_t> xs,
                                  ArrayRef<double> scalars) {
  return normSizes(b, loc, {xs[0], xs[1], xs.size() == 4 ? xs[2] * xs[3] : 1},
                   scalars);
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

/// Training-mode batch norm whose output only a ReLU reads: both in one
/// pass over the tensor (dl_batchnorm_relu_train_f32), the batch norm's own
/// output never stored. Tried before BatchNormToKernel.
struct BatchNormReluToKernel : OpRewritePattern<dl::BatchNormOp> {
  explicit BatchNormReluToKernel(MLIRContext *context)
      : OpRewritePattern(context, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(dl::BatchNormOp op,
                                PatternRewriter &b) const override {
    if (!op.getTraining() || !allStaticF32(op->getOperands()))
      return b.notifyMatchFailure(op, "not training, or not f32");
    Value result = op.getResult();
    auto relu = result.hasOneUse()
                    ? dyn_cast<dl::ReluOp>(*result.getUsers().begin())
                    : dl::ReluOp();
    if (!relu)
      return b.notifyMatchFailure(op, "its output is not a ReLU's alone");
    replaceWithBatchNormKernel(
        b, op, "dl_batchnorm_relu_train_f32", op->getOperands(),
        {op.getEps().convertToDouble(), op.getMomentum().convertToDouble()});
    // The kernel's y now stands for the batch norm's output: the ReLU's.
    b.replaceOp(relu, relu->getOperand(0));
    return success();
  }
};

/// The gradient of a batch norm of dy where y > 0 and 0 elsewhere
/// (`where(compare gt(y, 0), dy, 0)`, the gradient through a ReLU whose
/// output is y) when nothing else reads that masked gradient: the kernel
/// masks dy as it reads it (dl_batchnorm_relu_grad_f32). Tried before
/// BatchNormGradToKernel.
struct BatchNormReluGradToKernel : OpRewritePattern<dl::BatchNormGradOp> {
  explicit BatchNormReluGradToKernel(MLIRContext *context)
      : OpRewritePattern(context, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(dl::BatchNormGradOp op,
                                PatternRewriter &b) const override {
    if (!allStaticF32(op->getOperands()))
      return b.notifyMatchFailure(op, "not f32 of static shape");
    auto where = op.getGrad().getDefiningOp<dl::WhereOp>();
    if (!where || !where->hasOneUse() ||
        !matchPattern(where.getRhs(), m_PosZeroFloat()))
      return b.notifyMatchFailure(op, "dy is not a masked gradient alone");
    auto compare = where.getCondition().getDefiningOp<dl::CompareOp>();
    if (!compare || compare.getPredicate() != dl::ComparePredicate::gt ||
        !matchPattern(compare.getRhs(), m_AnyZeroFloat()))
      return b.notifyMatchFailure(op, "the mask is not y > 0");
    Value dy = where.getLhs(), y = compare.getLhs();
    // Neither may broadcast: each has the input's shape.
    if (dy.getType() != op.getGrad().getType() ||
        y.getType() != op.getGrad().getType())
      return b.notifyMatchFailure(op, "the mask or dy broadcasts");
    replaceWithBatchNormKernel(b, op, "dl_batchnorm_relu_grad_f32",
                               {op.getInput(), op.getWeight(), dy, y},
                               {op.getEps().convertToDouble()});
    return success();
  }
};

/// A layer norm's input as rows of its last dimension: rows, size; none
/// when the kernels do not take the op (not f32 of static, non-empty
/// shape).
std::optional<std::pair<int64_t, int64_t>> layerNormRows(Operation *op,
                                                         Value input) {
  RankedTensorType type = tensorType(input);
  if (!allStaticF32(op->getOperands()) || type.getNumElements() == 0)
    return std::nullopt;
  int64_t size = type.getShape().back();
  return std::make_pair(type.getNumElements() / size, size);
}

/// Layer normalization (kernels/cpu/LayerNorm.h): a row at a time, read
/// once.
struct LayerNormToKernel : OpRewritePattern<dl::LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::LayerNormOp op,
                                PatternRewriter &b) const override {
    auto rows = layerNormRows(op, op.getInput());
    if (!rows)
      return b.notifyMatchFailure(op, "not f32 of static, non-empty shape");
    replaceWithKernel(b, op, "dl_layernorm_f32", op->getOperands(),
                      {tensorType(op.getInput()).getShape()},
                      normSizes(b, op.getLoc(), {rows->first, rows->second},
                                {op.getEps().convertToDouble()}));
    return success();
  }
};

/// Its gradient: dx, dweight and dbias in one pass over x and dy, the rows
/// in at most 64 blocks whose column sums go to scratch the memory plan
/// places.
struct LayerNormGradToKernel : OpRewritePattern<dl::LayerNormGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::LayerNormGradOp op,
                                PatternRewriter &b) const override {
    auto rowsAndSize = layerNormRows(op, op.getInput());
    if (!rowsAndSize)
      return b.notifyMatchFailure(op, "not f32 of static, non-empty shape");
    Location loc = op.getLoc();
    auto [rows, size] = *rowsAndSize;
    constexpr int64_t kMaxBlocks = 64;
    int64_t blockRows = (rows + kMaxBlocks - 1) / kMaxBlocks;
    int64_t blocks = (rows + blockRows - 1) / blockRows;
    Type f32 = b.getF32Type();
    SmallVector<Value> results{
        newBuffer(b, loc, tensorType(op.getInput()).getShape(), f32),
        newBuffer(b, loc, {size}, f32), newBuffer(b, loc, {size}, f32)};
    SmallVector<Value> buffers{op.getInput(), op.getWeight(), op.getGrad()};
    llvm::append_range(buffers, results);
    buffers.push_back(newBuffer(b, loc, {blocks, 2, size}, f32));
    callKernel(b, loc, "dl_layernorm_grad_f32", buffers,
               normSizes(b, loc, {rows, size, blockRows},
                         {op.getEps().convertToDouble()}));
    b.replaceOp(op, llvm::map_to_vector(results, [&](Value result) {
                  return asResult(b, loc, result);
                }));
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

struct ConvertDLToCPUKernels
    : dlcc::impl::ConvertDLToCPUKernelsBase<ConvertDLToCPUKernels> {
  using ConvertDLToCPUKernelsBase::ConvertDLToCPUKernelsBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns
        .add<Conv2DToKernel, Conv2DGradInputToKernel, Conv2DGradWeightToKernel,
             MaxPool2DToKernel, MaxPool2DGradToKernel, BatchNormToKernel,
             BatchNormGradToKernel, LayerNormToKernel, LayerNormGradToKernel,
             ClassifierGradToKernel>(&getContext());
    if (fuseRelu)
      patterns.add<BatchNormReluToKernel, BatchNormReluGradToKernel>(
          &getContext());
    dlcc::populateAdamWKernelCall(patterns, "dl_adamw_all_f32");
    dlcc::populateAttentionKernelCalls(patterns, dlcc::kCPUAttentionKernels);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
