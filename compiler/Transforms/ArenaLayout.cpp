//===- ArenaLayout.cpp - Where each model tensor lives in the arena -------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/ArenaLayout.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/Support/JSON.h"

using namespace mlir;

namespace dlcc {

bool sameArenaBuffer(Value a, Value b) {
  if (a == b)
    return true;
  auto viewA = a.getDefiningOp<memref::ViewOp>();
  auto viewB = b.getDefiningOp<memref::ViewOp>();
  if (!viewA || !viewB || viewA.getSource() != viewB.getSource() ||
      viewA.getType() != viewB.getType() || !viewA.getSizes().empty() ||
      !viewB.getSizes().empty())
    return false;
  std::optional<int64_t> shiftA = getConstantIntValue(viewA.getByteShift());
  std::optional<int64_t> shiftB = getConstantIntValue(viewB.getByteShift());
  return shiftA && shiftB && *shiftA == *shiftB;
}

namespace {
const char *roleName(TensorRole role) {
  switch (role) {
  case TensorRole::Param:
    return "param";
  case TensorRole::Buffer:
    return "buffer";
  case TensorRole::Input:
    return "input";
  case TensorRole::Output:
    return "output";
  case TensorRole::Grad:
    return "grad";
  case TensorRole::State:
    return "state";
  case TensorRole::Hyper:
    return "hyper";
  case TensorRole::Stat:
    return "stat";
  }
  llvm_unreachable("unknown role");
}

std::string dtypeName(Type type) {
  if (type.isF32())
    return "f32";
  if (type.isF16())
    return "f16";
  if (type.isBF16())
    return "bf16";
  if (type.isF64())
    return "f64";
  if (type.isInteger(32))
    return "i32";
  if (type.isInteger(64))
    return "i64";
  llvm_unreachable("no arena dtype for this element type");
}

/// The train configuration attributes as JSON.
llvm::json::Value toJSON(Attribute attr) {
  if (auto dict = dyn_cast<DictionaryAttr>(attr)) {
    llvm::json::Object object;
    for (NamedAttribute entry : dict)
      object[entry.getName().str()] = toJSON(entry.getValue());
    return object;
  }
  if (auto array = dyn_cast<ArrayAttr>(attr)) {
    llvm::json::Array values;
    for (Attribute element : array)
      values.push_back(toJSON(element));
    return values;
  }
  if (auto str = dyn_cast<StringAttr>(attr))
    return str.str();
  if (auto boolean = dyn_cast<BoolAttr>(attr))
    return boolean.getValue();
  if (auto integer = dyn_cast<IntegerAttr>(attr))
    return integer.getInt();
  if (auto real = dyn_cast<FloatAttr>(attr))
    return real.getValueAsDouble();
  return nullptr;
}
} // namespace

int64_t elementBytes(Type elementType) {
  return (elementType.getIntOrFloatBitWidth() + 7) / 8;
}

ArenaTensor &ArenaLayout::add(std::string name, TensorRole role,
                              RankedTensorType type) {
  int64_t offset = alignToArena(arenaBytes);
  ArenaTensor tensor;
  tensor.name = std::move(name);
  tensor.role = role;
  tensor.type = type;
  tensor.offset = offset;
  tensor.bytes = type.getNumElements() * elementBytes(type.getElementType());
  arenaBytes = offset + tensor.bytes;
  if (role == TensorRole::Param || role == TensorRole::Buffer ||
      role == TensorRole::State)
    paramIndex[tensor.name] = tensors.size();
  tensors.push_back(std::move(tensor));
  return tensors.back();
}

std::string buildModelDescriptor(ModuleOp module, const ArenaLayout &layout,
                                 ArrayRef<std::string> outputNames) {
  llvm::json::Object root;
  root["abi"] = 1;
  auto name = module->getAttrOfType<StringAttr>("dl.model");
  root["model"] = name ? name.str() : std::string("model");
  auto batch = module->getAttrOfType<IntegerAttr>("dl.batch");
  root["batch"] = batch ? batch.getInt() : 0;
  root["arena_bytes"] = alignToArena(layout.arenaBytes);
  root["outputs"] = llvm::json::Array(outputNames);

  llvm::json::Array tensors;
  for (const ArenaTensor &t : layout.tensors) {
    llvm::json::Object entry;
    entry["name"] = t.name;
    entry["role"] = roleName(t.role);
    entry["dtype"] = dtypeName(t.type.getElementType());
    entry["shape"] = llvm::json::Array(t.type.getShape());
    entry["offset"] = t.offset;
    entry["bytes"] = t.bytes;
    if (t.init) {
      entry["init"] = llvm::json::Object{
          {"kind", dl::stringifyInitKind(t.init.getKind()).str()},
          {"a", t.init.first()},
          {"b", t.init.second()}};
      entry["frozen"] = t.frozen;
    }
    tensors.push_back(std::move(entry));
  }
  root["tensors"] = std::move(tensors);
  if (Attribute train = module->getAttr("dl.train"))
    root["train"] = toJSON(train);

  std::string out;
  llvm::raw_string_ostream os(out);
  os << llvm::json::Value(std::move(root));
  return out;
}

} // namespace dlcc
