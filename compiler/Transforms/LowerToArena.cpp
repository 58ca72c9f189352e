//===- LowerToArena.cpp - Place the model in the arena, build entry points ===//
//
// Part of dlcc. Implements `dl-lower-to-arena`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/ArenaLayout.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/IR/IRMapping.h"

namespace dlcc {
#define GEN_PASS_DEF_DLLOWERTOARENA
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlcc

using namespace mlir;
using namespace dlcc;

namespace {

/// Whether `op` may give a result that is a view of its operand's memory
/// once bufferized (a reshape becomes a collapse or expand of the same
/// buffer): a read of the result is a read of the operand's memory.
bool mayView(Operation *op) {
  return isa<dl::ReshapeOp, dl::BroadcastOp, dl::TransposeOp, dl::SplitOp,
             dl::SliceOp, dl::CastOp>(op);
}

/// The `dl.assign`s of `model` after which no op reads the parameter's old
/// value, directly or through a view of it: these may write the parameter
/// at once, so that the new value's buffer (a whole weight, or a moment)
/// is free from then on instead of until the end of the step.
DenseSet<Operation *> assignsWithoutLaterReads(func::FuncOp model) {
  Block &body = model.getBody().front();
  DenseMap<Operation *, unsigned> position;
  for (auto [i, op] : llvm::enumerate(body))
    position[&op] = i;
  // Per parameter: the values that read its memory, and the last reader.
  llvm::StringMap<unsigned> lastRead;
  llvm::StringMap<DenseSet<Value>> readers;
  for (auto read : body.getOps<dl::ParamOp>()) {
    DenseSet<Value> &values = readers[read.getName()];
    SmallVector<Value> work{read.getResult()};
    while (!work.empty()) {
      Value value = work.pop_back_val();
      if (!values.insert(value).second)
        continue;
      for (Operation *user : value.getUsers()) {
        unsigned &last = lastRead[read.getName()];
        last = std::max(last, position.lookup(user));
        if (mayView(user))
          llvm::append_range(work, user->getResults());
      }
    }
  }
  DenseSet<Operation *> early;
  for (auto assign : body.getOps<dl::AssignOp>()) {
    auto last = lastRead.find(assign.getName());
    if (last == lastRead.end() || last->second < position.lookup(assign))
      early.insert(assign);
  }
  return early;
}

/// Builds one entry point: a function of the arena that runs a copy of the
/// model function on tensors read from (and written to) arena views.
class EntryPointBuilder {
public:
  EntryPointBuilder(ModuleOp module, const ArenaLayout &layout,
                    MemRefType arenaType)
      : module(module), layout(layout), arenaType(arenaType) {}

  /// Builds `name` from `model`: `eval` drops dropout and makes batch norm
  /// use its running statistics; otherwise the ops keep their training
  /// behavior. With `writeParams`, each `dl.assign` writes its parameter
  /// where it stands when no later op reads the old value, else after the
  /// outputs (every read of the old value comes first either way);
  /// otherwise parameters are never written.
  LogicalResult build(func::FuncOp model, StringRef name,
                      ArrayRef<size_t> inputs, ArrayRef<size_t> outputs,
                      bool eval, bool writeParams);

private:
  Value view(OpBuilder &b, Location loc, const ArenaTensor &tensor) {
    Value offset = arith::ConstantIndexOp::create(b, loc, tensor.offset);
    auto type = MemRefType::get(tensor.type.getShape(),
                                tensor.type.getElementType());
    return memref::ViewOp::create(b, loc, type, arena, offset, ValueRange{});
  }
  Value readOnly(OpBuilder &b, Location loc, const ArenaTensor &tensor) {
    return bufferization::ToTensorOp::create(b, loc, tensor.type,
                                             view(b, loc, tensor),
                                             /*restrict=*/true);
  }

  ModuleOp module;
  const ArenaLayout &layout;
  MemRefType arenaType;
  Value arena;
};

LogicalResult EntryPointBuilder::build(func::FuncOp model, StringRef name,
                                       ArrayRef<size_t> inputs,
                                       ArrayRef<size_t> outputs, bool eval,
                                       bool writeParams) {
  OpBuilder b(module.getContext());
  b.setInsertionPointToEnd(module.getBody());
  Location loc = model.getLoc();
  auto entry = func::FuncOp::create(
      b, loc, name, b.getFunctionType({arenaType}, {}));
  Block *body = entry.addEntryBlock();
  arena = body->getArgument(0);
  b.setInsertionPointToStart(body);

  IRMapping mapping;
  for (auto [arg, index] : llvm::zip(model.getArguments(), inputs))
    mapping.map(arg, readOnly(b, loc, layout.tensors[index]));

  // Each parameter is read through one view, made where it is first used.
  llvm::StringMap<Value> params;
  auto paramValue = [&](OpBuilder &at, StringRef symbol) -> Value {
    Value &value = params[symbol];
    if (!value) {
      OpBuilder::InsertionGuard guard(at);
      at.setInsertionPointToStart(body);
      value = readOnly(at, loc, layout.tensors[layout.paramIndex.lookup(symbol)]);
    }
    return value;
  };

  auto store = [&](Location at, Value value, const ArenaTensor &tensor) {
    Value dest = view(b, at, tensor);
    auto copy = bufferization::MaterializeInDestinationOp::create(
        b, at, TypeRange{}, value, dest);
    copy.setRestrict(true);
    copy.setWritable(true);
  };
  DenseSet<Operation *> writeEarly = assignsWithoutLaterReads(model);
  SmallVector<dl::AssignOp> assigns;
  for (Operation &op : model.getBody().front()) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (auto [value, index] : llvm::zip(ret.getOperands(), outputs))
        store(ret.getLoc(), mapping.lookup(value), layout.tensors[index]);
      for (dl::AssignOp assign : assigns)
        store(assign.getLoc(), mapping.lookup(assign.getValue()),
              layout.tensors[layout.paramIndex.lookup(assign.getName())]);
      func::ReturnOp::create(b, ret.getLoc());
      continue;
    }
    if (auto read = dyn_cast<dl::ParamOp>(op)) {
      mapping.map(read.getResult(), paramValue(b, read.getName()));
      continue;
    }
    if (auto assign = dyn_cast<dl::AssignOp>(op)) {
      if (writeParams && writeEarly.contains(assign))
        store(assign.getLoc(), mapping.lookup(assign.getValue()),
              layout.tensors[layout.paramIndex.lookup(assign.getName())]);
      else if (writeParams)
        assigns.push_back(assign);
      continue;
    }
    if (auto dropout = dyn_cast<dl::DropoutOp>(op); dropout && eval) {
      mapping.map(dropout.getResult(),
                  mapping.lookupOrDefault(dropout.getInput()));
      continue;
    }
    Operation *copy = b.clone(op, mapping);
    if (auto norm = dyn_cast<dl::BatchNormOp>(copy); norm && eval)
      norm.setTraining(false);
  }
  return success();
}

struct DLLowerToArenaPass
    : dlcc::impl::DLLowerToArenaBase<DLLowerToArenaPass> {
  using Base::Base;

  /// The arena tensor of each argument of `fn`: an input (`dl.input`, one
  /// of @forward's) or a hyper scalar (`dl.hyper`, shared by every step
  /// that reads it).
  static LogicalResult argumentTensors(func::FuncOp fn, ArenaLayout &layout,
                                       SmallVectorImpl<size_t> &tensors) {
    for (BlockArgument arg : fn.getArguments()) {
      unsigned i = arg.getArgNumber();
      auto type = dyn_cast<RankedTensorType>(arg.getType());
      auto input = fn.getArgAttrOfType<StringAttr>(i, "dl.input");
      auto hyper = fn.getArgAttrOfType<StringAttr>(i, "dl.hyper");
      if (!type || !type.hasStaticShape() || (!input == !hyper))
        return fn.emitError("argument ")
               << i << " of @" << fn.getSymName()
               << " must be a static tensor named by 'dl.input' or 'dl.hyper'";
      StringRef name = input ? input.getValue() : hyper.getValue();
      TensorRole role = input ? TensorRole::Input : TensorRole::Hyper;
      auto found = llvm::find_if(layout.tensors, [&](const ArenaTensor &t) {
        return t.role == role && t.name == name;
      });
      if (found == layout.tensors.end()) {
        if (input)
          return fn.emitError("argument ")
                 << i << " of @" << fn.getSymName() << " is input '" << name
                 << "', which @forward does not take";
        tensors.push_back(layout.tensors.size());
        layout.add(name.str(), role, type);
        continue;
      }
      if (found->type != type)
        return fn.emitError("argument ")
               << i << " of @" << fn.getSymName() << " ('" << name
               << "') has type " << type << " but elsewhere " << found->type;
      tensors.push_back(found - layout.tensors.begin());
    }
    return success();
  }

  /// Checks that `step` returns `model`'s results and then `extra.size()`
  /// more, and gives each extra result an arena tensor named `extra[i]`
  /// (with `suffix`) of `role`, appending its index to `outputs`.
  static LogicalResult addResults(func::FuncOp step, func::FuncOp model,
                                  ArrayAttr extra, StringRef suffix,
                                  TensorRole role, ArenaLayout &layout,
                                  SmallVectorImpl<size_t> &outputs) {
    size_t forwardResults = model.getNumResults();
    TypeRange results = step.getResultTypes();
    if (!extra || results.size() != forwardResults + extra.size() ||
        results.take_front(forwardResults) != model.getResultTypes())
      return step.emitError("@")
             << step.getSymName()
             << " must return the results of @forward, then one result per "
                "name in '"
             << (role == TensorRole::Grad ? "dl.gradients" : "dl.stats")
             << "'";
    for (auto [name, type] :
         llvm::zip(extra, results.drop_front(forwardResults))) {
      auto tensorType = cast<RankedTensorType>(type);
      auto str = dyn_cast<StringAttr>(name);
      if (!str)
        return step.emitError("result names must be strings");
      if (role == TensorRole::Grad) {
        auto found = layout.paramIndex.find(str.getValue());
        if (found == layout.paramIndex.end() ||
            layout.tensors[found->second].role != TensorRole::Param ||
            layout.tensors[found->second].type != tensorType)
          return step.emitError("gradient ")
                 << name << " of @" << step.getSymName()
                 << " does not match a parameter of type " << type;
      }
      outputs.push_back(layout.tensors.size());
      layout.add((str.getValue() + suffix).str(), role, tensorType);
    }
    return success();
  }

  static TensorRole roleOf(dl::ParameterOp param) {
    if (param.getBuffer())
      return TensorRole::Buffer;
    return param.getState() ? TensorRole::State : TensorRole::Param;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto model = module.lookupSymbol<func::FuncOp>("forward");
    if (!model) {
      module.emitError("the module has no model function @forward");
      return signalPassFailure();
    }

    ArenaLayout layout;
    for (auto param : module.getOps<dl::ParameterOp>()) {
      ArenaTensor &t = layout.add(param.getSymName().str(), roleOf(param),
                                  param.getTensorType());
      if (!param.getState())
        t.init = param.getInit();
      t.frozen = param.getFrozen();
    }

    SmallVector<size_t> inputs, outputs;
    for (BlockArgument arg : model.getArguments()) {
      auto name = model.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                     "dl.input");
      auto type = dyn_cast<RankedTensorType>(arg.getType());
      if (!name || !type || !type.hasStaticShape()) {
        model.emitError("argument ")
            << arg.getArgNumber()
            << " of @forward must be a static tensor named by 'dl.input'";
        return signalPassFailure();
      }
      inputs.push_back(layout.tensors.size());
      layout.add(name.str(), TensorRole::Input, type);
    }

    auto names = model->getAttrOfType<ArrayAttr>("dl.outputs");
    SmallVector<std::string> outputNames;
    for (auto [i, type] : llvm::enumerate(model.getResultTypes())) {
      auto tensor = dyn_cast<RankedTensorType>(type);
      StringAttr name =
          names && i < names.size() ? dyn_cast<StringAttr>(names[i]) : nullptr;
      if (!tensor || !name) {
        model.emitError("result ")
            << i << " of @forward must be a tensor named in 'dl.outputs'";
        return signalPassFailure();
      }
      outputs.push_back(layout.tensors.size());
      outputNames.push_back(name.str());
      layout.add(name.str(), TensorRole::Output, tensor);
    }

    // dl-autodiff's @train_step, or the copy dl-expand-optimizer keeps as
    // @gradient_step, becomes dl_gradient_step; the whole optimizer step
    // (a @train_step without 'dl.gradients') becomes dl_train_step.
    auto trainStep = module.lookupSymbol<func::FuncOp>("train_step");
    auto gradientStep = module.lookupSymbol<func::FuncOp>("gradient_step");
    if (trainStep && trainStep->hasAttr("dl.gradients")) {
      if (gradientStep) {
        gradientStep.emitError("the module has two gradient steps");
        return signalPassFailure();
      }
      std::swap(trainStep, gradientStep);
    }
    SmallVector<size_t> gradientInputs, gradientOutputs(outputs);
    if (gradientStep &&
        (failed(argumentTensors(gradientStep, layout, gradientInputs)) ||
         failed(addResults(gradientStep, model,
                           gradientStep->getAttrOfType<ArrayAttr>(
                               "dl.gradients"),
                           ".grad", TensorRole::Grad, layout,
                           gradientOutputs))))
      return signalPassFailure();
    SmallVector<size_t> trainInputs, trainOutputs(outputs);
    if (trainStep &&
        (failed(argumentTensors(trainStep, layout, trainInputs)) ||
         failed(addResults(trainStep, model,
                           trainStep->getAttrOfType<ArrayAttr>("dl.stats"),
                           "", TensorRole::Stat, layout, trainOutputs))))
      return signalPassFailure();

    int64_t arenaBytes = alignToArena(layout.arenaBytes);
    auto arenaType = MemRefType::get({std::max(arenaBytes, kArenaAlignment)},
                                     IntegerType::get(&getContext(), 8));
    EntryPointBuilder builder(module, layout, arenaType);
    if (failed(builder.build(model, "dl_eval_step", inputs, outputs,
                             /*eval=*/!trainingForward,
                             /*writeParams=*/false)))
      return signalPassFailure();

    if (gradientStep &&
        failed(builder.build(gradientStep, "dl_gradient_step", gradientInputs,
                             gradientOutputs, /*eval=*/false,
                             /*writeParams=*/true)))
      return signalPassFailure();
    if (trainStep &&
        failed(builder.build(trainStep, "dl_train_step", trainInputs,
                             trainOutputs, /*eval=*/false,
                             /*writeParams=*/true)))
      return signalPassFailure();

    // The descriptor, as a NUL-terminated constant string.
    std::string json = buildModelDescriptor(module, layout, outputNames);
    json.push_back('\0');
    OpBuilder b(module.getBodyRegion());
    auto i8 = b.getI8Type();
    LLVM::GlobalOp::create(b, module.getLoc(),
                           LLVM::LLVMArrayType::get(i8, json.size()),
                           /*isConstant=*/true, LLVM::Linkage::External,
                           "dl_model_json", b.getStringAttr(json));

    model.erase();
    for (func::FuncOp step : {gradientStep, trainStep})
      if (step)
        step.erase();
    for (auto param : llvm::make_early_inc_range(module.getOps<dl::ParameterOp>()))
      param.erase();
  }
};

} // namespace
