//===- WriteInPlace.cpp - Results written where they are stored -----------===//
//
// Part of dlcc. Implements `dl-write-in-place`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/ArenaLayout.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace dlcc {
#define GEN_PASS_DEF_DLWRITEINPLACE
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlcc

using namespace mlir;

namespace {

/// The use of a `tensor.empty` whose place `result` is computed in,
/// through the destinations of destination-style ops (a fill, then a
/// loop) that nothing else uses; null if there is none.
OpOperand *emptyInit(Value result) {
  while (auto op = result.getDefiningOp<DestinationStyleOpInterface>()) {
    OpOperand *init = op.getTiedOpOperand(cast<OpResult>(result));
    if (!init)
      return nullptr;
    if (init->get().getDefiningOp<tensor::EmptyOp>())
      return init;
    if (!init->get().hasOneUse())
      return nullptr;
    result = init->get();
  }
  return nullptr;
}

/// Gives each destination-style op that writes into a shared fill of a
/// `tensor.empty` (CSE merges the zeros every product accumulates into) a
/// fill of its own, made just before it: bufferization would otherwise
/// keep one filled buffer and copy it for every writer.
void fillPerWriter(func::FuncOp function) {
  OpBuilder b(function.getContext());
  function.walk([&](linalg::FillOp fill) {
    if (!fill.hasPureTensorSemantics() ||
        !fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
      return;
    SmallVector<OpOperand *> writers;
    for (OpOperand &use : fill.getResult(0).getUses()) {
      auto writer = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
      if (writer && writer.isDpsInit(&use))
        writers.push_back(&use);
    }
    // In program order (use lists are not), where they share a block.
    if (llvm::all_of(writers, [&](OpOperand *use) {
          return use->getOwner()->getBlock() ==
                 writers.front()->getOwner()->getBlock();
        }))
      llvm::sort(writers, [](OpOperand *a, OpOperand *b) {
        return a->getOwner()->isBeforeInBlock(b->getOwner());
      });
    // Other readers, or the first writer, keep the original.
    bool othersRead = writers.size() < llvm::range_size(fill->getUses());
    for (OpOperand *use : llvm::drop_begin(writers, othersRead ? 0 : 1)) {
      b.setInsertionPoint(use->getOwner());
      Operation *empty = b.clone(*fill.getOutputs()[0].getDefiningOp());
      IRMapping mapping;
      mapping.map(fill.getOutputs()[0], empty->getResult(0));
      use->set(b.clone(*fill, mapping)->getResult(0));
    }
  });
}

struct DLWriteInPlacePass : dlcc::impl::DLWriteInPlaceBase<DLWriteInPlacePass> {
  void runOnOperation() override {
    getOperation().walk([](func::FuncOp function) { fillPerWriter(function); });
    getOperation().walk([](func::FuncOp function) {
      DominanceInfo dominance(function);
      SmallVector<bufferization::ToTensorOp> reads;
      function.walk(
          [&](bufferization::ToTensorOp read) { reads.push_back(read); });
      function.walk([&](bufferization::MaterializeInDestinationOp store) {
        Value dest = store.getDest();
        if (!isa<MemRefType>(dest.getType()) || !store.getRestrict())
          return;
        auto read = llvm::find_if(reads, [&](bufferization::ToTensorOp read) {
          return read.getRestrict() &&
                 dlcc::sameArenaBuffer(read.getBuffer(), dest) &&
                 read.getType() == store.getSource().getType() &&
                 read->getBlock() == store->getBlock() &&
                 read->isBeforeInBlock(store);
        });
        OpOperand *init = emptyInit(store.getSource());
        if (read == reads.end() || !init ||
            !dominance.properlyDominates(read->getResult(), init->getOwner()))
          return;
        // The buffer's own tensor as the loop's destination: bufferization
        // writes in place where nothing reads the old value afterwards, and
        // copies otherwise. The tensor must be writable for that.
        Operation *empty = init->get().getDefiningOp();
        init->set(read->getResult());
        if (empty->use_empty())
          empty->erase();
        read->setWritable(true);
      });
    });
  }
};

} // namespace
