//===- MemoryReport.h - What a compiled model's arena holds -----*- C++ -*-===//
//
// Part of dlcc. `dlcc --memory-report` reads the model descriptor of a
// module lowered by the CPU pipeline (after dl-plan-memory) and prints the
// arena's bytes by class and each step's planned peak.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_PIPELINES_MEMORYREPORT_H
#define DLCC_PIPELINES_MEMORYREPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace dlcc {

/// Prints the memory plan of `module` as a table, or as JSON with `json`.
/// Fails (after an error on the module) when it has no planned descriptor.
mlir::LogicalResult printMemoryReport(mlir::ModuleOp module, bool json,
                                      llvm::raw_ostream &os);

/// 1234567 as "1,234,567": how the report and the plot print bytes.
std::string groupedDigits(int64_t value);

} // namespace dlcc

#endif // DLCC_PIPELINES_MEMORYREPORT_H
