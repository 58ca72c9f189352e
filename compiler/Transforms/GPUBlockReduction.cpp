//===- GPUBlockReduction.cpp - Large reductions as block reductions -------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/GPUBlockReduction.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <algorithm>

using namespace mlir;

namespace dlcc {

namespace {

/// The all-reduce of a combining op and its identity, or nullopt.
std::optional<std::pair<gpu::AllReduceOperation, TypedAttr>>
combinerOf(Operation *op) {
  Type type = op->getResult(0).getType();
  auto floatType = dyn_cast<FloatType>(type);
  auto intType = dyn_cast<IntegerType>(type);
  auto infinity = [&](bool negative) -> TypedAttr {
    return FloatAttr::get(type, APFloat::getInf(floatType.getFloatSemantics(),
                                                negative));
  };
  if (isa<arith::AddFOp>(op) && floatType)
    return std::make_pair(gpu::AllReduceOperation::ADD,
                          TypedAttr(FloatAttr::get(type, 0.0)));
  if (isa<arith::MaximumFOp>(op) && floatType)
    return std::make_pair(gpu::AllReduceOperation::MAXIMUMF, infinity(true));
  if (isa<arith::MinimumFOp>(op) && floatType)
    return std::make_pair(gpu::AllReduceOperation::MINIMUMF, infinity(false));
  if (!intType)
    return std::nullopt;
  unsigned width = intType.getWidth();
  if (isa<arith::AddIOp>(op))
    return std::make_pair(gpu::AllReduceOperation::ADD,
                          TypedAttr(IntegerAttr::get(type, 0)));
  if (isa<arith::MaxSIOp>(op))
    return std::make_pair(
        gpu::AllReduceOperation::MAXSI,
        TypedAttr(IntegerAttr::get(type, APInt::getSignedMinValue(width))));
  if (isa<arith::MinSIOp>(op))
    return std::make_pair(
        gpu::AllReduceOperation::MINSI,
        TypedAttr(IntegerAttr::get(type, APInt::getSignedMaxValue(width))));
  return std::nullopt;
}

/// The index of each dimension from a linear index over `counts`, the last
/// dimension fastest.
SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value linear,
                               ArrayRef<int64_t> counts) {
  SmallVector<Value> ivs(counts.size());
  Value rest = linear;
  for (int64_t d = int64_t(counts.size()) - 1; d >= 0; --d) {
    Value count = arith::ConstantIndexOp::create(b, loc, counts[d]);
    ivs[d] = d > 0 ? arith::RemUIOp::create(b, loc, rest, count) : rest;
    if (d > 0)
      rest = arith::DivUIOp::create(b, loc, rest, count);
  }
  return ivs;
}

/// The indices `map` gives for the loop indices `ivs`.
SmallVector<Value> indicesOf(OpBuilder &b, Location loc, AffineMap map,
                             ValueRange ivs) {
  SmallVector<Value> indices;
  for (unsigned r = 0; r < map.getNumResults(); ++r)
    indices.push_back(
        affine::AffineApplyOp::create(b, loc, map.getSubMap({r}), ivs));
  return indices;
}

} // namespace

bool reduceInBlocks(RewriterBase &rewriter, linalg::LinalgOp op,
                    int64_t blockSize, int64_t maxBlocks,
                    FlatSymbolRefAttr module, FlatSymbolRefAttr kernel) {
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic || generic.getNumDpsInits() != 1 ||
      generic.getNumReductionLoops() == 0)
    return false;
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators =
      generic.getIteratorTypesArray();
  SmallVector<unsigned> parallelDims, reductionDims;
  int64_t outputs = 1, reduced = 1;
  for (auto [d, iterator] : llvm::enumerate(iterators)) {
    if (ShapedType::isDynamic(ranges[d]))
      return false;
    if (linalg::isParallelIterator(iterator)) {
      parallelDims.push_back(d);
      outputs *= ranges[d];
    } else {
      reductionDims.push_back(d);
      reduced *= ranges[d];
    }
  }
  if (reduced < kMinBlockReduction)
    return false;

  // The body must be `yield combine(out, x)` with x free of out.
  Block *body = generic.getBody();
  Value out = body->getArguments().back();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  Operation *combine = yield.getValues()[0].getDefiningOp();
  if (!combine || combine->getBlock() != body ||
      combine->getNumOperands() != 2 || !out.hasOneUse() ||
      !llvm::is_contained(combine->getOperands(), out))
    return false;
  auto combiner = combinerOf(combine);
  if (!combiner)
    return false;
  Value x = combine->getOperand(0) == out ? combine->getOperand(1)
                                          : combine->getOperand(0);
  for (Operation &nested : body->without_terminator())
    if (nested.getNumRegions() != 0 || !isMemoryEffectFree(&nested))
      return false;

  Location loc = generic.getLoc();
  rewriter.setInsertionPoint(generic);
  auto index = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(rewriter, loc, v);
  };
  Value one = index(1);
  auto launch = gpu::LaunchOp::create(
      rewriter, loc, index(std::clamp<int64_t>(outputs, 1, maxBlocks)), one,
      one, index(blockSize), one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, /*workgroupAttributions=*/{},
      /*privateAttributions=*/{}, /*clusterSizeX=*/nullptr,
      /*clusterSizeY=*/nullptr, /*clusterSizeZ=*/nullptr, module, kernel);
  Block &launchBody = launch.getBody().front();
  rewriter.setInsertionPointToEnd(&launchBody);
  gpu::TerminatorOp::create(rewriter, loc);
  rewriter.setInsertionPointToStart(&launchBody);

  // Blocks walk the outputs; the block's threads share one output.
  auto outputLoop = scf::ForOp::create(rewriter, loc, launch.getBlockIds().x,
                                       index(outputs),
                                       launch.getGridSize().x);
  rewriter.setInsertionPoint(outputLoop.getBody()->getTerminator());
  SmallVector<int64_t> parallelCounts, reductionCounts;
  for (unsigned d : parallelDims)
    parallelCounts.push_back(ranges[d]);
  for (unsigned d : reductionDims)
    reductionCounts.push_back(ranges[d]);
  SmallVector<Value> parallelIvs = delinearize(
      rewriter, loc, outputLoop.getInductionVar(), parallelCounts);

  // Each thread reduces every blockDim-th element into its own partial.
  Value identity =
      arith::ConstantOp::create(rewriter, loc, combiner->second).getResult();
  Value thread = launch.getThreadIds().x;
  auto partLoop = scf::ForOp::create(rewriter, loc, thread, index(reduced),
                                     launch.getBlockSize().x,
                                     ValueRange{identity});
  rewriter.setInsertionPointToStart(partLoop.getBody());
  SmallVector<Value> reductionIvs = delinearize(
      rewriter, loc, partLoop.getInductionVar(), reductionCounts);
  SmallVector<Value> ivs(iterators.size());
  for (auto [d, iv] : llvm::zip(parallelDims, parallelIvs))
    ivs[d] = iv;
  for (auto [d, iv] : llvm::zip(reductionDims, reductionIvs))
    ivs[d] = iv;
  IRMapping mapping;
  for (OpOperand *input : generic.getDpsInputOperands()) {
    Value memref = input->get();
    Value value = memref;
    if (isa<MemRefType>(memref.getType()))
      value = memref::LoadOp::create(
          rewriter, loc, memref,
          indicesOf(rewriter, loc, generic.getMatchingIndexingMap(input), ivs));
    mapping.map(body->getArgument(input->getOperandNumber()), value);
  }
  for (Operation &nested : body->without_terminator()) {
    if (&nested == combine)
      continue;
    if (auto linalgIndex = dyn_cast<linalg::IndexOp>(nested)) {
      mapping.map(linalgIndex.getResult(), ivs[linalgIndex.getDim()]);
      continue;
    }
    rewriter.clone(nested, mapping);
  }
  Operation *accumulate = rewriter.clone(*combine);
  accumulate->setOperands(
      {partLoop.getRegionIterArgs()[0], mapping.lookupOrDefault(x)});
  scf::YieldOp::create(rewriter, loc, accumulate->getResult(0));

  // The block combines its partials; one thread adds the output's own value.
  rewriter.setInsertionPointAfter(partLoop);
  Value total = gpu::AllReduceOp::create(
                    rewriter, loc, partLoop.getResult(0),
                    gpu::AllReduceOperationAttr::get(rewriter.getContext(),
                                                     combiner->first),
                    /*uniform=*/rewriter.getUnitAttr())
                    .getResult();
  Value first = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                      thread, index(0));
  auto ifFirst = scf::IfOp::create(rewriter, loc, first);
  rewriter.setInsertionPoint(ifFirst.thenBlock()->getTerminator());
  OpOperand *init = generic.getDpsInitOperand(0);
  for (unsigned d : reductionDims)
    ivs[d] = index(0); // The output's map does not read them.
  SmallVector<Value> at = indicesOf(
      rewriter, loc, generic.getMatchingIndexingMap(init), ivs);
  Value old = memref::LoadOp::create(rewriter, loc, init->get(), at);
  Operation *result = rewriter.clone(*combine);
  result->setOperands(combine->getOperand(0) == out ? ValueRange{old, total}
                                                    : ValueRange{total, old});
  memref::StoreOp::create(rewriter, loc, result->getResult(0), init->get(),
                          at);
  rewriter.eraseOp(generic);
  return true;
}

} // namespace dlcc
