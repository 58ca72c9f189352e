//===- ConstEval.cpp - Constant folding of number expressions -------------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/ConstEval.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <limits>

using namespace dlcc;

std::string ConstValue::str() const {
  std::string S;
  llvm::raw_string_ostream OS(S);
  if (IsInt) {
    OS << Int;
    return S;
  }
  OS << llvm::format("%.6g", Float);
  // Keep floats recognizable: 8.0 rather than 8.
  if (llvm::StringRef(S).find_first_of(".en") == llvm::StringRef::npos)
    S += ".0";
  return S;
}

FoldStatus dlcc::foldBinary(BinaryOp Op, const ConstValue &L,
                            const ConstValue &R, ConstValue &Result) {
  if (Op == BinaryOp::MatMul)
    return FoldStatus::NotFoldable;
  if (L.IsInt && R.IsInt) {
    int64_t V = 0;
    bool Overflow = false;
    switch (Op) {
    case BinaryOp::Add:
      Overflow = llvm::AddOverflow(L.Int, R.Int, V);
      break;
    case BinaryOp::Sub:
      Overflow = llvm::SubOverflow(L.Int, R.Int, V);
      break;
    case BinaryOp::Mul:
      Overflow = llvm::MulOverflow(L.Int, R.Int, V);
      break;
    case BinaryOp::Div:
      if (R.Int == 0)
        return FoldStatus::DivisionByZero;
      if (L.Int == std::numeric_limits<int64_t>::min() && R.Int == -1)
        return FoldStatus::Overflow;
      if (L.Int % R.Int != 0) {
        Result = ConstValue::ofFloat(static_cast<double>(L.Int) /
                                     static_cast<double>(R.Int));
        return FoldStatus::Ok;
      }
      V = L.Int / R.Int;
      break;
    case BinaryOp::MatMul:
      return FoldStatus::NotFoldable;
    }
    if (Overflow)
      return FoldStatus::Overflow;
    Result = ConstValue::ofInt(V);
    return FoldStatus::Ok;
  }
  double A = L.asDouble(), B = R.asDouble(), V = 0;
  switch (Op) {
  case BinaryOp::Add:
    V = A + B;
    break;
  case BinaryOp::Sub:
    V = A - B;
    break;
  case BinaryOp::Mul:
    V = A * B;
    break;
  case BinaryOp::Div:
    if (B == 0)
      return FoldStatus::DivisionByZero;
    V = A / B;
    break;
  case BinaryOp::MatMul:
    return FoldStatus::NotFoldable;
  }
  if (!std::isfinite(V))
    return FoldStatus::Overflow;
  Result = ConstValue::ofFloat(V);
  return FoldStatus::Ok;
}

FoldStatus dlcc::foldNegate(const ConstValue &V, ConstValue &Result) {
  if (!V.IsInt) {
    Result = ConstValue::ofFloat(-V.Float);
    return FoldStatus::Ok;
  }
  if (V.Int == std::numeric_limits<int64_t>::min())
    return FoldStatus::Overflow;
  Result = ConstValue::ofInt(-V.Int);
  return FoldStatus::Ok;
}

std::optional<ConstValue> dlcc::evaluateConstant(const Expr &E,
                                                 ConstLookup Lookup) {
  if (const auto *N = llvm::dyn_cast<NumberExpr>(&E))
    return N->isInteger() ? ConstValue::ofInt(N->getInt())
                          : ConstValue::ofFloat(N->getFloat());
  if (const auto *Name = llvm::dyn_cast<NameExpr>(&E))
    return Lookup(Name->getName());
  if (const auto *Neg = llvm::dyn_cast<NegateExpr>(&E)) {
    std::optional<ConstValue> V = evaluateConstant(Neg->getOperand(), Lookup);
    ConstValue Result;
    if (!V || foldNegate(*V, Result) != FoldStatus::Ok)
      return std::nullopt;
    return Result;
  }
  if (const auto *B = llvm::dyn_cast<BinaryExpr>(&E)) {
    std::optional<ConstValue> L = evaluateConstant(B->getLHS(), Lookup);
    if (!L)
      return std::nullopt;
    std::optional<ConstValue> R = evaluateConstant(B->getRHS(), Lookup);
    ConstValue Result;
    if (!R || foldBinary(B->getOp(), *L, *R, Result) != FoldStatus::Ok)
      return std::nullopt;
    return Result;
  }
  return std::nullopt;
}

std::optional<ConstValue> dlcc::evaluateConstant(const Expr &E) {
  return evaluateConstant(E, [](llvm::StringRef) -> std::optional<ConstValue> {
    return std::nullopt;
  });
}
