//===- InitDLCC.h - Register every dialect and pass of dlcc -----*- C++ -*-===//
//
// Part of dlcc. The one place that lists what dlcc adds to MLIR, used by
// dlcc-opt and the dlcc driver alike.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_INITDLCC_H
#define DLCC_INITDLCC_H

#include "DL/IR/DLDialect.h"
#include "DL/Transforms/Passes.h"
#include "compiler/Conversion/Passes.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

namespace dlcc {

/// Registers the dialects of dlcc (not the upstream ones).
inline void registerDLCCDialects(mlir::DialectRegistry &registry) {
  registry.insert<mlir::dl::DLDialect>();
}

/// Registers the upstream dialects and extensions plus those of dlcc, and
/// the translations to LLVM IR that compiling a gpu.module needs.
inline void registerAllDialects(mlir::DialectRegistry &registry) {
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllGPUToLLVMIRTranslations(registry);
  registerDLCCDialects(registry);
}

/// Registers the upstream passes plus those of dlcc.
inline void registerAllPasses() {
  mlir::registerAllPasses();
  mlir::dl::registerDLTransformsPasses();
  registerConversionPasses();
  registerTransformsPasses();
}

} // namespace dlcc

#endif // DLCC_INITDLCC_H
