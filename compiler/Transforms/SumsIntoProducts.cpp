//===- SumsIntoProducts.cpp - Products accumulated onto their sums --------===//
//
// Part of dlcc. Implements `dl-sums-into-products`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/BufferOps.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace dlcc {
#define GEN_PASS_DEF_DLSUMSINTOPRODUCTS
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlcc

using namespace mlir;
using namespace dlcc;

namespace {

/// Whether `arg` reaches the yield of `body` through a chain of arith.addf,
/// each value of it used once: the yielded value is `arg` plus terms that
/// do not depend on it.
bool isAddedTerm(Block &body, BlockArgument arg) {
  Value value = arg;
  while (value.hasOneUse()) {
    Operation *user = *value.getUsers().begin();
    if (isa<linalg::YieldOp>(user))
      return user->getNumOperands() == 1;
    if (!isa<arith::AddFOp>(user) || user->getOperand(0) == user->getOperand(1))
      return false;
    value = user->getResult(0);
  }
  return false;
}

/// One rewrite: `product` (a linalg.matmul into the zero-filled fresh
/// buffer `c`) and `sum`, the elementwise op after it that adds the
/// product (through `input`, c or an expand_shape of it) to other terms.
struct Candidate {
  linalg::MatmulOp product;
  linalg::FillOp zeros;
  linalg::GenericOp sum;
  OpOperand *input;
};

/// The op after `product` that adds its result to other terms, when the
/// rewrite applies; see Passes.td for the conditions.
std::optional<Candidate> candidateFor(linalg::MatmulOp product) {
  if (!product.hasPureBufferSemantics())
    return std::nullopt;
  Value c = product.getDpsInits()[0];
  auto cType = dyn_cast<MemRefType>(c.getType());
  if (!c.getDefiningOp<memref::AllocOp>() || !cType ||
      !cType.getElementType().isF32())
    return std::nullopt;
  linalg::FillOp zeros = zeroFillOf(product, c);
  if (!zeros)
    return std::nullopt;
  auto sum = dyn_cast_or_null<linalg::GenericOp>(nextOpTouchingMemory(product));
  if (!sum || !sum.hasPureBufferSemantics() || sum.getNumDpsInits() != 1 ||
      sum.getNumLoops() != sum.getNumParallelLoops())
    return std::nullopt;
  OpOperand &out = sum.getDpsInitsMutable()[0];
  Value d = out.get();
  auto dType = cast<MemRefType>(d.getType());
  if (sum.payloadUsesValueFromOperand(&out) ||
      !dType.getLayout().isIdentity() ||
      !sum.getMatchingIndexingMap(&out).isIdentity())
    return std::nullopt;
  // The product's result read once, as it is or reshaped to the sum's
  // shape, element for element.
  OpOperand *input = nullptr;
  for (OpOperand *operand : sum.getDpsInputOperands()) {
    if (viewRoot(operand->get()) != c)
      continue;
    if (input)
      return std::nullopt;
    input = operand;
  }
  auto expand = input ? input->get().getDefiningOp<memref::ExpandShapeOp>()
                      : memref::ExpandShapeOp();
  if (!input || !sum.getMatchingIndexingMap(input).isIdentity() ||
      input->get().getType() != d.getType() ||
      (input->get() != c && (!expand || expand.getSrc() != c)))
    return std::nullopt;
  if (!isAddedTerm(sum.getRegion().front(),
                   sum.getMatchingBlockArgument(input)))
    return std::nullopt;
  // The product writes d instead: d must not be one of its operands, and
  // the sum's other operands must exist before it (views made after it
  // would have to move).
  for (Value operand : product.getDpsInputs())
    if (viewRoot(operand) == viewRoot(d))
      return std::nullopt;
  for (OpOperand *operand : sum.getDpsInputOperands()) {
    Operation *def = operand->get().getDefiningOp();
    if (operand != input && def && def->getBlock() == product->getBlock() &&
        product->isBeforeInBlock(def))
      return std::nullopt;
  }
  Operation *dDef = d.getDefiningOp();
  if (dDef && dDef->getBlock() == product->getBlock() &&
      product->isBeforeInBlock(dDef) && !isa<memref::AllocOp>(dDef))
    return std::nullopt;
  // Nothing else reads c: besides the fill, the product and the view the
  // sum reads, its first user after the sum overwrites it, if any.
  Operation *view = input->get() == c ? nullptr : input->get().getDefiningOp();
  if (view && !input->get().hasOneUse())
    return std::nullopt;
  // Accesses of c after the sum, through reshapes of it (which cover all
  // of it): the first must overwrite what it accesses.
  std::pair<Operation *, Value> first{nullptr, Value()};
  SmallVector<Value> worklist{c};
  while (!worklist.empty()) {
    Value buffer = worklist.pop_back_val();
    for (Operation *user : buffer.getUsers()) {
      if (user == zeros || user == product || user == sum || user == view)
        continue;
      // A user nested in a later op (a load in a loop's body) accesses c
      // where that op is.
      Operation *at = sum->getBlock()->findAncestorOpInBlock(*user);
      if (!at || !sum->isBeforeInBlock(at))
        return std::nullopt;
      if (isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(user)) {
        worklist.push_back(user->getResult(0));
        continue;
      }
      if (isa<ViewLikeOpInterface>(user))
        return std::nullopt;
      if (!first.first || at->isBeforeInBlock(first.first))
        first = {at, buffer};
    }
  }
  if (first.first && !isa<memref::DeallocOp>(first.first) &&
      !overwrites(first.first, first.second))
    return std::nullopt;
  return Candidate{product, zeros, sum, input};
}

/// Computes the sum's other terms into its output before the product,
/// which then accumulates onto them.
void rewrite(const Candidate &candidate) {
  linalg::MatmulOp product = candidate.product;
  linalg::GenericOp sum = candidate.sum;
  Value d = sum.getDpsInits()[0];
  Location loc = sum.getLoc();
  OpBuilder b(product);
  if (Operation *def = d.getDefiningOp();
      def && def->getBlock() == product->getBlock() &&
      product->isBeforeInBlock(def))
    def->moveBefore(product);

  // The other terms: the sum without the product's operand, whose
  // argument becomes -0 (x + -0 = x for every x).
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *operand : sum.getDpsInputOperands())
    if (operand != candidate.input) {
      inputs.push_back(operand->get());
      maps.push_back(sum.getMatchingIndexingMap(operand));
    }
  maps.push_back(sum.getIndexingMapsArray().back());
  auto terms = linalg::GenericOp::create(
      b, loc, TypeRange{}, inputs, ValueRange{d}, maps,
      sum.getIteratorTypesArray(),
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Block &body = sum.getRegion().front();
        IRMapping mapping;
        Value zero = arith::ConstantOp::create(nested, nestedLoc,
                                               nested.getF32FloatAttr(-0.0f));
        size_t next = 0;
        for (OpOperand *operand : sum.getDpsInputOperands())
          mapping.map(sum.getMatchingBlockArgument(operand),
                      operand == candidate.input ? zero : args[next++]);
        mapping.map(body.getArguments().back(), args.back());
        for (Operation &op : body.getOperations())
          nested.clone(op, mapping);
      });
  terms->setDiscardableAttrs(sum->getDiscardableAttrDictionary());

  // The product's output: d, reshaped back to the product's shape.
  Value target = d;
  if (auto expand =
          candidate.input->get().getDefiningOp<memref::ExpandShapeOp>()) {
    target = memref::CollapseShapeOp::create(b, loc, d,
                                             expand.getReassociationIndices());
  }
  Value c = product.getDpsInits()[0];
  Operation *view = candidate.input->get() == c
                        ? nullptr
                        : candidate.input->get().getDefiningOp();
  product.getDpsInitsMutable()[0].set(target);
  candidate.zeros->erase();
  sum->erase();
  if (view && view->use_empty())
    view->erase();
  if (c.use_empty())
    c.getDefiningOp()->erase();
}

struct DLSumsIntoProductsPass
    : dlcc::impl::DLSumsIntoProductsBase<DLSumsIntoProductsPass> {
  void runOnOperation() override {
    SmallVector<Candidate> candidates;
    getOperation()->walk([&](linalg::MatmulOp product) {
      if (std::optional<Candidate> candidate = candidateFor(product))
        candidates.push_back(*candidate);
    });
    for (const Candidate &candidate : candidates)
      rewrite(candidate);
  }
};

} // namespace
