//===- ImportResolver.h - Loading a file and its imports --------*- C++ -*-===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// Entry points of the front end: load a main `.dl` file and every file it
/// imports into a SourceMgr, parse them into a Program, and (loadProgram)
/// run the semantic checks.
///
//===----------------------------------------------------------------------===//

#ifndef DLCC_FRONTEND_IMPORTRESOLVER_H
#define DLCC_FRONTEND_IMPORTRESOLVER_H

#include "compiler/Frontend/AST.h"

#include <memory>

namespace dlcc {

/// Reads the file at `Path` and, transitively, the files it imports (an
/// import path is relative to the importing file), parses them and returns
/// them as a Program in dependency order, each file loaded once. A file that
/// cannot be read is reported at the import naming it, an import cycle at
/// the import closing it, with the chain of files. Returns null only when
/// the main file cannot be read; otherwise check `Diags.hasErrors()`.
std::unique_ptr<Program> parseProgram(llvm::StringRef Path,
                                      llvm::SourceMgr &SrcMgr,
                                      DiagnosticEngine &Diags);

/// Parses the program at `Path` (see parseProgram) and, if it parsed
/// without errors, runs the semantic checks (see checkProgram). Returns the
/// checked program, or null when any error was reported through `Diags`.
/// This is the entry point MLIR generation starts from; `SrcMgr` must
/// outlive the returned program.
std::unique_ptr<Program> loadProgram(llvm::StringRef Path,
                                     llvm::SourceMgr &SrcMgr,
                                     DiagnosticEngine &Diags);

} // namespace dlcc

#endif // DLCC_FRONTEND_IMPORTRESOLVER_H
