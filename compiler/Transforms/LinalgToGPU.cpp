//===- LinalgToGPU.cpp - Linalg ops on buffers as GPU launches ------------===//
//
// Part of dlcc. Implements `dl-linalg-to-gpu`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/GPUBlockReduction.h"
#include "compiler/Transforms/LoopOrder.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace dlcc {
#define GEN_PASS_DEF_DLLINALGTOGPU
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlcc

using namespace mlir;
using dlcc::parallelLoopsFirst;

namespace {

/// Whether `op` is host code: not already inside a kernel.
bool onHost(Operation *op) {
  return !op->getParentOfType<gpu::LaunchOp>() &&
         !op->getParentOfType<gpu::GPUModuleOp>();
}

/// Lowers `op` to loops under one outer scf.parallel: its parallel loops,
/// or, when it has none, a parallel loop of one iteration around them.
LogicalResult lowerToParallelLoops(RewriterBase &rewriter,
                                   linalg::LinalgOp op) {
  FailureOr<linalg::GenericOp> generic = parallelLoopsFirst(rewriter, op);
  if (failed(generic))
    return op.emitError("cannot generalize this op for the GPU");
  rewriter.setInsertionPoint(*generic);
  if (generic->getNumParallelLoops() == 0) {
    Location loc = generic->getLoc();
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    auto single = scf::ParallelOp::create(rewriter, loc, ValueRange{zero},
                                          ValueRange{one}, ValueRange{one});
    rewriter.moveOpBefore(*generic, single.getBody()->getTerminator());
    rewriter.setInsertionPoint(*generic);
  }
  if (failed(linalg::linalgOpToParallelLoops(rewriter, *generic)))
    return generic->emitError("cannot turn this op into loops for the GPU");
  rewriter.eraseOp(*generic);
  return success();
}

/// The memref a view inside `loop` reads through, with the static offset
/// of every dimension the view does not fix to one element: how `root`'s
/// elements are reached when the view is indexed by a parallel loop's ivs.
struct RowAccess {
  Value root;
  SmallVector<int64_t> offsets;
};

/// How an access of `memref` at the ivs of a parallel loop nested in
/// `loop` reaches memory, or nullopt when its threads could share an
/// element: a memref defined outside `loop`, or a subview of one whose
/// dynamic offsets fall only on dimensions of size one.
std::optional<RowAccess> rowAccess(scf::ForOp loop, Value memref) {
  if (loop.isDefinedOutsideOfLoop(memref)) {
    auto type = cast<MemRefType>(memref.getType());
    return RowAccess{memref, SmallVector<int64_t>(type.getRank(), 0)};
  }
  auto view = memref.getDefiningOp<memref::SubViewOp>();
  if (!view || !loop.isDefinedOutsideOfLoop(view.getSource()) ||
      !view.hasUnitStride())
    return std::nullopt;
  RowAccess access{view.getSource(), {}};
  for (auto [offset, size] :
       llvm::zip(view.getMixedOffsets(), view.getMixedSizes())) {
    std::optional<int64_t> staticSize = getConstantIntValue(size);
    if (!staticSize)
      return std::nullopt;
    if (*staticSize == 1)
      continue;
    std::optional<int64_t> staticOffset = getConstantIntValue(offset);
    if (!staticOffset)
      return std::nullopt;
    access.offsets.push_back(*staticOffset);
  }
  return access;
}

/// `index` itself, or what an identity affine.apply (as linalg's loops
/// index their operands) passes on.
Value throughIdentity(Value index) {
  auto apply = index.getDefiningOp<affine::AffineApplyOp>();
  if (apply && apply.getAffineMap().isIdentity())
    return apply.getMapOperands()[0];
  return index;
}

/// Whether the parallel loop `inner`, alone in the body of the sequential
/// host loop `loop`, can become the outer loop: every thread then runs the
/// rows in order on its own elements. That holds when `inner`'s body only
/// computes and reads or writes memory at exactly its ivs, through views
/// that differ from row to row only in dimensions of one element, and the
/// views of one memref all reach it at the same offsets.
bool canSwap(scf::ForOp loop, scf::ParallelOp inner) {
  if (loop.getNumResults() != 0 || inner.getNumResults() != 0)
    return false;
  for (Value bound : llvm::concat<Value>(inner.getLowerBound(),
                                         inner.getUpperBound(),
                                         inner.getStep()))
    if (!loop.isDefinedOutsideOfLoop(bound) &&
        !matchPattern(bound, m_Constant()))
      return false;
  for (Operation &op : loop.getBody()->without_terminator())
    if (&op != inner.getOperation() && !isMemoryEffectFree(&op) &&
        !isa<memref::LoadOp>(op))
      return false;

  DenseMap<Value, SmallVector<int64_t>> offsetsOfRoot;
  DenseSet<Value> written;
  WalkResult walk = inner.getBody()->walk([&](Operation *op) {
    if (isa<scf::ReduceOp>(op))
      return WalkResult::advance();
    Value memref;
    ValueRange indices;
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      memref = load.getMemRef();
      indices = load.getIndices();
    } else if (auto store = dyn_cast<memref::StoreOp>(op)) {
      memref = store.getMemRef();
      indices = store.getIndices();
    } else if (isMemoryEffectFree(op) && op->getNumRegions() == 0) {
      return WalkResult::advance();
    } else {
      return WalkResult::interrupt();
    }
    if (!llvm::equal(llvm::map_range(indices, throughIdentity),
                     inner.getInductionVars()))
      return WalkResult::interrupt();
    std::optional<RowAccess> access = rowAccess(loop, memref);
    if (!access)
      return WalkResult::interrupt();
    if (isa<memref::StoreOp>(op))
      written.insert(access->root);
    auto [it, inserted] =
        offsetsOfRoot.try_emplace(access->root, access->offsets);
    return inserted || it->second == access->offsets ? WalkResult::advance()
                                                     : WalkResult::interrupt();
  });
  if (walk.wasInterrupted())
    return false;
  // The rows' own reads (the ids) must not see what the threads write.
  for (auto load : loop.getBody()->getOps<memref::LoadOp>()) {
    std::optional<RowAccess> access = rowAccess(loop, load.getMemRef());
    if (!access || written.contains(access->root))
      return false;
  }
  return true;
}

/// Makes the parallel loop in each sequential host loop of row updates (an
/// embedding's gradient: `for r { out[ids[r], :] += g[r, :] }`) the outer
/// loop, so that it becomes one kernel whose threads each run all rows in
/// order (the sums of the CPU, in its order) rather than a launch and a
/// read of device memory by the host per row.
void swapRowLoops(RewriterBase &rewriter, Operation *root) {
  SmallVector<std::pair<scf::ForOp, scf::ParallelOp>> candidates;
  root->walk([&](scf::ForOp loop) {
    if (!onHost(loop) || loop->getParentOfType<scf::ParallelOp>())
      return;
    auto parallels = loop.getBody()->getOps<scf::ParallelOp>();
    if (llvm::range_size(parallels) != 1)
      return;
    scf::ParallelOp inner = *parallels.begin();
    if (canSwap(loop, inner))
      candidates.emplace_back(loop, inner);
  });
  for (auto [loop, inner] : candidates) {
    rewriter.setInsertionPoint(loop);
    // The bounds are invariant: defined outside or constants, cloned out.
    auto hoisted = [&](ValueRange values) {
      SmallVector<Value> out;
      for (Value v : values)
        out.push_back(loop.isDefinedOutsideOfLoop(v)
                          ? v
                          : rewriter.clone(*v.getDefiningOp())->getResult(0));
      return out;
    };
    auto outer = scf::ParallelOp::create(
        rewriter, inner.getLoc(), hoisted(inner.getLowerBound()),
        hoisted(inner.getUpperBound()), hoisted(inner.getStep()));
    rewriter.setInsertionPoint(outer.getBody()->getTerminator());
    IRMapping mapping;
    mapping.map(inner.getInductionVars(), outer.getInductionVars());
    auto rows = scf::ForOp::create(rewriter, loop.getLoc(),
                                   loop.getLowerBound(), loop.getUpperBound(),
                                   loop.getStep());
    mapping.map(loop.getInductionVar(), rows.getInductionVar());
    rewriter.setInsertionPoint(rows.getBody()->getTerminator());
    for (Operation &op : loop.getBody()->without_terminator()) {
      if (&op != inner.getOperation()) {
        rewriter.clone(op, mapping);
        continue;
      }
      for (Operation &nested : inner.getBody()->without_terminator())
        rewriter.clone(nested, mapping);
    }
    rewriter.eraseOp(loop);
  }
}

/// Replaces the outermost parallel loop `loop` by a gpu.launch of a 1-D grid
/// in which every thread walks the loop's linearized iteration space with a
/// grid-sized stride.
LogicalResult mapToLaunch(RewriterBase &rewriter, scf::ParallelOp loop,
                          int64_t blockSize, int64_t maxBlocks,
                          FlatSymbolRefAttr module, FlatSymbolRefAttr kernel) {
  if (loop.getNumResults() != 0)
    return loop.emitError("parallel loops with reductions cannot run on the "
                          "GPU yet");
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  auto index = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(rewriter, loc, v);
  };

  // Iterations per dimension and in all.
  SmallVector<Value> counts;
  Value total = index(1);
  for (auto [lower, upper, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    Value span = rewriter.createOrFold<arith::SubIOp>(loc, upper, lower);
    Value count = rewriter.createOrFold<arith::CeilDivUIOp>(loc, span, step);
    counts.push_back(count);
    total = rewriter.createOrFold<arith::MulIOp>(loc, total, count);
  }
  Value threads = index(blockSize);
  Value blocks = rewriter.createOrFold<arith::MinUIOp>(
      loc, rewriter.createOrFold<arith::CeilDivUIOp>(loc, total, threads),
      index(maxBlocks));
  // An empty loop still launches one block, whose threads do nothing.
  blocks = rewriter.createOrFold<arith::MaxUIOp>(loc, blocks, index(1));
  Value one = index(1);
  auto launch = gpu::LaunchOp::create(
      rewriter, loc, blocks, one, one, threads, one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, /*workgroupAttributions=*/{},
      /*privateAttributions=*/{}, /*clusterSizeX=*/nullptr,
      /*clusterSizeY=*/nullptr, /*clusterSizeZ=*/nullptr, module, kernel);

  Block &body = launch.getBody().front();
  rewriter.setInsertionPointToEnd(&body);
  if (body.empty() || !isa<gpu::TerminatorOp>(body.back()))
    gpu::TerminatorOp::create(rewriter, loc);
  rewriter.setInsertionPoint(body.getTerminator());
  gpu::KernelDim3 blockId = launch.getBlockIds();
  gpu::KernelDim3 threadId = launch.getThreadIds();
  gpu::KernelDim3 gridSize = launch.getGridSize();
  gpu::KernelDim3 blockDim = launch.getBlockSize();
  Value first = arith::AddIOp::create(
      rewriter, loc,
      arith::MulIOp::create(rewriter, loc, blockId.x, blockDim.x), threadId.x);
  Value stride = arith::MulIOp::create(rewriter, loc, gridSize.x, blockDim.x);
  auto walk = scf::ForOp::create(rewriter, loc, first, total, stride);

  // The linear index back into one index per dimension, the last fastest.
  rewriter.setInsertionPoint(walk.getBody()->getTerminator());
  IRMapping mapping;
  Value rest = walk.getInductionVar();
  for (int64_t d = counts.size() - 1; d >= 0; --d) {
    Value position = rest;
    if (d > 0) {
      position = arith::RemUIOp::create(rewriter, loc, rest, counts[d]);
      rest = arith::DivUIOp::create(rewriter, loc, rest, counts[d]);
    }
    Value iv = rewriter.createOrFold<arith::AddIOp>(
        loc, loop.getLowerBound()[d],
        rewriter.createOrFold<arith::MulIOp>(loc, position,
                                             loop.getStep()[d]));
    mapping.map(loop.getInductionVars()[d], iv);
  }
  for (Operation &op : loop.getBody()->without_terminator())
    rewriter.clone(op, mapping);
  rewriter.eraseOp(loop);
  return success();
}

struct DLLinalgToGPU : dlcc::impl::DLLinalgToGPUBase<DLLinalgToGPU> {
  using DLLinalgToGPUBase::DLLinalgToGPUBase;

  void runOnOperation() override {
    if (blockSize <= 0 || maxBlocks <= 0) {
      getOperation().emitError("block-size and max-blocks must be positive");
      return signalPassFailure();
    }
    IRRewriter rewriter(&getContext());

    // Copies between device buffers are kernels like any other.
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) {
      if (onHost(copy))
        copies.push_back(copy);
    });
    for (memref::CopyOp copy : copies) {
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    }

    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (onHost(op))
        ops.push_back(op);
    });
    auto module = FlatSymbolRefAttr::get(&getContext(), kernelModule);
    DenseMap<Operation *, int> reductionsOf;
    for (linalg::LinalgOp op : ops) {
      if (!op.hasPureBufferSemantics()) {
        op.emitError("linalg ops must be on buffers to run on the GPU");
        return signalPassFailure();
      }
      FailureOr<linalg::GenericOp> generic = parallelLoopsFirst(rewriter, op);
      if (failed(generic)) {
        op.emitError("cannot generalize this op for the GPU");
        return signalPassFailure();
      }
      auto function = (*generic)->getParentOfType<FunctionOpInterface>();
      auto kernel = FlatSymbolRefAttr::get(
          &getContext(), (function.getName() + "_reduction_" +
                          Twine(reductionsOf[function]))
                             .str());
      if (dlcc::reduceInBlocks(rewriter, *generic, blockSize, maxBlocks,
                               module, kernel)) {
        ++reductionsOf[function];
        continue;
      }
      if (failed(lowerToParallelLoops(rewriter, *generic)))
        return signalPassFailure();
    }
    swapRowLoops(rewriter, getOperation());

    // Every outermost parallel loop of a function becomes a kernel named
    // after the function; nested ones run sequentially in its threads.
    for (auto function : getOperation().getOps<FunctionOpInterface>()) {
      SmallVector<scf::ParallelOp> loops;
      function->walk([&](scf::ParallelOp loop) {
        if (onHost(loop) && !loop->getParentOfType<scf::ParallelOp>())
          loops.push_back(loop);
      });
      for (auto [i, loop] : llvm::enumerate(loops)) {
        auto kernel = FlatSymbolRefAttr::get(
            &getContext(),
            (function.getName() + "_kernel_" + Twine(i)).str());
        if (failed(mapToLaunch(rewriter, loop, blockSize, maxBlocks, module,
                               kernel)))
          return signalPassFailure();
      }
    }
  }
};

} // namespace
