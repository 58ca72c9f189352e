//===- ParallelCodeGen.h - Object files made on several threads -*- C++ -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_BACKEND_PARALLELCODEGEN_H
#define DLCC_BACKEND_PARALLELCODEGEN_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/IR/Module.h"

#include <memory>
#include <string>

namespace dlcc {

/// The number of threads `--jobs=0` stands for: one per core.
unsigned defaultJobs();

/// Optimizes `module` (unoptimized LLVM IR, as translated from the LLVM
/// dialect) at -O2 for `cpu` and writes it as up to `jobs` object files, each
/// part made by its own thread: the module is split by function
/// (llvm::SplitModule) and each part optimized and code-generated in its own
/// LLVMContext. Appends the temporary files' paths to `objects`, which the
/// caller removes. Returns false and sets `error` on failure.
bool emitObjectsInParallel(std::unique_ptr<llvm::Module> module,
                           llvm::StringRef cpu, unsigned jobs,
                           llvm::SmallVectorImpl<std::string> &objects,
                           std::string &error);

} // namespace dlcc

#endif // DLCC_BACKEND_PARALLELCODEGEN_H
