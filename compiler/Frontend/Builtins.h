//===- Builtins.h - Built-in functions and train options --------*- C++ -*-===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// The one table of everything built into the language: the layers, ops,
/// initializers, losses and metrics callable in model and block bodies; the
/// functions of `train` sections (data sources, optimizers, schedules...);
/// and the train options with the values each accepts. Semantic checks,
/// MLIR generation and the documentation all read this table.
///
//===----------------------------------------------------------------------===//

#ifndef DLCC_FRONTEND_BUILTINS_H
#define DLCC_FRONTEND_BUILTINS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace dlcc {

/// What an argument (or a train option value) must be.
enum class ArgKind {
  /// A tensor.
  Tensor,
  /// A tensor or a number (`sqrt(hd)`).
  Value,
  /// An integer expression: a dimension, an axis, a count.
  Int,
  /// An integer or floating-point number.
  Number,
  /// `true` or `false`.
  Bool,
  /// A string.
  String,
  /// A list of integer expressions, such as `[B, T, heads, hd]`.
  Shape,
  /// A list of tensors.
  TensorList,
  /// An initializer: normal(...), uniform(...), zeros(), ones().
  Init,
  /// A tuple of two numbers, such as `betas = (0.9, 0.95)`.
  NumberPair,
  /// A string or a list of strings (glob patterns).
  StringList,
  /// An optimizer, such as `adamw(lr = 1e-3)`.
  Optimizer,
  /// One of the words the parameter lists, such as `u16`.
  Word,
  /// A memory size in a string, such as "1 GiB" or "512 MB".
  MemorySize,
};

/// A closed or half-open interval of allowed numbers.
struct NumberRange {
  double Min = -std::numeric_limits<double>::infinity();
  double Max = std::numeric_limits<double>::infinity();
  /// Whether Min itself is excluded (`> 0` rather than `>= 0`).
  bool MinExclusive = false;

  bool contains(double V) const;
  bool isUnbounded() const;
  /// Describes the range for messages: ">= 1", "> 0", "between 0 and 3".
  std::string describe() const;
};

/// One parameter of a built-in function.
struct ParamSpec {
  llvm::StringRef Name;
  ArgKind Kind;
  /// The default as documented ("true", "-1", "auto"); empty when required.
  llvm::StringRef Default;
  /// The allowed words of a Word parameter.
  std::vector<llvm::StringRef> Words;
  /// The allowed values of a numeric parameter.
  NumberRange Range;

  bool isRequired() const { return Default.empty(); }
};

/// Where a built-in function may be called, and what it is.
enum class BuiltinCategory {
  /// A layer that creates parameters (linear, conv2d, embedding, norms,
  /// param).
  Layer,
  /// A tensor operation without parameters.
  Op,
  /// An initializer, the value of `init =`.
  Init,
  /// A loss.
  Loss,
  /// A metric.
  Metric,
  // Functions of train sections, one category per option.
  DataSource,
  Optimizer,
  Schedule,
  Checkpoint,
  Parallel,
  Adapter,
  Quantizer,
};

/// True for the categories callable in model and block bodies.
bool isModelCategory(BuiltinCategory Category);
/// Names a category in messages: "optimizer", "data source"...
llvm::StringRef getCategoryNoun(BuiltinCategory Category);

/// What a call to a built-in produces.
enum class ResultKind {
  Tensor,
  /// An integer (`dim`).
  Int,
  /// Several tensors, as many as the argument `n` says (`split`).
  Tuple,
  /// An initializer (for `param(init = ...)`).
  Init,
  /// A train-section setting.
  Setting,
};

/// A built-in function. A name may have several overloads that differ in
/// their parameters (`normal(std)` and `normal(mean, std)`).
struct BuiltinFunction {
  llvm::StringRef Name;
  BuiltinCategory Category;
  std::vector<ParamSpec> Params;
  ResultKind Result = ResultKind::Tensor;
  llvm::StringRef Summary;
  /// Takes any keyword argument (`npy(image = "x.npy", ...)`).
  bool AnyKeywords = false;

  /// Returns the index of the parameter named `Name`, or -1.
  int findParam(llvm::StringRef Name) const;
  /// The number of parameters without a default.
  unsigned getNumRequired() const;
};

/// Every built-in function, grouped by category.
llvm::ArrayRef<BuiltinFunction> getBuiltins();

/// The overloads named `Name` in the model categories (`InModel`) or in the
/// given train-section category. Empty when there are none.
std::vector<const BuiltinFunction *> lookupModelBuiltin(llvm::StringRef Name);
std::vector<const BuiltinFunction *> lookupBuiltin(llvm::StringRef Name,
                                                   BuiltinCategory Category);

/// The names of the built-ins of the model categories or of one category,
/// for suggestions.
std::vector<llvm::StringRef> getModelBuiltinNames();
std::vector<llvm::StringRef> getBuiltinNames(BuiltinCategory Category);

/// Formats a signature: `linear(x, out, bias = true, name = auto, tie = none)`.
std::string formatSignature(const BuiltinFunction &F);

/// An option of `train` and `finetune` sections.
struct TrainOption {
  llvm::StringRef Name;
  llvm::StringRef Summary;
  /// The kind of a plain value (a number, a string...), if one is allowed.
  std::optional<ArgKind> Kind;
  /// The range of a numeric value.
  NumberRange Range;
  /// Words allowed as the value (`bf16`, `none`).
  std::vector<llvm::StringRef> Words;
  /// The functions allowed as the value (`adamw(...)`), if any. A function
  /// whose parameters all have defaults may also be written as a bare word.
  std::optional<BuiltinCategory> Functions;
  /// The value used when the option is absent, as documented.
  llvm::StringRef Default;
};

/// Every train option.
llvm::ArrayRef<TrainOption> getTrainOptions();
/// Returns the train option named `Name`, or null.
const TrainOption *lookupTrainOption(llvm::StringRef Name);
/// Describes the values an option accepts: "one of f32, bf16, fp16",
/// "an integer >= 1", "sgd(...), adam(...) or none".
std::string describeAllowedValues(const TrainOption &Option);
/// Describes an argument kind: "a tensor", "an integer", "a string"...
std::string describeArgKind(ArgKind Kind);

/// Writes the tables of built-ins and train options in Markdown, as they
/// appear in docs/language.md.
void printBuiltinsMarkdown(llvm::raw_ostream &OS);

} // namespace dlcc

#endif // DLCC_FRONTEND_BUILTINS_H
