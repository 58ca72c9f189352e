//===- FusionReport.h - The loop nests elementwise fusion made --*- C++ -*-===//
//
// Part of dlcc. `dlcc --emit=fused`: after dl-fuse-elementwise, every loop
// nest of each step with the model ops it computes (from the source
// locations its body keeps), so a user sees which layers became one loop.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_PIPELINES_FUSIONREPORT_H
#define DLCC_PIPELINES_FUSIONREPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <string>

namespace dlcc {

/// The number of loop nests (linalg ops) of each entry point of `module`.
std::map<std::string, size_t> countLoopNests(mlir::ModuleOp module);

/// Prints, for each entry point of `module` (linalg on tensors, after
/// dl-fuse-elementwise), how many loop nests it had `before` fusion and
/// has now, and each loop nest that computes ops of two or more source
/// locations: its shape and the locations (with their stage).
void printFusionGroups(mlir::ModuleOp module,
                       const std::map<std::string, size_t> &before,
                       llvm::raw_ostream &os);

} // namespace dlcc

#endif // DLCC_PIPELINES_FUSIONREPORT_H
