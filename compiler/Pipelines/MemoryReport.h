//===- MemoryReport.h - What a compiled model's arena holds -----*- C++ -*-===//
//
// Part of dlcc. `dlcc --memory-report` reads the model descriptor of a
// module lowered by the CPU pipeline (after dl-plan-memory) and prints the
// arena's bytes by class and each step's planned peak.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_PIPELINES_MEMORYREPORT_H
#define DLCC_PIPELINES_MEMORYREPORT_H

#include "compiler/Pipelines/CommonPipeline.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <optional>
#include <string>

namespace dlcc {

/// The model descriptor (`dl_model_json`) of a module after dl-plan-memory;
/// nullopt when it has none.
std::optional<llvm::json::Object> modelDescriptor(mlir::ModuleOp module);

/// The descriptor of a clone of `module` (as the front end left it) taken
/// through the front of the pipeline to the memory plan, with `step`'s
/// options, the CUDA kernels and device GEMMs when `cuda`, and fusion
/// unless `fuse` is false; nullopt when that fails.
std::optional<llvm::json::Object>
planClone(mlir::ModuleOp module, StepOptions step, bool cuda, bool fuse = true);

/// What the plan of the same steps holds without fusion (buildFusionPipeline:
/// transposes into products, elementwise chains into loops).
struct UnfusedPlan {
  int64_t stepTemporaries = 0;
  std::map<std::string, int64_t> stepPeaks; ///< By step function.
};

/// Plans a clone of `module` (as the front end left it) without the fusion
/// passes: the bytes fusion saves are the difference.
mlir::FailureOr<UnfusedPlan> planWithoutFusion(mlir::ModuleOp module,
                                               StepOptions step, bool cuda);

/// Prints the memory plan of `module` as a table, or as JSON with `json`,
/// with what fusion saves when `unfused` is given. Fails (after an error on
/// the module) when it has no planned descriptor.
mlir::LogicalResult printMemoryReport(mlir::ModuleOp module, bool json,
                                      llvm::raw_ostream &os,
                                      const UnfusedPlan *unfused = nullptr);

/// 1234567 as "1,234,567": how the report and the plot print bytes.
std::string groupedDigits(int64_t value);

} // namespace dlcc

#endif // DLCC_PIPELINES_MEMORYREPORT_H
