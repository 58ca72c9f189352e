//===- MultiversionLoops.cpp - Loop nests for wider vectors too -----------===//
//
// Part of dlcc. Implements `dl-multiversion-loops`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace dlcc {
#define GEN_PASS_DEF_DLMULTIVERSIONLOOPS
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlcc

using namespace mlir;

namespace {

/// Whether `function` has a loop that dl-thread-loops left parallel: one
/// with enough work to be worth a second version (the others would only
/// lengthen the compilation).
bool runsOnThreads(func::FuncOp function) {
  return function.walk([](scf::ParallelOp) { return WalkResult::interrupt(); })
      .wasInterrupted();
}

/// The flag as an i1, read at the start of `function`'s body.
Value readFlag(OpBuilder &b, func::FuncOp function, StringRef flag) {
  Location loc = function.getLoc();
  b.setInsertionPointToStart(&function.getBody().front());
  Value address = LLVM::AddressOfOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext()), flag);
  Value byte = LLVM::LoadOp::create(b, loc, b.getI8Type(), address);
  Value zero = arith::ConstantIntOp::create(b, loc, b.getI8Type(), 0);
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, byte, zero);
}

/// `call` of a loop nest as a choice between it and its `wide` version.
void chooseVersion(OpBuilder &b, func::CallOp call, func::FuncOp wide,
                   Value useWide) {
  b.setInsertionPoint(call);
  Location loc = call.getLoc();
  auto choice = scf::IfOp::create(b, loc, call.getResultTypes(), useWide,
                                  /*withElseRegion=*/true);
  // Without results the branches come with their (empty) yields.
  for (Block *branch : {choice.thenBlock(), choice.elseBlock()})
    if (!branch->empty())
      branch->back().erase();
  b.setInsertionPointToStart(choice.thenBlock());
  auto wideCall = func::CallOp::create(b, loc, wide, call.getOperands());
  scf::YieldOp::create(b, loc, wideCall.getResults());
  b.setInsertionPointToStart(choice.elseBlock());
  Operation *plainCall = call->clone();
  b.insert(plainCall);
  scf::YieldOp::create(b, loc, plainCall->getResults());
  call->replaceAllUsesWith(choice.getResults());
  call->erase();
}

struct DLMultiversionLoopsPass
    : dlcc::impl::DLMultiversionLoopsBase<DLMultiversionLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder b(&getContext());
    SymbolTable symbols(module);
    llvm::DenseMap<StringAttr, func::FuncOp> wideVersions;
    for (auto function : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (!function->hasAttr(dlcc::kLoopNestAttr) || !runsOnThreads(function))
        continue;
      func::FuncOp wide = function.clone();
      wide.setSymName((function.getSymName() + ".wide").str());
      wide->setAttr("target_cpu", b.getStringAttr(cpu));
      b.setInsertionPointAfter(function);
      b.insert(wide);
      symbols.insert(wide);
      wideVersions[function.getSymNameAttr()] = wide;
    }
    if (wideVersions.empty())
      return;
    if (!symbols.lookup(flag)) {
      b.setInsertionPointToStart(module.getBody());
      LLVM::GlobalOp::create(b, module.getLoc(), b.getI8Type(),
                             /*isConstant=*/false, LLVM::Linkage::External,
                             flag, Attribute());
    }
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isExternal() || function->hasAttr(dlcc::kLoopNestAttr))
        continue;
      SmallVector<func::CallOp> calls;
      function.walk([&](func::CallOp call) {
        if (wideVersions.count(call.getCalleeAttr().getAttr()))
          calls.push_back(call);
      });
      if (calls.empty())
        continue;
      Value useWide = readFlag(b, function, flag);
      for (func::CallOp call : calls)
        chooseVersion(b, call, wideVersions[call.getCalleeAttr().getAttr()],
                      useWide);
    }
  }
};

} // namespace
