//===- GPUHostReads.cpp - Host reads of device memory as copies -----------===//
//
// Part of dlcc. Implements `dl-gpu-host-reads`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/RuntimeCalls.h"

namespace dlcc {
#define GEN_PASS_DEF_DLGPUHOSTREADS
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlcc

using namespace mlir;

namespace {

/// Whether `memref` is (a view of) a host function's argument: the arena,
/// which lives on the device.
bool inArena(Value memref) {
  while (Operation *def = memref.getDefiningOp()) {
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      return false;
    memref = view.getViewSource();
  }
  return isa<BlockArgument>(memref) &&
         isa<func::FuncOp>(
             cast<BlockArgument>(memref).getOwner()->getParentOp());
}

struct DLGPUHostReads : dlcc::impl::DLGPUHostReadsBase<DLGPUHostReads> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<memref::LoadOp> reads;
    WalkResult walk = module.walk([&](Operation *op) {
      if (isa<gpu::GPUModuleOp>(op))
        return WalkResult::skip();
      if (auto load = dyn_cast<memref::LoadOp>(op)) {
        if (inArena(load.getMemRef()))
          reads.push_back(load);
        return WalkResult::advance();
      }
      if (isa<memref::StoreOp, memref::CopyOp, linalg::LinalgOp>(op) &&
          llvm::any_of(op->getOperands(), inArena)) {
        op->emitError("host code would write device memory; this op cannot "
                      "run on a CUDA target yet");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();

    if (reads.empty())
      return;
    OpBuilder b(&getContext());
    auto ptr = LLVM::LLVMPointerType::get(&getContext());
    func::FuncOp read = dlcc::declareRuntimeFunction(
        b, module, "dlrt_cuda_read",
        b.getFunctionType({ptr, ptr, b.getI64Type()}, {}));
    for (memref::LoadOp load : reads) {
      Location loc = load.getLoc();
      b.setInsertionPoint(load);
      Type element = load.getType();
      auto slot =
          memref::AllocaOp::create(b, loc, MemRefType::get({}, element));
      Value bytes = arith::ConstantIntOp::create(
          b, loc, b.getI64Type(), element.getIntOrFloatBitWidth() / 8);
      func::CallOp::create(
          b, loc, read,
          ValueRange{dlcc::elementPointer(b, loc, slot, {}),
                     dlcc::elementPointer(b, loc, load.getMemRef(),
                                          load.getIndices()),
                     bytes});
      Value value = memref::LoadOp::create(b, loc, slot, ValueRange{});
      load.replaceAllUsesWith(value);
      load.erase();
    }
  }
};

} // namespace
