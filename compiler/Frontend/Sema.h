//===- Sema.h - Semantic checks of .dl programs -----------------*- C++ -*-===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// Checks that need no tensor shapes (shapes are inferred later, by the `dl`
/// dialect during MLIR generation):
///   - names: variables, blocks and built-ins exist ("did you mean?");
///   - calls: argument counts, keywords, kinds of literal arguments, ranges
///     of constant arguments; every call is resolved (CallExpr::getBlock,
///     getBuiltin, getBoundArgs);
///   - declarations: duplicates, recursion among blocks, one model, loss,
///     return, metric names, freeze patterns, statements in their place;
///   - constant integer expressions: dimensions, repeat counts, division by
///     zero;
///   - train and finetune sections: known options with allowed values.
///
//===----------------------------------------------------------------------===//

#ifndef DLCC_FRONTEND_SEMA_H
#define DLCC_FRONTEND_SEMA_H

#include "compiler/Frontend/AST.h"
#include "compiler/Frontend/Builtins.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace dlcc {

/// Runs every semantic check on a parsed program and resolves its calls.
/// Reports errors through `Diags`; returns true when there were none.
bool checkProgram(const Program &P, DiagnosticEngine &Diags);

/// Checks the entries of a `train` or `finetune` section. `Model`, when
/// known, is the model they train (to check `npy` input names). Reports
/// errors through `Diags`; returns true when there were none.
bool checkTrainEntries(llvm::ArrayRef<TrainEntry> Entries,
                       const FunctionDecl *Model, DiagnosticEngine &Diags);

/// A parameter list as the argument binder sees it.
struct ParamList {
  /// The name of the callee, for messages.
  llvm::StringRef Callee;
  std::vector<llvm::StringRef> Names;
  std::vector<bool> Required;
  /// The signature shown in messages, e.g. `linear(x, out, bias = true)`.
  std::string Signature;
};

/// Binds the arguments of `Call` to `Params`: one entry per parameter, the
/// argument for it or null. Reports too many arguments, unknown or repeated
/// keywords and missing required arguments when `Report` is set; returns
/// std::nullopt on any of them.
std::optional<std::vector<const Expr *>> bindArguments(const CallExpr &Call,
                                                       const ParamList &Params,
                                                       DiagnosticEngine &Diags,
                                                       bool Report);

/// Builds the ParamList of a built-in or a block.
ParamList getParamList(const BuiltinFunction &F);
ParamList getParamList(const FunctionDecl &Block);

/// Parses a memory size such as "1 GiB", "512MB" or "1000000" (bytes).
/// Units: B, KB, MB, GB, TB (powers of 1000), KiB, MiB, GiB, TiB (powers of
/// 1024), case-insensitive. Returns std::nullopt when malformed.
std::optional<uint64_t> parseMemorySize(llvm::StringRef Text);

} // namespace dlcc

#endif // DLCC_FRONTEND_SEMA_H
