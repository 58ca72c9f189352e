//===- PTXEmitter.cpp - The PTX of a program's kernels --------------------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Backend/PTXEmitter.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

using namespace mlir;

namespace dlcc {

LogicalResult printPTX(ModuleOp module, llvm::raw_ostream &os) {
  for (auto binary : module.getOps<gpu::BinaryOp>()) {
    for (Attribute attribute : binary.getObjects()) {
      auto object = dyn_cast<gpu::ObjectAttr>(attribute);
      if (!object || object.getFormat() != gpu::CompilationTarget::Assembly)
        return binary.emitError("expected the kernels as PTX assembly");
      os << object.getObject().getValue();
    }
  }
  return success();
}

} // namespace dlcc
