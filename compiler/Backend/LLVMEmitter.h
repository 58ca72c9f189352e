//===- LLVMEmitter.h - LLVM IR, optimization and machine code ---*- C++ -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_BACKEND_LLVMEMITTER_H
#define DLCC_BACKEND_LLVMEMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>

namespace dlcc {

/// The x86-64 level code is generated for unless asked otherwise: runs on
/// any x86-64 machine of the last fifteen years.
inline constexpr const char *kPortableCPU = "x86-64-v2";

/// Sets dlcc's defaults for LLVM's code generation options of host code,
/// where the command line leaves them: after any PTX is made, before host
/// code is.
void setHostCodeGenDefaults();

/// A target machine for the host's triple and `cpu` (`native` for the
/// machine dlcc runs on, with all its features). Returns null and sets
/// `error` when LLVM cannot provide one.
std::unique_ptr<llvm::TargetMachine> createTargetMachine(llvm::StringRef cpu,
                                                         std::string &error);

/// Translates a module in the LLVM dialect to LLVM IR for `machine`'s triple
/// and data layout, unoptimized. Returns null after reporting through MLIR
/// diagnostics.
std::unique_ptr<llvm::Module> translateToLLVMIR(mlir::ModuleOp module,
                                                llvm::LLVMContext &context,
                                                llvm::TargetMachine &machine);

/// Optimizes `module` at -O2 for `machine`. Returns false and sets `error`
/// on failure.
bool optimize(llvm::Module &module, llvm::TargetMachine &machine,
              std::string &error);

/// Writes assembly or an object file for `module`.
bool emitMachineCode(llvm::Module &module, llvm::TargetMachine &machine,
                     llvm::CodeGenFileType type, llvm::raw_pwrite_stream &os,
                     std::string &error);

} // namespace dlcc

#endif // DLCC_BACKEND_LLVMEMITTER_H
