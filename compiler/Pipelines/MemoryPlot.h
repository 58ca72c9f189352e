//===- MemoryPlot.h - The memory plan drawn as buffers over time -*- C++
//-*-===//
//
// Part of dlcc. `dlcc --memory-plot=FILE.svg` draws the plan that
// dl-plan-memory records in the module attribute `dl.memory_plan`: for each
// step, every temporary as a rectangle of its live ops by its bytes at its
// offset in the scratch region, and the bytes live over the step.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_PIPELINES_MEMORYPLOT_H
#define DLCC_PIPELINES_MEMORYPLOT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace dlcc {

/// Writes the memory plan of `module` as a standalone SVG 1.1 picture, one
/// panel per step (`dl_train_step` first). Fails (after an error on the
/// module) when the module has no `dl.memory_plan` (dl-plan-memory).
mlir::LogicalResult writeMemoryPlot(mlir::ModuleOp module,
                                    llvm::raw_ostream &os);

} // namespace dlcc

#endif // DLCC_PIPELINES_MEMORYPLOT_H
