//===- SinkDefinitions.cpp - Pure definitions copied into regions ---------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/SinkDefinitions.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;

namespace dlcc {

void sinkPureDefinitions(Region &region) {
  OpBuilder b(&region.front(), region.front().begin());
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(region, captured);
  DenseMap<Value, Value> sunk;
  // Clones `value`'s definition (after its own operands') if it is pure.
  std::function<Value(Value)> sink = [&](Value value) -> Value {
    if (Value done = sunk.lookup(value))
      return done;
    Operation *def = value.getDefiningOp();
    if (!def || def->getNumRegions() || !isMemoryEffectFree(def))
      return value;
    IRMapping mapping;
    for (Value operand : def->getOperands())
      mapping.map(operand, sink(operand));
    Operation *clone = b.clone(*def, mapping);
    for (auto [result, cloned] :
         llvm::zip(def->getResults(), clone->getResults()))
      sunk[result] = cloned;
    return sunk.lookup(value);
  };
  for (Value value : captured) {
    Value inside = sink(value);
    if (inside != value)
      replaceAllUsesInRegionWith(value, inside, region);
  }
}

} // namespace dlcc
