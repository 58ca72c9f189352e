//===- Passes.h - Passes on the dl dialect ----------------------*- C++ -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DL_TRANSFORMS_PASSES_H
#define DL_TRANSFORMS_PASSES_H

#include "DL/IR/DLOps.h"

#include "mlir/Pass/Pass.h"

namespace mlir::dl {

#define GEN_PASS_DECL
#include "DL/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "DL/Transforms/Passes.h.inc"

} // namespace mlir::dl

#endif // DL_TRANSFORMS_PASSES_H
