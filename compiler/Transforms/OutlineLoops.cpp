//===- OutlineLoops.cpp - Each loop nest a function of its own ------------===//
//
// Part of dlcc. Implements `dl-outline-loops`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/SinkDefinitions.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"

namespace dlcc {
#define GEN_PASS_DEF_DLOUTLINELOOPS
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlcc

using namespace mlir;

namespace {

/// Whether the bare-pointer calling convention of the step functions can
/// pass `value` to a function: anything but a memref with a dynamic shape
/// or a layout other than the identity.
bool passable(Value value) {
  auto type = dyn_cast<MemRefType>(value.getType());
  return !type || (type.hasStaticShape() && type.getLayout().isIdentity());
}

/// Moves `loop` into a function `name` called in its place; leaves it when
/// a value it uses cannot be passed.
void outline(IRRewriter &rewriter, Operation *loop, StringRef name) {
  Location loc = loop->getLoc();
  rewriter.setInsertionPoint(loop);
  auto wrapper =
      scf::ExecuteRegionOp::create(rewriter, loc, loop->getResultTypes());
  rewriter.replaceAllUsesWith(loop->getResults(), wrapper.getResults());
  Block *body = rewriter.createBlock(&wrapper.getRegion());
  rewriter.setInsertionPointToStart(body);
  auto yield = scf::YieldOp::create(rewriter, loc, loop->getResults());
  rewriter.moveOpBefore(loop, yield);
  dlcc::sinkPureDefinitions(wrapper.getRegion());

  SetVector<Value> captured;
  getUsedValuesDefinedAbove(wrapper.getRegion(), captured);
  if (llvm::all_of(captured, passable)) {
    func::CallOp call;
    FailureOr<func::FuncOp> function = outlineSingleBlockRegion(
        rewriter, loc, wrapper.getRegion(), name, &call);
    if (succeeded(function)) {
      function->setPrivate();
      // Inlined back, the step would be one huge function again.
      (*function)->setAttr(
          "passthrough",
          rewriter.getArrayAttr({rewriter.getStringAttr("noinline")}));
      (*function)->setAttr(dlcc::kLoopNestAttr, rewriter.getUnitAttr());
    }
  }
  // The wrapper's block (the call, or the loop itself) back in its place.
  Block *inner = &wrapper.getRegion().front();
  Operation *terminator = inner->getTerminator();
  SmallVector<Value> results(terminator->getOperands());
  rewriter.inlineBlockBefore(inner, wrapper);
  rewriter.replaceOp(wrapper, results);
  rewriter.eraseOp(terminator);
}

struct DLOutlineLoopsPass : dlcc::impl::DLOutlineLoopsBase<DLOutlineLoopsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<func::FuncOp> steps;
    for (auto function : getOperation().getOps<func::FuncOp>())
      if (function.isPublic() && !function.isExternal())
        steps.push_back(function);
    for (func::FuncOp step : steps) {
      SmallVector<Operation *> loops;
      for (Operation &op : step.getBody().getOps())
        if (isa<scf::ForOp, scf::ParallelOp>(op))
          loops.push_back(&op);
      for (auto [i, loop] : llvm::enumerate(loops))
        outline(rewriter, loop, (step.getSymName() + ".loop" + Twine(i)).str());
    }
  }
};

} // namespace
