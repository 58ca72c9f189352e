//===- RegisterAccumulators.cpp - Sums kept in registers ------------------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/RegisterAccumulators.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

using namespace mlir;

namespace {

/// One accumulator: its load at the top of an iteration, its store at the
/// bottom.
struct Accumulator {
  memref::LoadOp load;
  memref::StoreOp store;
};

/// Whether two index values are equal: the same value, or the results of
/// two identical side-effect-free operations on the same operands (linalg's
/// loops compute each operand's indices with their own affine.apply).
bool sameIndex(Value a, Value b) {
  if (a == b)
    return true;
  Operation *da = a.getDefiningOp(), *db = b.getDefiningOp();
  return da && db && isMemoryEffectFree(da) &&
         OperationEquivalence::isEquivalentTo(
             da, db, OperationEquivalence::exactValueMatch, nullptr,
             OperationEquivalence::IgnoreLocations);
}

bool sameIndices(ValueRange a, ValueRange b) {
  return a.size() == b.size() && llvm::all_of(llvm::zip(a, b), [](auto pair) {
           return sameIndex(std::get<0>(pair), std::get<1>(pair));
         });
}

/// Whether `op` only reads memory and computes: loads, pure ops, and loops
/// of them (an inner reduction loop already carrying its sums).
bool onlyReads(Operation *op) {
  return !op->walk([](Operation *inner) {
              if (isa<memref::LoadOp, scf::ForOp, scf::YieldOp>(inner) ||
                  isMemoryEffectFree(inner))
                return WalkResult::advance();
              return WalkResult::interrupt();
            }).wasInterrupted();
}

/// The accumulators of `loop`, or nothing when some write of its body is
/// not one (or the body does anything else to memory but read).
std::optional<SmallVector<Accumulator>> findAccumulators(scf::ForOp loop) {
  SmallVector<Accumulator> found;
  Block *body = loop.getBody();
  auto invariant = [&](ValueRange values) {
    return llvm::all_of(
        values, [&](Value v) { return loop.isDefinedOutsideOfLoop(v); });
  };
  for (Operation &op : body->without_terminator()) {
    auto store = dyn_cast<memref::StoreOp>(op);
    if (!store) {
      if (onlyReads(&op))
        continue;
      return std::nullopt;
    }
    Value buffer = store.getMemRef();
    if (!invariant(buffer) || !invariant(store.getIndices()))
      return std::nullopt;
    // The one load of the buffer in the body (nested loops included): at
    // the same indices, before the store.
    memref::LoadOp load;
    bool other = false;
    body->walk([&](memref::LoadOp read) {
      if (read.getMemRef() != buffer)
        return;
      if (load || read->getBlock() != body ||
          !sameIndices(read.getIndices(), store.getIndices()) ||
          !read->isBeforeInBlock(store))
        other = true;
      load = read;
    });
    if (!load || other)
      return std::nullopt;
    found.push_back({load, store});
  }
  // Two stores to one buffer would each need the other's value.
  for (size_t i = 0; i < found.size(); ++i)
    for (size_t j = i + 1; j < found.size(); ++j)
      if (found[i].store.getMemRef() == found[j].store.getMemRef())
        return std::nullopt;
  return found;
}

} // namespace

namespace dlcc {

bool keepAccumulatorsInRegisters(RewriterBase &rewriter, scf::ForOp loop) {
  if (loop.getNumResults())
    return false;
  // The index computations of the accumulators (affine.apply of the outer
  // loops' ivs) move out, so that their indices are invariant.
  moveLoopInvariantCode(cast<LoopLikeOpInterface>(loop.getOperation()));
  std::optional<SmallVector<Accumulator>> accumulators = findAccumulators(loop);
  if (!accumulators || accumulators->empty())
    return false;

  rewriter.setInsertionPoint(loop);
  SmallVector<Value> initial;
  for (Accumulator &acc : *accumulators)
    initial.push_back(memref::LoadOp::create(rewriter, acc.load.getLoc(),
                                             acc.load.getMemRef(),
                                             acc.load.getIndices()));
  FailureOr<LoopLikeOpInterface> replaced = loop.replaceWithAdditionalYields(
      rewriter, initial, /*replaceInitOperandUsesInLoop=*/false,
      [&](OpBuilder &, Location, ArrayRef<BlockArgument> carried) {
        SmallVector<Value> next;
        for (auto [acc, arg] : llvm::zip(*accumulators, carried)) {
          rewriter.replaceAllUsesWith(acc.load.getResult(), arg);
          Value value = acc.store.getValueToStore();
          if (auto add = value.getDefiningOp<arith::AddFOp>())
            if (add.getLhs() == arg || add.getRhs() == arg)
              add.setFastmath(arith::FastMathFlags::reassoc);
          next.push_back(value);
        }
        return next;
      });
  if (failed(replaced))
    return false;
  auto newLoop = cast<scf::ForOp>(replaced->getOperation());
  rewriter.setInsertionPointAfter(newLoop);
  for (auto [acc, result] : llvm::zip(*accumulators, newLoop.getResults())) {
    memref::StoreOp::create(rewriter, acc.store.getLoc(), result,
                            acc.store.getMemRef(), acc.store.getIndices());
    rewriter.eraseOp(acc.store);
    rewriter.eraseOp(acc.load);
  }
  return true;
}

} // namespace dlcc
