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

/// Builds one entry point: a function of the arena that runs a copy of the
/// model function on tensors read from (and written to) arena views.
class EntryPointBuilder {
public:
  EntryPointBuilder(ModuleOp module, const ArenaLayout &layout,
                    MemRefType arenaType)
      : module(module), layout(layout), arenaType(arenaType) {}

  /// Builds `name` from `model`, a forward that writes no parameter:
  /// `eval` drops dropout and makes batch norm use its running statistics;
  /// otherwise the ops keep their training behavior.
  LogicalResult build(func::FuncOp model, StringRef name,
                      ArrayRef<size_t> inputs, ArrayRef<size_t> outputs,
                      bool eval);

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
                                       ArrayRef<size_t> outputs, bool eval) {
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

  for (Operation &op : model.getBody().front()) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (auto [value, index] : llvm::zip(ret.getOperands(), outputs)) {
        Value dest = view(b, ret.getLoc(), layout.tensors[index]);
        auto store = bufferization::MaterializeInDestinationOp::create(
            b, ret.getLoc(), TypeRange{}, mapping.lookup(value), dest);
        store.setRestrict(true);
        store.setWritable(true);
      }
      func::ReturnOp::create(b, ret.getLoc());
      continue;
    }
    if (auto read = dyn_cast<dl::ParamOp>(op)) {
      mapping.map(read.getResult(), paramValue(b, read.getName()));
      continue;
    }
    if (isa<dl::AssignOp>(op))
      continue;
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
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto model = module.lookupSymbol<func::FuncOp>("forward");
    if (!model) {
      module.emitError("the module has no model function @forward");
      return signalPassFailure();
    }

    ArenaLayout layout;
    for (auto param : module.getOps<dl::ParameterOp>()) {
      ArenaTensor &t = layout.add(
          param.getSymName().str(),
          param.getBuffer() ? TensorRole::Buffer : TensorRole::Param,
          param.getTensorType());
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

    int64_t arenaBytes = (layout.arenaBytes + 63) / 64 * 64;
    auto arenaType = MemRefType::get({std::max<int64_t>(arenaBytes, 64)},
                                     IntegerType::get(&getContext(), 8));
    EntryPointBuilder builder(module, layout, arenaType);
    if (failed(builder.build(model, "dl_eval_step", inputs, outputs,
                             /*eval=*/!trainingForward)))
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
    for (auto param : llvm::make_early_inc_range(module.getOps<dl::ParameterOp>()))
      param.erase();
  }
};

} // namespace
