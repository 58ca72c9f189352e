//===- FlashAttention.cpp - Attention written plainly, made one op --------===//
//
// Part of dlcc. Implements `dl-flash-attention`; see Passes.td.
//
// The match starts at the product with the values and walks up:
//   dl.matmul(dl.softmax(S, last axis), v)
//   S = [dl.add(..., mask)]* (dl.mul|dl.div)(dl.matmul(q, dl.transpose(k)), c)
// Each step must be the only use of what it reads, so that nothing else
// needs the [Tq, Tk] values the new op never stores.
//
//===----------------------------------------------------------------------===//

#include "DL/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::dl {
#define GEN_PASS_DEF_DLFLASHATTENTION
#include "DL/Transforms/Passes.h.inc"
} // namespace mlir::dl

using namespace mlir;
using namespace mlir::dl;

namespace {

/// What the walk up from the softmax found.
struct AttentionParts {
  Value query, key, mask;
  bool causal = false;
  double scale = 1.0;
};

int64_t rankOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getRank();
}

/// The op defining `v` when it is an `OpTy` whose result only `user` uses.
template <typename OpTy> OpTy soleProducer(Value v) {
  auto op = v.getDefiningOp<OpTy>();
  return op && v.hasOneUse() ? op : OpTy();
}

/// A positive finite constant scalar (a splat of any shape that adds no
/// dimensions: broadcasting it must not change the scores' shape).
std::optional<double> positiveScalar(Value v, Value scores) {
  DenseFPElementsAttr constant;
  if (!matchPattern(v, m_Constant(&constant)) || !constant.isSplat() ||
      rankOf(v) > rankOf(scores) ||
      llvm::any_of(cast<RankedTensorType>(v.getType()).getShape(),
                   [](int64_t d) { return d != 1; }))
    return std::nullopt;
  double value = constant.getSplatValue<APFloat>().convertToDouble();
  if (!(std::isfinite(value) && value > 0))
    return std::nullopt;
  return value;
}

/// A transpose of the last two dimensions only.
bool swapsLastTwo(TransposeOp op) {
  ArrayRef<int64_t> perm = op.getPermutation();
  int64_t n = perm.size();
  if (n < 2)
    return false;
  for (int64_t i = 0; i < n - 2; ++i)
    if (perm[i] != i)
      return false;
  return perm[n - 2] == n - 1 && perm[n - 1] == n - 2;
}

/// Records `mask`, added to the scores, in `parts`: a causal mask becomes
/// `causal`; one other mask is kept. False when there would be two.
bool addMask(AttentionParts &parts, Value mask) {
  if (mask.getDefiningOp<CausalMaskOp>() && !parts.causal)
    parts.causal = true;
  else if (!parts.mask)
    parts.mask = mask;
  else
    return false;
  return true;
}

/// Walks from the softmax's input up to q @ transpose(k), filling `parts`.
bool matchScores(Value scores, AttentionParts &parts) {
  // The masks, added last, on either side of each add; the scores are an
  // operand of the sum's own shape.
  if (auto add = soleProducer<AddOp>(scores)) {
    for (auto [candidate, other] : {std::pair(add.getLhs(), add.getRhs()),
                                    std::pair(add.getRhs(), add.getLhs())}) {
      AttentionParts trial = parts;
      if (candidate.getType() == add.getType() && addMask(trial, other) &&
          matchScores(candidate, trial)) {
        parts = trial;
        return true;
      }
    }
    return false;
  }
  // The scale: a positive constant multiplier or divisor, or none.
  if (auto mul = soleProducer<MulOp>(scores)) {
    std::optional<double> c = positiveScalar(mul.getRhs(), mul.getLhs());
    Value product = mul.getLhs();
    if (!c) {
      c = positiveScalar(mul.getLhs(), mul.getRhs());
      product = mul.getRhs();
    }
    if (!c)
      return false;
    parts.scale = *c;
    scores = product;
  } else if (auto div = soleProducer<DivOp>(scores)) {
    std::optional<double> c = positiveScalar(div.getRhs(), div.getLhs());
    if (!c)
      return false;
    parts.scale = 1.0 / *c;
    scores = div.getLhs();
  }
  auto product = soleProducer<MatmulOp>(scores);
  if (!product)
    return false;
  auto transposed = soleProducer<TransposeOp>(product.getRhs());
  if (!transposed || !swapsLastTwo(transposed))
    return false;
  parts.query = product.getLhs();
  parts.key = transposed.getInput();
  return true;
}

struct PlainAttention : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    auto softmax = soleProducer<SoftmaxOp>(op.getLhs());
    if (!softmax)
      return rewriter.notifyMatchFailure(op, "not softmax(...) @ v");
    int64_t rank = rankOf(softmax.getInput());
    int64_t axis = softmax.getAxis();
    if (axis != -1 && axis != rank - 1)
      return rewriter.notifyMatchFailure(op, "softmax over another axis");
    AttentionParts parts;
    if (!matchScores(softmax.getInput(), parts))
      return rewriter.notifyMatchFailure(op, "scores not q @ k^T * c + mask");
    Value v = op.getRhs();
    // dl.attention takes equal leading dimensions (no broadcast batches)
    // and a mask that broadcasts to the scores: its inference decides.
    SmallVector<Value> operands{parts.query, parts.key, v};
    if (parts.mask)
      operands.push_back(parts.mask);
    SmallVector<NamedAttribute> attrs;
    if (parts.causal)
      attrs.push_back(rewriter.getNamedAttr("causal", rewriter.getUnitAttr()));
    attrs.push_back(
        rewriter.getNamedAttr("scale", rewriter.getF64FloatAttr(parts.scale)));
    // The op keeps the block tag of the attention it replaces, for
    // activation checkpointing.
    if (Attribute block = op->getAttr("dl.block"))
      attrs.push_back(rewriter.getNamedAttr("dl.block", block));
    SmallVector<Type> types;
    AttentionOp::Adaptor adaptor(operands, rewriter.getDictionaryAttr(attrs));
    if (failed(AttentionOp::inferReturnTypes(
            getContext(), /*location=*/std::nullopt, adaptor, types)) ||
        types[0] != op.getType())
      return rewriter.notifyMatchFailure(op, "shapes dl.attention rejects");
    if (parts.causal) {
      ArrayRef<int64_t>
          qs = cast<RankedTensorType>(parts.query.getType()).getShape(),
          ks = cast<RankedTensorType>(parts.key.getType()).getShape();
      if (qs[qs.size() - 2] != ks[ks.size() - 2])
        return rewriter.notifyMatchFailure(op, "causal with Tq != Tk");
    }
    auto attention =
        AttentionOp::create(rewriter, op.getLoc(), types, operands, attrs);
    rewriter.replaceOp(op, attention.getResult());
    return success();
  }
};

struct DLFlashAttentionPass
    : mlir::dl::impl::DLFlashAttentionBase<DLFlashAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PlainAttention>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
