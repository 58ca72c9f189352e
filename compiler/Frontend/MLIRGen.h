//===- MLIRGen.h - From a checked .dl program to the dl dialect -*- C++ -*-===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// MLIR generation: turns the entry model of a checked Program (see
/// loadProgram) into a module of the `dl` dialect, in the form of
/// examples/mlir/mlp.mlir:
///
///   module attributes {dl.model = "mlp", dl.batch = 128 : i64,
///                      dl.train = {...}} {
///     dl.parameter @linear.weight : tensor<256x784xf32> = #dl.init<...>
///     ...
///     func.func @forward(%image: tensor<128x784xf32> {dl.input = "image"},
///                        ...) -> (tensor<f32>, ...)
///         attributes {dl.outputs = ["loss", "accuracy"]} { ... }
///   }
///
/// Blocks are inlined at each call and `repeat` is unrolled, so the forward
/// function is one straight-line graph with static shapes. Every op carries
/// the FileLineColLoc of the .dl expression that made it. Errors (shapes
/// that do not fit, wrong dtypes, duplicate names, unsupported train
/// options...) are reported through the MLIRContext's diagnostic engine:
/// install an mlir::SourceMgrDiagnosticHandler on the SourceMgr the program
/// was loaded with to print them as `file:line:col: error: ...` with the
/// source line and a caret.
///
//===----------------------------------------------------------------------===//

#ifndef DLCC_FRONTEND_MLIRGEN_H
#define DLCC_FRONTEND_MLIRGEN_H

#include "compiler/Frontend/AST.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace dlcc {

/// Command-line overrides of a model.
struct GenOptions {
  /// `--batch N`: the batch size `B`, overriding `train { batch = ... }`.
  std::optional<int64_t> Batch;
  /// `--set name=value`, as written: overrides of model arguments. Each
  /// must name an argument of the model and give a positive integer (or a
  /// number, for an argument whose default is a floating-point number).
  std::vector<std::string> Sets;
  /// `--expose name`: model-level tensor variables to add as outputs after
  /// the metrics (to inspect or compare intermediate values, such as the
  /// logits), written by the runtime with `--outputs`.
  std::vector<std::string> Expose;
};

/// Generates the `dl` module of the entry model of `P`, a program that
/// passed the semantic checks. Loads the dialects it needs into `Context`.
/// Returns null after reporting errors through the context's diagnostics.
mlir::OwningOpRef<mlir::ModuleOp> generateModule(const Program &P,
                                                 mlir::MLIRContext &Context,
                                                 const GenOptions &Options);

/// Prints the parameters and buffers of a `dl` module as a table (name,
/// shape, dtype, initializer, element count, frozen/buffer) with the total
/// number of trainable and frozen parameters (buffers excluded) at the
/// bottom: `total: 1,841,280 parameters`.
void printParameterTable(mlir::ModuleOp Module, llvm::raw_ostream &OS);

/// Formats a count with thousands separators: 1841280 -> "1,841,280".
std::string formatCount(int64_t N);

} // namespace dlcc

#endif // DLCC_FRONTEND_MLIRGEN_H
