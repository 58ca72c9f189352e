//===- ExpandOptimizer.cpp - The optimizer update as dl ops ---------------===//
//
// Part of dlcc. Implements `dl-expand-optimizer`; see Passes.td. The update
// rules follow PyTorch 1.13's single-tensor SGD, Adam and AdamW
// (torch/optim/{sgd,adam,adamw}.py) operation by operation, so that the
// compiled step matches PyTorch to rounding.
//
//===----------------------------------------------------------------------===//

#include "DL/IR/DLGradientBuilder.h"
#include "DL/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::dl {
#define GEN_PASS_DEF_DLEXPANDOPTIMIZER
#include "DL/Transforms/Passes.h.inc"
} // namespace mlir::dl

using namespace mlir;
using namespace mlir::dl;
using mlir::dl::detail::GradBuilder;
using mlir::dl::detail::tensorOf;

namespace {

/// What the train section asks of the update; only choices that change the
/// structure of the step are fixed here. Every number (learning rate,
/// betas, decay, clipping bound) is a hyper argument the runtime supplies,
/// so schedules and command-line overrides need no recompilation.
struct OptimizerPlan {
  enum class Kind { SGD, Adam, AdamW } kind = Kind::AdamW;
  bool momentum = false; ///< SGD: keep a momentum buffer.
  bool nesterov = false; ///< SGD: Nesterov's form of momentum.
  bool clip = false;     ///< Clip the global gradient norm first.
};

double numberOf(Attribute attr) {
  if (auto f = dyn_cast_or_null<FloatAttr>(attr))
    return f.getValueAsDouble();
  if (auto i = dyn_cast_or_null<IntegerAttr>(attr))
    return static_cast<double>(i.getInt());
  return 0;
}

/// Reads the plan from the module's `dl.train`; without one, AdamW (the
/// language's default optimizer) without clipping.
FailureOr<OptimizerPlan> readPlan(ModuleOp module) {
  OptimizerPlan plan;
  auto train = module->getAttrOfType<DictionaryAttr>("dl.train");
  if (!train)
    return plan;
  if (auto optimizer = train.getAs<DictionaryAttr>("optimizer")) {
    auto name = optimizer.getAs<StringAttr>("name");
    StringRef kind = name ? name.getValue() : "";
    if (kind == "sgd") {
      plan.kind = OptimizerPlan::Kind::SGD;
      plan.momentum = numberOf(optimizer.get("momentum")) != 0;
      auto nesterov = optimizer.getAs<BoolAttr>("nesterov");
      plan.nesterov = nesterov && nesterov.getValue();
      if (plan.nesterov && !plan.momentum)
        return module.emitError("sgd: nesterov needs a momentum above 0");
    } else if (kind == "adam") {
      plan.kind = OptimizerPlan::Kind::Adam;
    } else if (kind == "adamw") {
      plan.kind = OptimizerPlan::Kind::AdamW;
    } else {
      return module.emitError("optimizer '")
             << kind << "' is not supported yet";
    }
  }
  Attribute clip = train.get("clip");
  plan.clip = clip && (isa<FloatAttr, IntegerAttr>(clip));
  return plan;
}

/// The scalar arguments a step reads from the runtime, created on first
/// use as trailing arguments named by `dl.hyper`.
class HyperArguments {
public:
  explicit HyperArguments(func::FuncOp fn) : fn(fn) {}

  Value get(StringRef name, Type element) {
    Value &value = values[name];
    if (!value) {
      unsigned index = fn.getNumArguments();
      MLIRContext *ctx = fn.getContext();
      auto attrs = DictionaryAttr::get(
          ctx, {NamedAttribute(StringAttr::get(ctx, "dl.hyper"),
                               StringAttr::get(ctx, name))});
      (void)fn.insertArgument(index, RankedTensorType::get({}, element), attrs,
                              fn.getLoc());
      value = fn.getArgument(index);
    }
    return value;
  }
  Value f32(StringRef name) {
    return get(name, Float32Type::get(fn.getContext()));
  }
  Value i64(StringRef name) {
    return get(name, IntegerType::get(fn.getContext(), 64));
  }

private:
  func::FuncOp fn;
  llvm::StringMap<Value> values;
};

/// Gives every dropout of `fn` that drops something the run's seed and the
/// step, so that its mask is drawn afresh each step and identically by its
/// gradient.
void bindDropoutCounters(func::FuncOp fn, HyperArguments &hyper) {
  fn.walk([&](DropoutOp dropout) {
    if (dropout.getRate().convertToDouble() == 0.0 ||
        !dropout.getCounter().empty())
      return;
    dropout.getCounterMutable().assign(
        ValueRange{hyper.i64("seed"), hyper.i64("step")});
  });
}

/// Builds the update of every trained parameter at the end of a step.
class UpdateBuilder {
public:
  UpdateBuilder(OpBuilder &b, Location loc, HyperArguments &hyper,
                const OptimizerPlan &plan, bool fusedAdamW)
      : g(b, loc), hyper(hyper), plan(plan), fusedAdamW(fusedAdamW) {}

  /// Clips `grads` in place to the global norm bound; returns the norm.
  Value clip(MutableArrayRef<Value> grads);
  /// Adds the update of `param` by `grad`.
  void update(ParameterOp param, Value grad);
  /// Builds the one fused update of the params update() left to it.
  void finishFused();

private:
  /// A hyper scalar, converted to `like`'s element type.
  Value scalar(Value value, Value like) {
    Type element = tensorOf(like).getElementType();
    if (tensorOf(value).getElementType() == element)
      return value;
    return CastOp::create(g.b, g.loc, RankedTensorType::get({}, element),
                          value);
  }
  Value hyperFor(StringRef name, Value like) {
    return scalar(hyper.f32(name), like);
  }
  /// The state tensor `<param>.<kind>`, declared after its parameter.
  ParameterOp declareState(ParameterOp param, StringRef kind);
  Value read(ParameterOp param) {
    return ParamOp::create(g.b, g.loc, param.getTensorType(),
                           param.getSymName());
  }
  void write(ParameterOp param, Value value) {
    AssignOp::create(g.b, g.loc, param.getSymName(), value);
  }
  /// Adam's bias corrections 1 - beta^step, once per step.
  std::pair<Value, Value> biasCorrections();

  void sgd(ParameterOp param, Value p, Value grad);
  void adam(ParameterOp param, Value p, Value grad);

  GradBuilder g;
  HyperArguments &hyper;
  const OptimizerPlan &plan;
  bool fusedAdamW;
  Value correction1, correction2;

  /// A param whose update joins the fused one, with what it reads.
  struct FusedUpdate {
    ParameterOp param, avgState, sqState;
    Value p, grad, avg, sq;
  };
  SmallVector<FusedUpdate> fused;
};

// Each value below is built in its own statement: the order in which C++
// evaluates operands is unspecified, and the IR should not depend on it.

Value UpdateBuilder::clip(MutableArrayRef<Value> grads) {
  // The squares are summed in f64: a sequential f32 sum over millions of
  // elements would be off by ~1e-5 relative, and the factor scales every
  // gradient.
  Type f64 = g.b.getF64Type();
  Value squares;
  for (Value grad : grads) {
    auto wide = RankedTensorType::get(tensorOf(grad).getShape(), f64);
    Value g64 = CastOp::create(g.b, g.loc, wide, grad);
    Value sum = g.sum(g.mul(g64, g64), {}, /*keepdim=*/false);
    squares = squares ? g.add(squares, sum) : sum;
  }
  // PyTorch's clip_grad_norm_: max_norm / (norm + 1e-6), at most 1.
  Value maxNorm = hyper.f32("max_grad_norm");
  Value norm = scalar(g.sqrt(squares), maxNorm);
  Value padded = g.add(norm, g.constant(norm, 1e-6));
  Value ratio = g.div(maxNorm, padded);
  Value factor = MinimumOp::create(g.b, g.loc, ratio, g.constant(norm, 1.0));
  for (Value &grad : grads)
    grad = g.mul(grad, scalar(factor, grad));
  return norm;
}

ParameterOp UpdateBuilder::declareState(ParameterOp param, StringRef kind) {
  // After the parameter and the state already declared for it.
  Operation *after = param;
  std::string prefix = (param.getSymName() + ".").str();
  while (auto next = dyn_cast_or_null<ParameterOp>(after->getNextNode())) {
    if (!next.getState() || !next.getSymName().starts_with(prefix))
      break;
    after = next;
  }
  OpBuilder::InsertionGuard guard(g.b);
  g.b.setInsertionPointAfter(after);
  return ParameterOp::create(
      g.b, param.getLoc(), g.b.getStringAttr(param.getSymName() + "." + kind),
      TypeAttr::get(param.getTensorType()),
      InitAttr::get(g.b.getContext(), InitKind::constant, 0.0),
      /*frozen=*/UnitAttr(), /*buffer=*/UnitAttr(),
      /*state=*/g.b.getUnitAttr());
}

std::pair<Value, Value> UpdateBuilder::biasCorrections() {
  if (!correction1) {
    Value step =
        CastOp::create(g.b, g.loc, RankedTensorType::get({}, g.b.getF32Type()),
                       hyper.i64("step"));
    Value one = g.constant(step, 1.0);
    Value power1 = PowOp::create(g.b, g.loc, hyper.f32("beta1"), step);
    correction1 = g.sub(one, power1);
    Value power2 = PowOp::create(g.b, g.loc, hyper.f32("beta2"), step);
    correction2 = g.sub(one, power2);
  }
  return {correction1, correction2};
}

void UpdateBuilder::sgd(ParameterOp param, Value p, Value grad) {
  Value lr = hyperFor("lr", p);
  Value decay = g.mul(hyperFor("weight_decay", p), p);
  Value d = g.add(grad, decay);
  if (plan.momentum) {
    // The buffer starts at zero, so the first step stores d itself, as
    // PyTorch's first-step copy does.
    ParameterOp state = declareState(param, "momentum_buffer");
    Value momentum = hyperFor("momentum", p);
    Value kept = g.mul(read(state), momentum);
    Value buffer = g.add(kept, d);
    write(state, buffer);
    d = plan.nesterov ? g.add(d, g.mul(momentum, buffer)) : buffer;
  }
  Value change = g.mul(lr, d);
  write(param, g.sub(p, change));
}

void UpdateBuilder::adam(ParameterOp param, Value p, Value grad) {
  if (fusedAdamW && plan.kind == OptimizerPlan::Kind::AdamW &&
      tensorOf(p).getElementType().isF32()) {
    // Joins the one fused update of every such param (finishFused).
    ParameterOp avgState = declareState(param, "exp_avg");
    ParameterOp sqState = declareState(param, "exp_avg_sq");
    fused.push_back(
        {param, avgState, sqState, p, grad, read(avgState), read(sqState)});
    return;
  }
  Value lr = hyperFor("lr", p);
  Value decay = hyperFor("weight_decay", p);
  Value beta1 = hyperFor("beta1", p);
  Value beta2 = hyperFor("beta2", p);
  Value one = g.constant(p, 1.0);
  if (plan.kind == OptimizerPlan::Kind::AdamW) {
    Value keep = g.sub(one, g.mul(lr, decay)); // Decoupled decay first.
    p = g.mul(p, keep);
  } else {
    grad = g.add(grad, g.mul(decay, p)); // Adam: decay joins the gradient.
  }

  ParameterOp avgState = declareState(param, "exp_avg");
  ParameterOp sqState = declareState(param, "exp_avg_sq");
  Value avg = read(avgState);
  Value sq = read(sqState);
  // exp_avg.lerp_(grad, 1 - beta1)
  Value toGrad = g.sub(grad, avg);
  Value weight1 = g.sub(one, beta1);
  avg = g.add(avg, g.mul(weight1, toGrad));
  // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value = 1 - beta2)
  Value weight2 = g.sub(one, beta2);
  Value term = g.mul(g.mul(weight2, grad), grad);
  Value kept = g.mul(sq, beta2);
  sq = g.add(kept, term);
  write(avgState, avg);
  write(sqState, sq);

  auto [c1, c2] = biasCorrections();
  Value stepSize = g.div(lr, scalar(c1, p));
  Value root = g.sqrt(sq);
  Value rootCorrection = scalar(g.sqrt(c2), p);
  Value corrected = g.div(root, rootCorrection);
  Value denom = g.add(corrected, hyperFor("eps", p));
  Value ratio = g.div(avg, denom);
  Value change = g.mul(stepSize, ratio);
  write(param, g.sub(p, change));
}

void UpdateBuilder::finishFused() {
  if (fused.empty())
    return;
  SmallVector<Value> params, grads, avgs, sqs;
  for (const FusedUpdate &update : fused) {
    params.push_back(update.p);
    grads.push_back(update.grad);
    avgs.push_back(update.avg);
    sqs.push_back(update.sq);
  }
  Value lr = hyper.f32("lr");
  Value decay = hyper.f32("weight_decay");
  Value beta1 = hyper.f32("beta1");
  Value beta2 = hyper.f32("beta2");
  Value eps = hyper.f32("eps");
  Value step = hyper.i64("step");
  auto op = AdamWUpdateOp::create(
      g.b, g.loc, ValueRange(params).getTypes(), ValueRange(avgs).getTypes(),
      ValueRange(sqs).getTypes(), params, grads, avgs, sqs, lr, decay, beta1,
      beta2, eps, step);
  for (auto [i, update] : llvm::enumerate(fused)) {
    write(update.avgState, op.getNewExpAvgs()[i]);
    write(update.sqState, op.getNewExpAvgSqs()[i]);
    write(update.param, op.getNewParams()[i]);
  }
  fused.clear();
}

void UpdateBuilder::update(ParameterOp param, Value grad) {
  Value p = read(param);
  if (plan.kind == OptimizerPlan::Kind::SGD)
    sgd(param, p, grad);
  else
    adam(param, p, grad);
}

struct DLExpandOptimizerPass
    : mlir::dl::impl::DLExpandOptimizerBase<DLExpandOptimizerPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto step = module.lookupSymbol<func::FuncOp>("train_step");
    auto names =
        step ? step->getAttrOfType<ArrayAttr>("dl.gradients") : ArrayAttr();
    if (!names) {
      module.emitError("dl-expand-optimizer needs the @train_step that "
                       "dl-autodiff builds");
      return signalPassFailure();
    }
    if (names.empty()) {
      step.emitError("the model has no trained parameter to update");
      return signalPassFailure();
    }
    FailureOr<OptimizerPlan> plan = readPlan(module);
    if (failed(plan))
      return signalPassFailure();

    if (keepGradients) {
      // The gradients alone, as `dlcc --gradients` programs write them.
      auto gradientStep = cast<func::FuncOp>(step->clone());
      gradientStep.setSymName("gradient_step");
      module.push_back(gradientStep);
      HyperArguments hyper(gradientStep);
      bindDropoutCounters(gradientStep, hyper);
    }

    HyperArguments hyper(step);
    bindDropoutCounters(step, hyper);

    auto ret = cast<func::ReturnOp>(step.getBody().front().getTerminator());
    size_t forwardResults = ret.getNumOperands() - names.size();
    SmallVector<Value> results(ret.getOperands().take_front(forwardResults));
    SmallVector<Value> grads(ret.getOperands().drop_front(forwardResults));

    // Everything built from here on goes before the return.
    Operation *firstUpdate = ret->getPrevNode();
    OpBuilder b(ret);
    UpdateBuilder updates(b, ret.getLoc(), hyper, *plan, fusedAdamW);
    SmallVector<Attribute> stats;
    if (plan->clip) {
      results.push_back(updates.clip(grads));
      stats.push_back(b.getStringAttr("grad_norm"));
    }
    for (auto [name, grad] : llvm::zip(names, grads)) {
      auto param = module.lookupSymbol<ParameterOp>(cast<StringAttr>(name));
      if (!param) {
        step.emitError("gradient of unknown parameter ") << name;
        return signalPassFailure();
      }
      updates.update(param, grad);
    }
    updates.finishFused();

    // The update's ops are named "optimizer" in their locations (see
    // dl-autodiff's "backward").
    StringAttr optimizerName = b.getStringAttr("optimizer");
    for (Operation *op = firstUpdate ? firstUpdate->getNextNode()
                                     : &step.getBody().front().front();
         op && op != ret.getOperation(); op = op->getNextNode())
      op->setLoc(NameLoc::get(optimizerName, op->getLoc()));

    ret->setOperands(results);
    step.setType(FunctionType::get(&getContext(),
                                   step.getBody().getArgumentTypes(),
                                   ValueRange(results).getTypes()));
    step->removeAttr("dl.gradients");
    step->setAttr("dl.stats", b.getArrayAttr(stats));
  }
};

} // namespace
