//===- FuseClassifier.cpp - A classifier's backward as one op -------------===//
//
// Part of dlcc. Implements `dl-fuse-classifier`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "DL/IR/DLOps.h"
#include "DL/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::dl {
#define GEN_PASS_DEF_DLFUSECLASSIFIER
#include "DL/Transforms/Passes.h.inc"
} // namespace mlir::dl

using namespace mlir;
using namespace mlir::dl;

namespace {

RankedTensorType tensorTypeOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// The classifier's backward found among the users of the [N, C] loss
/// gradient: each op and what it multiplies the gradient with.
struct ClassifierBackward {
  MatmulOp inputGrad;  ///< g @ weight
  Value weight;        ///< [C, D]
  TransposeOp gradT;   ///< transpose(g)
  MatmulOp weightGrad; ///< transpose(g) @ input
  Value input;         ///< [N, D]
  SumOp biasGrad;      ///< sum(g, 0)
};

/// Whether `users` of the gradient `g` ([N, C]) are all classifier
/// backward ops, at most one of each, with the input's and the weight's
/// gradient both there.
std::optional<ClassifierBackward> classifierBackward(Value g) {
  ClassifierBackward found;
  auto is2D = [](Value v) { return tensorTypeOf(v).getRank() == 2; };
  for (Operation *user : g.getUsers()) {
    if (auto matmul = dyn_cast<MatmulOp>(user)) {
      if (found.inputGrad || matmul.getLhs() != g || matmul.getRhs() == g ||
          !is2D(matmul.getRhs()))
        return std::nullopt;
      found.inputGrad = matmul;
      found.weight = matmul.getRhs();
    } else if (auto transpose = dyn_cast<TransposeOp>(user)) {
      ArrayRef<int64_t> perm = transpose.getPermutation();
      if (found.gradT || perm.size() != 2 || perm[0] != 1 || perm[1] != 0 ||
          !transpose->hasOneUse())
        return std::nullopt;
      auto matmul = dyn_cast<MatmulOp>(*transpose->user_begin());
      if (!matmul || matmul.getLhs() != transpose.getResult() ||
          matmul.getRhs() == transpose.getResult() || !is2D(matmul.getRhs()))
        return std::nullopt;
      found.gradT = transpose;
      found.weightGrad = matmul;
      found.input = matmul.getRhs();
    } else if (auto sum = dyn_cast<SumOp>(user)) {
      if (found.biasGrad || sum.getKeepdim() ||
          sum.getAxes() != ArrayRef<int64_t>{0})
        return std::nullopt;
      found.biasGrad = sum;
    } else {
      return std::nullopt;
    }
  }
  if (!found.inputGrad || !found.weightGrad)
    return std::nullopt;
  return found;
}

/// Whether `fn` computes the loss of `logits` and `labels` (which checks
/// the labels).
bool hasForwardLoss(Operation *fn, Value logits, Value labels) {
  return fn
      ->walk([&](CrossEntropyOp loss) {
        return loss.getLogits() == logits && loss.getLabels() == labels
                   ? WalkResult::interrupt()
                   : WalkResult::advance();
      })
      .wasInterrupted();
}

/// Replaces `grad`'s classifier backward by one dl.classifier_grad.
void fuse(CrossEntropyGradOp grad, Operation *fn) {
  Value logits = grad.getLogits(), labels = grad.getLabels();
  auto logitsType = tensorTypeOf(logits);
  if (!logitsType.getElementType().isF32() ||
      !tensorTypeOf(labels).getElementType().isInteger(32) ||
      !tensorTypeOf(grad.getGrad()).getElementType().isF32() ||
      !hasForwardLoss(fn, logits, labels))
    return;
  int64_t classes = logitsType.getShape().back();
  int64_t rows = logitsType.getNumElements() / classes;
  // The gradient as [N, C]: itself, or its one reshape.
  Value g = grad.getResult();
  ReshapeOp reshape;
  if (logitsType.getRank() != 2) {
    if (!g.hasOneUse())
      return;
    reshape = dyn_cast<ReshapeOp>(*g.user_begin());
    if (!reshape || tensorTypeOf(reshape.getResult()).getShape() !=
                        ArrayRef<int64_t>{rows, classes})
      return;
    g = reshape.getResult();
  }
  std::optional<ClassifierBackward> backward = classifierBackward(g);
  if (!backward)
    return;
  // Built where the first of the ops it replaces was: what it reads must
  // be there by then (the forward's values always are).
  Operation *first = backward->inputGrad;
  for (Operation *op :
       {(Operation *)backward->gradT, (Operation *)backward->biasGrad})
    if (op && op->isBeforeInBlock(first))
      first = op;
  Value needs[] = {logits, labels, grad.getGrad(), backward->input,
                   backward->weight};
  for (Value needed : needs)
    if (Operation *def = needed.getDefiningOp();
        def &&
        (def->getBlock() != first->getBlock() || !def->isBeforeInBlock(first)))
      return;
  OpBuilder b(first);
  Location loc = grad.getLoc();
  auto flat = [&](Value v, ArrayRef<int64_t> shape) -> Value {
    auto type = tensorTypeOf(v);
    if (type.getShape() == shape)
      return v;
    return ReshapeOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), v);
  };
  Value flatLogits = flat(logits, {rows, classes});
  Value flatLabels = flat(labels, {rows});
  auto fused = ClassifierGradOp::create(
      b, loc, flatLogits, flatLabels, grad.getGrad(), backward->input,
      backward->weight, grad.getLabelSmoothing().convertToDouble(),
      grad.getIgnoreIndex());
  backward->inputGrad.getResult().replaceAllUsesWith(fused.getInputGrad());
  backward->weightGrad.getResult().replaceAllUsesWith(fused.getWeightGrad());
  backward->inputGrad.erase();
  backward->weightGrad.erase();
  backward->gradT.erase();
  if (backward->biasGrad) {
    backward->biasGrad.getResult().replaceAllUsesWith(fused.getBiasGrad());
    backward->biasGrad.erase();
  }
  if (reshape)
    reshape.erase();
  grad.erase();
}

struct DLFuseClassifierPass
    : mlir::dl::impl::DLFuseClassifierBase<DLFuseClassifierPass> {
  void runOnOperation() override {
    getOperation().walk([](func::FuncOp fn) {
      SmallVector<CrossEntropyGradOp> grads;
      fn.walk([&](CrossEntropyGradOp grad) { grads.push_back(grad); });
      for (CrossEntropyGradOp grad : grads)
        fuse(grad, fn);
    });
  }
};

} // namespace
