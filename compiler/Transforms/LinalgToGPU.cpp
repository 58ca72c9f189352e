//===- LinalgToGPU.cpp - Linalg ops on buffers as GPU launches ------------===//
//
// Part of dlcc. Implements `dl-linalg-to-gpu`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace dlcc {
#define GEN_PASS_DEF_DLLINALGTOGPU
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlcc

using namespace mlir;

namespace {

/// Whether `op` is host code: not already inside a kernel.
bool onHost(Operation *op) {
  return !op->getParentOfType<gpu::LaunchOp>() &&
         !op->getParentOfType<gpu::GPUModuleOp>();
}

/// Turns `op` into a generic op whose parallel loops come first, so that
/// they become one outer scf.parallel.
FailureOr<linalg::GenericOp> parallelLoopsFirst(RewriterBase &rewriter,
                                                linalg::LinalgOp op) {
  linalg::GenericOp generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic) {
    rewriter.setInsertionPoint(op);
    FailureOr<linalg::GenericOp> generalized =
        linalg::generalizeNamedOp(rewriter, op);
    if (failed(generalized))
      return failure();
    generic = *generalized;
  }
  SmallVector<unsigned> order;
  SmallVector<utils::IteratorType> iterators = generic.getIteratorTypesArray();
  for (unsigned d = 0; d < iterators.size(); ++d)
    if (linalg::isParallelIterator(iterators[d]))
      order.push_back(d);
  for (unsigned d = 0; d < iterators.size(); ++d)
    if (!linalg::isParallelIterator(iterators[d]))
      order.push_back(d);
  if (llvm::equal(order, llvm::seq<unsigned>(0, order.size())))
    return generic;
  return linalg::interchangeGenericOp(rewriter, generic, order);
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
    for (linalg::LinalgOp op : ops) {
      if (!op.hasPureBufferSemantics()) {
        op.emitError("linalg ops must be on buffers to run on the GPU");
        return signalPassFailure();
      }
      if (failed(lowerToParallelLoops(rewriter, op)))
        return signalPassFailure();
    }

    // Every outermost parallel loop of a function becomes a kernel named
    // after the function; nested ones run sequentially in its threads.
    auto module = FlatSymbolRefAttr::get(&getContext(), kernelModule);
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
