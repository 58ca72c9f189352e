//===- Autodiff.cpp - Reverse-mode differentiation of the model -----------===//
//
// Part of dlcc. Implements `dl-autodiff`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "DL/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::dl {
#define GEN_PASS_DEF_DLAUTODIFF
#include "DL/Transforms/Passes.h.inc"
} // namespace mlir::dl

using namespace mlir;
using namespace mlir::dl;

namespace {

bool isFloatTensor(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && isa<FloatType>(type.getElementType());
}

/// Differentiates the body of `fn` (a copy of @forward) in place.
class ReverseSweep {
public:
  ReverseSweep(func::FuncOp fn, ModuleOp module) : fn(fn), module(module) {}

  LogicalResult run();

private:
  void accumulate(Value value, Value gradient, Operation *end);

  func::FuncOp fn;
  ModuleOp module;
  DenseMap<Value, Value> gradients;
  DenseSet<Value> active;
};

/// Adds `gradient` to the gradient of `value` so far. The sum goes at the
/// end of the sweep (before `end`), after both terms: a rule may build the
/// gradients of its operands in any order, so the later of the two is not
/// necessarily `gradient`.
void ReverseSweep::accumulate(Value value, Value gradient, Operation *end) {
  Value &slot = gradients[value];
  if (!slot) {
    slot = gradient;
    return;
  }
  OpBuilder b(end);
  slot = AddOp::create(b, gradient.getLoc(), slot, gradient);
}

LogicalResult ReverseSweep::run() {
  Block &body = fn.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  if (ret.getNumOperands() == 0 || !isFloatTensor(ret.getOperand(0)) ||
      cast<RankedTensorType>(ret.getOperand(0).getType()).getRank() != 0)
    return fn.emitError("the first result of @forward must be the scalar loss");

  // Trainable parameters, in declaration order.
  SmallVector<ParameterOp> trainable;
  for (auto param : module.getOps<ParameterOp>())
    if (!param.getFrozen() && !param.getBuffer() && !param.getState())
      trainable.push_back(param);
  llvm::StringSet<> trainableNames;
  for (ParameterOp param : trainable)
    trainableNames.insert(param.getSymName());

  // Forward: which values depend on a trainable parameter.
  for (Operation &op : body.without_terminator()) {
    bool depends = false;
    if (auto read = dyn_cast<ParamOp>(op))
      depends = trainableNames.contains(read.getName());
    else
      depends = llvm::any_of(op.getOperands(),
                             [&](Value v) { return active.contains(v); });
    if (depends)
      for (Value result : op.getResults())
        if (isFloatTensor(result))
          active.insert(result);
  }

  // Reverse: seed d loss / d loss = 1, then every op from last to first.
  OpBuilder b(ret);
  Value loss = ret.getOperand(0);
  auto lossType = cast<RankedTensorType>(loss.getType());
  gradients[loss] = arith::ConstantOp::create(
      b, ret.getLoc(),
      DenseElementsAttr::get(lossType,
                             b.getFloatAttr(lossType.getElementType(), 1.0)));
  llvm::MapVector<StringRef, Value> paramGradients;
  SmallVector<Operation *> forwardOps;
  for (Operation &op : body.without_terminator())
    forwardOps.push_back(&op);
  for (Operation *op : llvm::reverse(forwardOps)) {
    SmallVector<Value> resultGradients;
    bool any = false;
    for (Value result : op->getResults()) {
      Value g = active.contains(result) ? gradients.lookup(result) : Value();
      resultGradients.push_back(g);
      any |= bool(g);
    }
    if (!any)
      continue;
    if (auto read = dyn_cast<ParamOp>(op)) {
      Value &slot = paramGradients[read.getName()];
      slot = slot ? AddOp::create(b, read.getLoc(), slot, resultGradients[0])
                        .getResult()
                  : resultGradients[0];
      continue;
    }
    auto differentiable = dyn_cast<GradientOpInterface>(op);
    if (!differentiable)
      return op->emitError("autodiff: '")
             << op->getName() << "' is not differentiable";
    // Results that carry no gradient count as zero.
    for (auto [result, g] : llvm::zip(op->getResults(), resultGradients))
      if (!g) {
        auto type = cast<RankedTensorType>(result.getType());
        g = arith::ConstantOp::create(
            b, op->getLoc(),
            DenseElementsAttr::get(type,
                                   b.getFloatAttr(type.getElementType(), 0.0)));
      }
    SmallVector<Value> operandGradients;
    OpBuilder at(ret);
    if (failed(differentiable.buildGradient(at, resultGradients,
                                            operandGradients)))
      return op->emitError("autodiff: cannot differentiate this op");
    for (auto [operand, g] :
         llvm::zip(op->getOperands(), operandGradients))
      if (g && active.contains(operand))
        accumulate(operand, g, ret);
  }

  // Return the forward results, then each trainable parameter's gradient.
  SmallVector<Value> results(ret.getOperands());
  SmallVector<Attribute> names;
  for (ParameterOp param : trainable) {
    Value g = paramGradients.lookup(param.getSymName());
    if (!g) {
      // A parameter the loss does not reach: its gradient is zero.
      g = arith::ConstantOp::create(
          b, ret.getLoc(),
          DenseElementsAttr::get(param.getTensorType(),
                                 b.getFloatAttr(param.getTensorType()
                                                    .getElementType(),
                                                0.0)));
    }
    results.push_back(g);
    names.push_back(param.getSymNameAttr());
  }
  func::ReturnOp::create(b, ret.getLoc(), results);
  ret.erase();
  // Gradient rules build every operand's gradient; drop those nobody needs
  // (for instance the gradient of a batch input).
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
    if (isOpTriviallyDead(&op))
      op.erase();
  fn.setFunctionType(
      FunctionType::get(fn.getContext(), fn.getArgumentTypes(),
                        ValueRange(results).getTypes()));
  fn->setAttr("dl.gradients", ArrayAttr::get(fn.getContext(), names));

  // The reverse sweep's ops are named "backward" in their locations, which
  // lowering keeps, so that the memory plan can tell what the forward keeps
  // for the backward pass from what the backward computes.
  llvm::SmallPtrSet<Operation *, 32> forward(forwardOps.begin(),
                                             forwardOps.end());
  StringAttr backward = StringAttr::get(fn.getContext(), "backward");
  for (Operation &op : body)
    if (!forward.contains(&op) && !isa<func::ReturnOp>(op))
      op.setLoc(NameLoc::get(backward, op.getLoc()));
  return success();
}

struct DLAutodiffPass : mlir::dl::impl::DLAutodiffBase<DLAutodiffPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward) {
      module.emitError("the module has no model function @forward");
      return signalPassFailure();
    }
    if (module.lookupSymbol("train_step")) {
      module.emitError("the module already has a @train_step");
      return signalPassFailure();
    }
    OpBuilder b(module.getContext());
    b.setInsertionPointAfter(forward);
    auto step = cast<func::FuncOp>(b.clone(*forward));
    step.setSymName("train_step");
    if (failed(ReverseSweep(step, module).run()))
      return signalPassFailure();
  }
};

} // namespace
