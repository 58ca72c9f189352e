//===- PairProducts.cpp - Independent GEMM calls joined in pairs ----------===//
//
// Part of dlcc. Implements `dl-pair-products`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/BufferOps.h"
#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/RuntimeCalls.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"

namespace dlcc {
#define GEN_PASS_DEF_DLPAIRPRODUCTS
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlcc

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kGemm = "dlrt_sgemm";
constexpr llvm::StringLiteral kPair = "dlrt_sgemm_pair";

// dlrt_sgemm's operands (runtime/include/dlrt/ModelABI.h).
enum GemmOperand { kM = 2, kN = 3, kK = 4, kA = 6, kB = 8, kC = 11 };
constexpr unsigned kGemmOperands = 13;

bool isGemm(Operation *op) {
  auto call = dyn_cast<func::CallOp>(op);
  return call && call.getCallee() == kGemm &&
         call.getNumOperands() == kGemmOperands;
}

/// The buffers whose addresses `pointer` is computed from, each followed
/// through views to the buffer it views.
llvm::SmallPtrSet<Value, 2> buffersOf(Value pointer) {
  llvm::SmallPtrSet<Value, 2> buffers;
  SmallVector<Value> worklist{pointer};
  DenseSet<Value> seen;
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    if (!seen.insert(value).second)
      continue;
    if (isa<BaseMemRefType>(value.getType())) {
      buffers.insert(dlcc::viewRoot(value));
      continue;
    }
    if (Operation *def = value.getDefiningOp())
      llvm::append_range(worklist, def->getOperands());
  }
  return buffers;
}

/// The multiply-adds of a GEMM call, when its sizes are constants.
std::optional<double> multiplyAdds(func::CallOp gemm) {
  double product = 1;
  for (unsigned operand : {kM, kN, kK}) {
    APInt size;
    if (!matchPattern(gemm.getOperand(operand), m_ConstantInt(&size)))
      return std::nullopt;
    product *= double(size.getSExtValue());
  }
  return product;
}

/// Whether `first` and `second` may run at once: each writes a buffer of
/// its own making (an allocation, disjoint from every other buffer before
/// the memory plan) that the other does not touch.
bool independent(func::CallOp first, func::CallOp second) {
  auto output = [](func::CallOp gemm) -> std::optional<Value> {
    llvm::SmallPtrSet<Value, 2> buffers = buffersOf(gemm.getOperand(kC));
    if (buffers.size() != 1 ||
        !(*buffers.begin()).getDefiningOp<memref::AllocOp>())
      return std::nullopt;
    return *buffers.begin();
  };
  std::optional<Value> out1 = output(first), out2 = output(second);
  if (!out1 || !out2 || *out1 == *out2)
    return false;
  for (auto [gemm, other] : {std::pair(first, *out2), std::pair(second, *out1)})
    for (unsigned operand : {kA, kB})
      if (buffersOf(gemm.getOperand(operand)).contains(other))
        return false;
  return true;
}

/// The GEMM call after `gemm` with nothing between that reads or writes
/// memory, if any.
func::CallOp nextGemm(func::CallOp gemm) {
  for (Operation *op = gemm->getNextNode(); op; op = op->getNextNode()) {
    if (isGemm(op))
      return cast<func::CallOp>(op);
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects || op->getNumRegions() != 0)
      return {};
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    if (llvm::any_of(instances, [](const MemoryEffects::EffectInstance &e) {
          return !isa<MemoryEffects::Allocate>(e.getEffect());
        }))
      return {};
  }
  return {};
}

struct DLPairProductsPass : dlcc::impl::DLPairProductsBase<DLPairProductsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::CallOp> gemms;
    module.walk([&](func::CallOp call) {
      if (isGemm(call))
        gemms.push_back(call);
    });
    DenseSet<Operation *> paired;
    OpBuilder b(module.getContext());
    for (func::CallOp first : gemms) {
      if (paired.contains(first))
        continue;
      func::CallOp second = nextGemm(first);
      if (!second)
        continue;
      std::optional<double> work1 = multiplyAdds(first);
      std::optional<double> work2 = multiplyAdds(second);
      // Side by side, the larger product sets the time.
      if (!work1 || !work2 ||
          std::max(*work1, *work2) > 1.1 * std::min(*work1, *work2) ||
          !independent(first, second))
        continue;
      b.setInsertionPoint(second);
      SmallVector<Value> operands(first.getOperands());
      llvm::append_range(operands, second.getOperands());
      func::FuncOp pair = dlcc::declareRuntimeFunction(
          b, module, kPair,
          b.getFunctionType(ValueRange(operands).getTypes(), {}));
      func::CallOp::create(b, second.getLoc(), pair, operands);
      paired.insert(first);
      paired.insert(second);
      first.erase();
      second.erase();
    }
  }
};

} // namespace
