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

/// Whether `function`, or a private function it calls, does floating-point
/// arithmetic. Loops that only move data (copies, transposes, gathers) are
/// bound by memory, and gain nothing from wider registers.
bool computesFloats(func::FuncOp function, SymbolTable &symbols) {
  return function
      .walk([&](Operation *op) {
        if (auto call = dyn_cast<func::CallOp>(op)) {
          auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
          if (callee && !callee.isExternal() && callee.isPrivate() &&
              computesFloats(callee, symbols))
            return WalkResult::interrupt();
          return WalkResult::advance();
        }
        bool arithmetic = isa<math::MathDialect>(op->getDialect()) ||
                          (isa<arith::ArithDialect>(op->getDialect()) &&
                           !isa<arith::ConstantOp>(op));
        if (arithmetic && llvm::any_of(op->getResultTypes(), [](Type type) {
              return isa<FloatType>(getElementTypeOrSelf(type));
            }))
          return WalkResult::interrupt();
        return WalkResult::advance();
      })
      .wasInterrupted();
}

/// `function`'s body becomes a choice on the byte `flag` between calls of
/// `wide` and `base`, which take its body and arguments; results passed
/// on. The choice lives here, in a small function, and not at each call
/// site: a step with hundreds of `scf.if`s is slow to lower.
void chooseVersion(OpBuilder &b, func::FuncOp function, func::FuncOp wide,
                   func::FuncOp base, StringRef flag) {
  Location loc = function.getLoc();
  function.eraseBody();
  Block *entry = function.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value address = LLVM::AddressOfOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext()), flag);
  Value byte = LLVM::LoadOp::create(b, loc, b.getI8Type(), address);
  Value zero = arith::ConstantIntOp::create(b, loc, b.getI8Type(), 0);
  Value useWide =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, byte, zero);
  auto choice = scf::IfOp::create(b, loc, function.getResultTypes(), useWide,
                                  /*withElseRegion=*/true);
  // Without results the branches come with their (empty) yields.
  for (Block *branch : {choice.thenBlock(), choice.elseBlock()})
    if (!branch->empty())
      branch->back().erase();
  for (auto [branch, version] : {std::pair(choice.thenBlock(), wide),
                                 std::pair(choice.elseBlock(), base)}) {
    b.setInsertionPointToStart(branch);
    auto call = func::CallOp::create(b, loc, version, entry->getArguments());
    scf::YieldOp::create(b, loc, call.getResults());
  }
  b.setInsertionPointToEnd(entry);
  func::ReturnOp::create(b, loc, choice.getResults());
  // A choice, not a loop nest: LLVM may inline it into the step.
  function->removeAttr(dlcc::kLoopNestAttr);
  function->removeAttr("passthrough");
}

/// Compiles `function` for `cpu` with full-width vectors: LLVM's tuning for
/// AVX-512 CPUs prefers 256-bit vectors (older Intel parts slow their
/// clock on 512-bit ones), which would halve the arithmetic of loops bound
/// by it (GELU, exponentials) on CPUs that run 512 bits at full speed.
void buildForWideCPU(func::FuncOp function, StringAttr cpu) {
  MLIRContext *ctx = function.getContext();
  function->setAttr("target_cpu", cpu);
  SmallVector<Attribute> passthrough;
  if (auto existing = function->getAttrOfType<ArrayAttr>("passthrough"))
    llvm::append_range(passthrough, existing);
  passthrough.push_back(
      ArrayAttr::get(ctx, {StringAttr::get(ctx, "prefer-vector-width"),
                           StringAttr::get(ctx, "512")}));
  function->setAttr("passthrough", ArrayAttr::get(ctx, passthrough));
}

/// Calls in `wide` of the module's own private functions (a loop nest's
/// parallel bodies, see dl-merge-loop-nests) call copies for `wide`'s CPU:
/// LLVM inlines only functions built for the caller's CPU, and the bodies
/// are where the vector instructions are.
void widenCallees(OpBuilder &b, SymbolTable &symbols, func::FuncOp wide) {
  wide.walk([&](func::CallOp call) {
    auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
    if (!callee || callee.isExternal() || !callee.isPrivate())
      return;
    b.setInsertionPointAfter(callee);
    func::FuncOp copy = callee.clone();
    copy.setSymName((callee.getSymName() + ".wide").str());
    buildForWideCPU(copy, wide->getAttrOfType<StringAttr>("target_cpu"));
    b.insert(copy);
    symbols.insert(copy);
    call.setCallee(copy.getSymName());
  });
}

struct DLMultiversionLoopsPass
    : dlcc::impl::DLMultiversionLoopsBase<DLMultiversionLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder b(&getContext());
    SymbolTable symbols(module);
    bool versioned = false;
    for (auto function : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (!function->hasAttr(dlcc::kLoopNestAttr) || !runsOnThreads(function) ||
          !computesFloats(function, symbols))
        continue;
      b.setInsertionPointAfter(function);
      func::FuncOp base = function.clone();
      base.setSymName((function.getSymName() + ".base").str());
      b.insert(base);
      symbols.insert(base);
      func::FuncOp wide = function.clone();
      wide.setSymName((function.getSymName() + ".wide").str());
      buildForWideCPU(wide, b.getStringAttr(cpu));
      b.insert(wide);
      symbols.insert(wide);
      widenCallees(b, symbols, wide);
      chooseVersion(b, function, wide, base, flag);
      versioned = true;
    }
    if (versioned && !symbols.lookup(flag)) {
      b.setInsertionPointToStart(module.getBody());
      LLVM::GlobalOp::create(b, module.getLoc(), b.getI8Type(),
                             /*isConstant=*/false, LLVM::Linkage::External,
                             flag, Attribute());
    }
  }
};

} // namespace
