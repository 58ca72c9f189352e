//===- ThreadLoops.cpp - Which parallel loops run on threads --------------===//
//
// Part of dlcc. Implements `dl-thread-loops`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/LoopOrder.h"
#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/RegisterAccumulators.h"
#include "compiler/Transforms/SinkDefinitions.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace dlcc {
#define GEN_PASS_DEF_DLTHREADLOOPS
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlcc

using namespace mlir;

namespace {

/// Iterations a threaded loop is cut into at least (a multiple of the
/// threads of most machines).
constexpr int64_t kChunks = 16;

/// The trip count of one loop dimension, 1 where a bound is not constant
/// (a loop over a run-time range is not worth estimating).
int64_t tripCount(Value lower, Value upper, Value step) {
  std::optional<int64_t> lb = getConstantIntValue(lower),
                         ub = getConstantIntValue(upper),
                         st = getConstantIntValue(step);
  if (!lb || !ub || !st || *st <= 0 || *ub <= *lb)
    return 1;
  return (*ub - *lb + *st - 1) / *st;
}

int64_t tripCount(Operation *loop) {
  int64_t trips = 1;
  if (auto parallel = dyn_cast<scf::ParallelOp>(loop)) {
    for (auto [lb, ub, st] :
         llvm::zip(parallel.getLowerBound(), parallel.getUpperBound(),
                   parallel.getStep()))
      trips *= tripCount(lb, ub, st);
  } else if (auto serial = dyn_cast<scf::ForOp>(loop)) {
    trips = tripCount(serial.getLowerBound(), serial.getUpperBound(),
                      serial.getStep());
  }
  return trips;
}

/// Operations one execution of the regions of `op` performs: each
/// operation counts one, a loop its trip count times its body.
int64_t bodyWork(Operation *op) {
  int64_t work = 0;
  for (Region &region : op->getRegions())
    for (Operation &inner : region.getOps()) {
      int64_t innerWork = 1;
      if (inner.getNumRegions())
        innerWork += tripCount(&inner) * bodyWork(&inner);
      work = std::min<int64_t>(work + innerWork, int64_t(1) << 50);
    }
  return work;
}

/// Keeps the first `parallelDims` dimensions of `loop` parallel and turns
/// the others, outermost first, into a nest of sequential loops with the
/// same body (all of them when `parallelDims` is 0). OpenMP would otherwise
/// collapse every dimension into one, recovering each index by division.
void serializeAfter(scf::ParallelOp loop, unsigned parallelDims) {
  if (parallelDims == loop.getNumLoops())
    return;
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  IRMapping ivs;
  if (parallelDims) {
    auto outer = scf::ParallelOp::create(
        b, loc, loop.getLowerBound().take_front(parallelDims),
        loop.getUpperBound().take_front(parallelDims),
        loop.getStep().take_front(parallelDims));
    ivs.map(ArrayRef<Value>(loop.getInductionVars()).take_front(parallelDims),
            outer.getInductionVars());
    b.setInsertionPoint(outer.getBody()->getTerminator());
  }
  for (unsigned d = parallelDims; d < loop.getNumLoops(); ++d) {
    auto serial =
        scf::ForOp::create(b, loc, loop.getLowerBound()[d],
                           loop.getUpperBound()[d], loop.getStep()[d]);
    ivs.map(loop.getInductionVars()[d], serial.getInductionVar());
    b.setInsertionPointToStart(serial.getBody());
  }
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, ivs);
  loop.erase();
}

/// How many leading dimensions of `loop` to share between threads: enough
/// for several chunks per thread, so that uneven chunks even out.
unsigned dimsToShare(scf::ParallelOp loop) {
  int64_t iterations = 1;
  for (unsigned d = 0; d < loop.getNumLoops(); ++d) {
    iterations *= tripCount(loop.getLowerBound()[d], loop.getUpperBound()[d],
                            loop.getStep()[d]);
    if (iterations >= kChunks)
      return d + 1;
  }
  return loop.getNumLoops();
}

/// Whether `op`'s innermost loop is a reduction with a parallel loop
/// outside it that a reduction loop separates from the outer parallel ones:
/// [N, C, H, W] summed per channel. Moving C first makes the channel loop
/// the one to share between threads, and keeps the inner loops.
bool reductionHidesParallelLoop(linalg::LinalgOp op) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  if (iterators.empty() || linalg::isParallelIterator(iterators.back()))
    return false;
  bool seenReduction = false;
  for (utils::IteratorType iterator : iterators) {
    if (!linalg::isParallelIterator(iterator))
      seenReduction = true;
    else if (seenReduction)
      return true;
  }
  return false;
}

/// Reads before `op` each input that is one element for the whole op (a
/// rank-0 buffer, or an indexing map of constants: the optimizer's
/// hyper-parameters, a mean) and passes the value to the body instead.
/// In the loops, a load per iteration from a buffer LLVM cannot tell apart
/// from the one being written could not be hoisted, and kept the loop
/// scalar. Inputs that are also outputs are left alone.
void hoistScalarInputs(RewriterBase &rewriter, linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics())
    return;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    auto memrefType = dyn_cast<MemRefType>(input->get().getType());
    if (!memrefType || map.getNumResults() != memrefType.getRank() ||
        !llvm::all_of(map.getResults(), llvm::IsaPred<AffineConstantExpr>))
      continue;
    if (llvm::is_contained(op.getDpsInits(), input->get()))
      continue;
    BlockArgument arg = op.getMatchingBlockArgument(input);
    if (arg.use_empty())
      continue;
    rewriter.setInsertionPoint(op);
    SmallVector<Value> indices;
    for (AffineExpr result : map.getResults())
      indices.push_back(arith::ConstantIndexOp::create(
          rewriter, op.getLoc(), cast<AffineConstantExpr>(result).getValue()));
    Value value =
        memref::LoadOp::create(rewriter, op.getLoc(), input->get(), indices);
    rewriter.replaceAllUsesWith(arg, value);
  }
}

/// How many column blocks to cut a reduction over rows into (1: none).
/// Sums over the rows of [rows, columns] (a bias's gradient, layer norm's
/// parameter gradients) have their parallel loop innermost, inside the
/// reduction, where no thread can take it; whole blocks of columns, each
/// summed over all rows in order, can go to different threads instead.
int64_t columnBlocks(linalg::GenericOp op) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  if (!op.hasPureBufferSemantics() || iterators.size() < 2 ||
      linalg::isParallelIterator(iterators.front()) ||
      !linalg::isParallelIterator(iterators.back()))
    return 1;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t columns = ranges.back();
  if (ShapedType::isDynamicShape(ranges) ||
      llvm::product_of(ranges) < (int64_t(1) << 16))
    return 1;
  unsigned dim = iterators.size() - 1;
  for (AffineMap map : op.getIndexingMapsArray())
    for (AffineExpr result : map.getResults())
      if (result.isFunctionOfDim(dim) && !isa<AffineDimExpr>(result))
        return 1;
  for (int64_t blocks : {8, 4})
    if (columns % blocks == 0 && columns / blocks >= 16)
      return blocks;
  return 1;
}

/// `op` as an scf.parallel over `blocks` blocks of its innermost loop, each
/// the same op on views of its operands; returns the op in the loop.
linalg::GenericOp splitColumns(RewriterBase &rewriter, linalg::GenericOp op,
                               int64_t blocks) {
  Location loc = op.getLoc();
  unsigned dim = op.getNumLoops() - 1;
  int64_t width = op.getStaticLoopRanges().back() / blocks;
  rewriter.setInsertionPoint(op);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value count = arith::ConstantIndexOp::create(rewriter, loc, blocks);
  auto loop = scf::ParallelOp::create(rewriter, loc, ValueRange{zero},
                                      ValueRange{count}, ValueRange{one});
  rewriter.setInsertionPoint(loop.getBody()->getTerminator());
  Value offset = arith::MulIOp::create(
      rewriter, loc, loop.getInductionVars()[0],
      arith::ConstantIndexOp::create(rewriter, loc, width));
  SmallVector<Value> operands;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = cast<MemRefType>(operand.get().getType());
    AffineMap map = op.getMatchingIndexingMap(&operand);
    SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes,
        strides(type.getRank(), rewriter.getIndexAttr(1));
    for (int64_t size : type.getShape())
      sizes.push_back(rewriter.getIndexAttr(size));
    for (auto [r, result] : llvm::enumerate(map.getResults()))
      if (result.isFunctionOfDim(dim)) {
        offsets[r] = offset;
        sizes[r] = rewriter.getIndexAttr(width);
      }
    operands.push_back(memref::SubViewOp::create(rewriter, loc, operand.get(),
                                                 offsets, sizes, strides));
  }
  auto block = linalg::GenericOp::create(
      rewriter, loc, TypeRange{},
      ArrayRef(operands).take_front(op.getNumDpsInputs()),
      ArrayRef(operands).drop_front(op.getNumDpsInputs()),
      op.getIndexingMapsArray(), op.getIteratorTypesArray());
  rewriter.cloneRegionBefore(op.getRegion(), block.getRegion(),
                             block.getRegion().end());
  rewriter.eraseOp(op);
  return block;
}

/// How the results of `map` merge when the loops `group` (consecutive)
/// become one: the results indexed by the group's loops as one, every
/// other result alone. None when `map` uses the group otherwise than as
/// consecutive indices of their own, in order (in part, out of order, or
/// inside 2 * h + i).
std::optional<SmallVector<ReassociationIndices>>
mergedResults(AffineMap map, const ReassociationIndices &group) {
  SmallVector<ReassociationIndices> merged;
  for (unsigned r = 0; r < map.getNumResults(); ++r) {
    AffineExpr result = map.getResult(r);
    if (!llvm::any_of(
            group, [&](int64_t dim) { return result.isFunctionOfDim(dim); })) {
      merged.push_back({r});
      continue;
    }
    if (r + group.size() > map.getNumResults())
      return std::nullopt;
    for (auto [i, dim] : llvm::enumerate(group))
      if (map.getResult(r + i) != getAffineDimExpr(dim, map.getContext()))
        return std::nullopt;
    merged.push_back(llvm::to_vector(llvm::seq<int64_t>(r, r + group.size())));
    r += group.size() - 1;
  }
  return merged;
}

/// Whether the loops `group` of `op` can become one loop: every indexing
/// map merges their indices (mergedResults) and every operand holds them
/// contiguously in memory, so that a memref.collapse_shape merges them.
bool mergeable(linalg::GenericOp op, const ReassociationIndices &group) {
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    std::optional<SmallVector<ReassociationIndices>> merged =
        mergedResults(op.getMatchingIndexingMap(&operand), group);
    if (!type || !merged ||
        !memref::CollapseShapeOp::isGuaranteedCollapsible(type, *merged))
      return false;
  }
  return true;
}

/// `op` with the loops `group` (consecutive, mergeable()) as one loop over
/// collapsed views of its operands; the body is unchanged (no
/// linalg.index reads the loop indices).
linalg::GenericOp mergeLoops(RewriterBase &rewriter, linalg::GenericOp op,
                             const ReassociationIndices &group) {
  MLIRContext *context = op.getContext();
  unsigned loops = op.getNumLoops(), first = group.front(),
           width = group.size();
  SmallVector<AffineExpr> renumbered;
  for (unsigned d = 0; d < loops; ++d)
    renumbered.push_back(getAffineDimExpr(
        d < first ? d : (d < first + width ? first : d - width + 1), context));
  rewriter.setInsertionPoint(op);
  SmallVector<Value> operands;
  SmallVector<AffineMap> maps;
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    SmallVector<ReassociationIndices> merged = *mergedResults(map, group);
    SmallVector<AffineExpr> results;
    for (const ReassociationIndices &indices : merged)
      results.push_back(map.getResult(indices.front()).replaceDims(renumbered));
    Value value = operand.get();
    if (merged.size() != map.getNumResults())
      value =
          memref::CollapseShapeOp::create(rewriter, op.getLoc(), value, merged);
    operands.push_back(value);
    maps.push_back(AffineMap::get(loops - width + 1, 0, results, context));
  }
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  iterators.erase(iterators.begin() + first + 1,
                  iterators.begin() + first + width);
  unsigned inputs = op.getNumDpsInputs();
  auto mergedOp = linalg::GenericOp::create(
      rewriter, op.getLoc(), TypeRange{}, ArrayRef(operands).take_front(inputs),
      ArrayRef(operands).drop_front(inputs), maps, iterators);
  rewriter.cloneRegionBefore(op.getRegion(), mergedOp.getRegion(),
                             mergedOp.getRegion().end());
  rewriter.eraseOp(op);
  return mergedOp;
}

/// Merges the innermost loops of `op` into one where every operand holds
/// their dimensions contiguously and each indexing map keeps them together
/// or leaves them out (H and W of [N, C, H, W], or C, H and W where no
/// operand is per channel). LLVM vectorized an elementwise op over 14 x 14
/// images across the rows, with gathers and scatters on 14 of 16 lanes; a
/// loop over the 196 or 12544 elements of an image loads whole vectors.
/// The outermost loop stays for the threads. Loops of one kind only merge
/// (parallel with parallel), so sums keep their order.
linalg::GenericOp mergeInnerLoops(RewriterBase &rewriter,
                                  linalg::GenericOp op) {
  unsigned loops = op.getNumLoops();
  if (loops < 3 || !op.hasPureBufferSemantics() || op.hasIndexSemantics())
    return op;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  unsigned first = loops - 1;
  while (first > 1 && iterators[first - 1] == iterators.back() &&
         mergeable(op, llvm::to_vector(llvm::seq<int64_t>(first - 1, loops))))
    --first;
  if (first == loops - 1)
    return op;
  return mergeLoops(rewriter, op,
                    llvm::to_vector(llvm::seq<int64_t>(first, loops)));
}

LogicalResult lowerToLoops(RewriterBase &rewriter, linalg::LinalgOp op) {
  if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation())) {
    generic = mergeInnerLoops(rewriter, generic);
    op = generic;
    hoistScalarInputs(rewriter, generic);
    if (int64_t blocks = columnBlocks(generic); blocks > 1)
      op = splitColumns(rewriter, generic, blocks);
  }
  if (reductionHidesParallelLoop(op)) {
    FailureOr<linalg::GenericOp> generic =
        dlcc::parallelLoopsFirst(rewriter, op);
    if (failed(generic))
      return op.emitError("cannot reorder the loops of this op");
    op = *generic;
  }
  rewriter.setInsertionPoint(op);
  if (failed(linalg::linalgOpToParallelLoops(rewriter, op)))
    return op.emitError("cannot turn this op into loops");
  rewriter.eraseOp(op);
  return success();
}

struct DLThreadLoopsPass : dlcc::impl::DLThreadLoopsBase<DLThreadLoopsPass> {
  using DLThreadLoopsBase::DLThreadLoopsBase;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops)
      if (failed(lowerToLoops(rewriter, op)))
        return signalPassFailure();
    // The loads of the inputs hoistScalarInputs read before the loops.
    getOperation().walk([](memref::LoadOp load) {
      if (load.use_empty())
        load.erase();
    });

    // Each loop with the number of its dimensions that stay parallel.
    SmallVector<std::pair<scf::ParallelOp, unsigned>> loops;
    getOperation().walk([&](scf::ParallelOp loop) {
      bool outermost = !loop->getParentOfType<scf::ParallelOp>() &&
                       !loop->getParentOfType<scf::ForOp>();
      bool reduces = loop.getNumResults() != 0;
      bool threaded = outermost && !reduces && tripCount(loop) >= 2 &&
                      tripCount(loop) * bodyWork(loop) >= minWork;
      loops.emplace_back(loop, threaded ? dimsToShare(loop) : 0);
    });
    // Innermost first (the walk's order): serializing a loop clones its
    // body, nested loops included.
    for (auto [loop, parallelDims] : loops)
      serializeAfter(loop, parallelDims);
    SmallVector<scf::ForOp> serialLoops;
    getOperation().walk([&](scf::ForOp loop) { serialLoops.push_back(loop); });
    for (scf::ForOp loop : serialLoops)
      dlcc::keepAccumulatorsInRegisters(rewriter, loop);
    // OpenMP outlines each parallel loop's body into a function that gets
    // every value it uses from outside through memory; rebuilt inside, the
    // views' sizes, strides and offsets stay constants LLVM folds.
    getOperation().walk([](scf::ParallelOp loop) {
      dlcc::sinkPureDefinitions(loop.getRegion());
    });
  }
};

} // namespace
