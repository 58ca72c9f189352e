//===- Checkpoint.cpp - Activation checkpointing --------------------------===//
//
// Part of dlcc. Implements `dl-checkpoint`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "DL/Transforms/Passes.h"

#include "DL/IR/DLOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"

#include <cmath>

namespace mlir::dl {
#define GEN_PASS_DEF_DLCHECKPOINT
#include "DL/Transforms/Passes.h.inc"
} // namespace mlir::dl

using namespace mlir;
using namespace mlir::dl;

namespace {

/// Whether dl-autodiff built `op` for the reverse sweep.
bool isBackward(Operation *op) {
  auto name = dyn_cast<NameLoc>(op->getLoc());
  return name && name.getName() == "backward";
}

/// The forward's segments: runs of consecutive ops made by one outermost
/// block call, in order.
SmallVector<SmallVector<Operation *>> blockSegments(Block &body) {
  SmallVector<SmallVector<Operation *>> segments;
  std::optional<int64_t> current;
  for (Operation &op : body) {
    if (isBackward(&op))
      break;
    auto index = op.getAttrOfType<IntegerAttr>("dl.block");
    if (!index) {
      current.reset();
      continue;
    }
    if (current != index.getInt()) {
      segments.emplace_back();
      current = index.getInt();
    }
    segments.back().push_back(&op);
  }
  return segments;
}

/// Recomputes `run` for the backward: a copy of its ops right before the
/// first backward op that uses one of its values, which that and every
/// later backward use then take.
void recompute(ArrayRef<Operation *> run) {
  DenseSet<Operation *> inRun(run.begin(), run.end());
  Operation *first = nullptr;
  for (Operation *op : run)
    for (Value result : op->getResults())
      for (Operation *user : result.getUsers())
        if (isBackward(user) && (!first || user->isBeforeInBlock(first)))
          first = user;
  if (!first)
    return;

  OpBuilder b(first);
  IRMapping mapping;
  StringAttr backward = b.getStringAttr("backward");
  for (Operation *op : run) {
    Operation *copy = b.clone(*op, mapping);
    copy->setLoc(NameLoc::get(backward, op->getLoc()));
    copy->removeAttr("dl.block");
  }
  for (Operation *op : run)
    for (Value result : op->getResults())
      result.replaceUsesWithIf(mapping.lookup(result), [&](OpOperand &use) {
        return isBackward(use.getOwner()) && !inRun.contains(use.getOwner()) &&
               use.getOwner()->getBlock() == first->getBlock() &&
               !use.getOwner()->isBeforeInBlock(first);
      });
}

struct DLCheckpointPass : mlir::dl::impl::DLCheckpointBase<DLCheckpointPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string chosen = mode;
    if (chosen.empty())
      if (auto train = module->getAttrOfType<DictionaryAttr>("dl.train")) {
        if (auto value = train.getAs<StringAttr>("checkpoint"))
          chosen = value.getValue().str();
        else if (train.getAs<DictionaryAttr>("checkpoint"))
          chosen = "auto";
      }
    if (chosen.empty() || chosen == "none")
      return;
    if (chosen == "auto") {
      module.emitError("checkpoint = auto(budget) is chosen by dlcc, which "
                       "plans the candidates; dl-checkpoint takes blocks "
                       "and the block indices");
      return signalPassFailure();
    }
    if (chosen != "blocks" && chosen != "sqrt") {
      module.emitError("unknown checkpointing mode '")
          << chosen << "': expected none, blocks or sqrt";
      return signalPassFailure();
    }
    auto step = module.lookupSymbol<func::FuncOp>("train_step");
    if (!step) {
      module.emitError("dl-checkpoint needs the @train_step that dl-autodiff "
                       "builds");
      return signalPassFailure();
    }
    SmallVector<SmallVector<Operation *>> segments =
        blockSegments(step.getBody().front());
    if (segments.empty()) {
      step.emitWarning("checkpoint = ")
          << chosen << ": the model calls no block, nothing to checkpoint";
      return;
    }
    // sqrt: runs of about sqrt(n) consecutive segments.
    size_t perRun =
        chosen == "sqrt"
            ? std::max<size_t>(1, size_t(std::lround(
                                      std::sqrt(double(segments.size())))))
            : 1;
    if (!blocks.empty()) {
      // Only the chosen calls.
      DenseSet<int64_t> chosenBlocks(blocks.begin(), blocks.end());
      llvm::erase_if(segments, [&](ArrayRef<Operation *> segment) {
        auto index = segment.front()->getAttrOfType<IntegerAttr>("dl.block");
        return !chosenBlocks.contains(index.getInt());
      });
    }
    for (size_t start = 0; start < segments.size(); start += perRun) {
      SmallVector<Operation *> run;
      for (size_t i = start; i < std::min(start + perRun, segments.size());
           ++i)
        llvm::append_range(run, segments[i]);
      recompute(run);
    }
  }
};

} // namespace
