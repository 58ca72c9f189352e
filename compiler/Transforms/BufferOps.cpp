//===- BufferOps.cpp - Questions about ops on buffers ---------------------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/BufferOps.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace dlcc {

bool touchesNoMemory(Operation *op) {
  return isMemoryEffectFree(op) || isa<memref::AllocOp>(op);
}

Operation *nextOpTouchingMemory(Operation *op) {
  Operation *next = op->getNextNode();
  while (next && touchesNoMemory(next))
    next = next->getNextNode();
  return next;
}

Value viewRoot(Value value) {
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>())
    value = view.getViewSource();
  return value;
}

linalg::FillOp zeroFillOf(Operation *product, Value c) {
  for (Operation *op = product->getPrevNode(); op; op = op->getPrevNode()) {
    if (auto fill = dyn_cast<linalg::FillOp>(op))
      return fill.hasPureBufferSemantics() && fill.getOutputs()[0] == c &&
                     matchPattern(fill.getInputs()[0], m_AnyZeroFloat())
                 ? fill
                 : linalg::FillOp();
    if (!touchesNoMemory(op))
      return linalg::FillOp();
  }
  return linalg::FillOp();
}

bool overwrites(Operation *op, Value buffer) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureBufferSemantics() ||
      llvm::is_contained(linalgOp.getDpsInputs(), buffer) ||
      !llvm::is_contained(linalgOp.getDpsInits(), buffer))
    return false;
  return llvm::all_of(linalgOp.getDpsInitsMutable(), [&](OpOperand &init) {
    return init.get() != buffer ||
           (!linalgOp.payloadUsesValueFromOperand(&init) &&
            linalgOp.getNumLoops() == linalgOp.getNumParallelLoops());
  });
}

} // namespace dlcc
