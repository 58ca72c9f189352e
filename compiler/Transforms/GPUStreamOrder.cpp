//===- GPUStreamOrder.cpp - A step's kernels on one stream ----------------===//
//
// Part of dlcc. Implements `dl-gpu-stream-order`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

namespace dlcc {
#define GEN_PASS_DEF_DLGPUSTREAMORDER
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlcc

using namespace mlir;

namespace {

struct DLGPUStreamOrder : dlcc::impl::DLGPUStreamOrderBase<DLGPUStreamOrder> {
  void runOnOperation() override {
    for (auto function : getOperation().getOps<func::FuncOp>()) {
      SmallVector<gpu::LaunchFuncOp> launches;
      function.walk([&](gpu::LaunchFuncOp launch) {
        if (!launch.getAsyncToken() && launch.getAsyncDependencies().empty())
          launches.push_back(launch);
      });
      if (launches.empty())
        continue;

      OpBuilder b(function.getBody());
      Location loc = function.getLoc();
      auto tokenType = gpu::AsyncTokenType::get(&getContext());
      Value stream =
          gpu::WaitOp::create(b, loc, tokenType, ValueRange{}).getAsyncToken();
      // Every launch depends on the stream only: the lowering launches it on
      // that stream, whose order is the program's.
      for (gpu::LaunchFuncOp launch : launches) {
        b.setInsertionPoint(launch);
        std::optional<gpu::KernelDim3> cluster;
        if (launch.hasClusterSize())
          cluster = launch.getClusterSizeOperandValues();
        gpu::LaunchFuncOp::create(
            b, launch.getLoc(), launch.getKernel(),
            launch.getGridSizeOperandValues(),
            launch.getBlockSizeOperandValues(),
            launch.getDynamicSharedMemorySize(), launch.getKernelOperands(),
            tokenType, ValueRange{stream}, cluster);
        launch.erase();
      }
      function.walk([&](func::ReturnOp ret) {
        b.setInsertionPoint(ret);
        gpu::WaitOp::create(b, ret.getLoc(), Type(), ValueRange{stream});
      });
    }
  }
};

} // namespace
