//===- ConstEval.h - Constant folding of number expressions -----*- C++ -*-===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// Evaluates number expressions whose operands are known at compile time:
/// literals and model parameters (`4 * width`, `width / heads`, `1/255`).
/// Integers are exact 64-bit values; `/` of two integers is an integer when
/// the division is exact and a floating-point number otherwise, so dimension
/// arithmetic stays integral while `scale = 1/255` means what it says.
///
//===----------------------------------------------------------------------===//

#ifndef DLCC_FRONTEND_CONSTEVAL_H
#define DLCC_FRONTEND_CONSTEVAL_H

#include "compiler/Frontend/AST.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <cstdint>
#include <optional>
#include <string>

namespace dlcc {

/// A number known at compile time.
struct ConstValue {
  bool IsInt = true;
  int64_t Int = 0;
  double Float = 0;

  static ConstValue ofInt(int64_t V) {
    return {true, V, static_cast<double>(V)};
  }
  static ConstValue ofFloat(double V) { return {false, 0, V}; }
  double asDouble() const { return IsInt ? static_cast<double>(Int) : Float; }
  /// Formats the value as a user would write it: `48`, `0.5`.
  std::string str() const;
};

/// Why folding failed.
enum class FoldStatus { Ok, DivisionByZero, Overflow, NotFoldable };

/// Folds `L op R` into `Result`. MatMul is not foldable.
FoldStatus foldBinary(BinaryOp Op, const ConstValue &L, const ConstValue &R,
                      ConstValue &Result);
/// Folds `-V` into `Result`.
FoldStatus foldNegate(const ConstValue &V, ConstValue &Result);

/// The values of names during evaluation: model parameters and the like.
using ConstLookup =
    llvm::function_ref<std::optional<ConstValue>(llvm::StringRef Name)>;

/// Evaluates `E` if it is a number expression built from literals, names
/// that `Lookup` knows, `+ - * /` and negation. Returns std::nullopt when it
/// is not constant or cannot be folded (division by zero, overflow).
std::optional<ConstValue> evaluateConstant(const Expr &E, ConstLookup Lookup);

/// Evaluates `E` with no names known.
std::optional<ConstValue> evaluateConstant(const Expr &E);

} // namespace dlcc

#endif // DLCC_FRONTEND_CONSTEVAL_H
