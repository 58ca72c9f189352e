//===- SemaInternal.h - Shared state of the semantic checks -----*- C++ -*-===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
///
/// \file
/// The classes the semantic checks share across Sema.cpp (the program),
/// SemaFunction.cpp (bodies) and SemaExpr.cpp (expressions). Not part of the
/// front end's interface.
///
//===----------------------------------------------------------------------===//

#ifndef DLCC_FRONTEND_SEMAINTERNAL_H
#define DLCC_FRONTEND_SEMAINTERNAL_H

#include "compiler/Frontend/ConstEval.h"
#include "compiler/Frontend/Sema.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include <optional>
#include <vector>

namespace dlcc {
namespace sema {

/// What an expression is known to produce, without shapes.
enum class ValueClass {
  Unknown,
  Tensor,
  Int,
  Float,
  Bool,
  String,
  List,
  Tuple,
  Init
};

inline llvm::StringRef describeClass(ValueClass C) {
  switch (C) {
  case ValueClass::Unknown:
    return "a value";
  case ValueClass::Tensor:
    return "a tensor";
  case ValueClass::Int:
    return "an integer";
  case ValueClass::Float:
    return "a number";
  case ValueClass::Bool:
    return "a boolean";
  case ValueClass::String:
    return "a string";
  case ValueClass::List:
    return "a list";
  case ValueClass::Tuple:
    return "a tuple";
  case ValueClass::Init:
    return "an initializer";
  }
  return "a value";
}

inline bool isNumeric(ValueClass C) {
  return C == ValueClass::Int || C == ValueClass::Float;
}

/// The facts Sema knows about an expression.
struct ExprInfo {
  ValueClass Class = ValueClass::Unknown;
  /// The value of a constant number expression.
  std::optional<ConstValue> Const;
  /// For tuples: the classes of the elements, when known.
  std::vector<ValueClass> Elements;
  /// For tuples: how many values, 0 when unknown.
  unsigned Arity = 0;
};

/// A name bound in a model or block body.
struct Variable {
  enum OriginKind { Batch, ModelParam, BlockParam, Input, Local, LoopIndex };
  OriginKind Origin = Local;
  ValueClass Class = ValueClass::Unknown;
  std::optional<ConstValue> Const;
  Location Loc;
  ExprInfo Info;
};

/// Program-wide state: visibility of files, the block call graph.
class ProgramChecker {
public:
  ProgramChecker(const Program &P, DiagnosticEngine &Diags)
      : P(P), Diags(Diags) {}

  void check();

  DiagnosticEngine &getDiags() { return Diags; }
  /// The block named `Name` that `File` can see, or null.
  const FunctionDecl *findBlock(const SourceFile &File, llvm::StringRef Name);
  /// The model named `Name` that `File` can see, or null.
  const FunctionDecl *findModel(const SourceFile &File, llvm::StringRef Name);
  /// The names of the blocks `File` can see.
  std::vector<llvm::StringRef> getBlockNames(const SourceFile &File);
  /// Records that `Caller` calls `Callee` at `Loc`.
  void addCall(const FunctionDecl *Caller, const FunctionDecl *Callee,
               const Location &Loc);

private:
  void computeVisibility();
  void checkDeclarations();
  void checkRecursion();
  void checkSections();
  void checkEntryPoint();

  const Program &P;
  DiagnosticEngine &Diags;
  /// The files each file sees: itself and what it imports, transitively.
  llvm::DenseMap<const SourceFile *, std::vector<const SourceFile *>> Visible;
  struct CallEdge {
    const FunctionDecl *Callee;
    Location Loc;
  };
  llvm::DenseMap<const FunctionDecl *, std::vector<CallEdge>> Calls;
};

/// Checks one block or model.
class FunctionChecker {
public:
  FunctionChecker(ProgramChecker &PC, const SourceFile &File,
                  const FunctionDecl &F)
      : PC(PC), Diags(PC.getDiags()), File(File), F(F) {}

  void check();

private:
  // Scopes.
  Variable *lookup(llvm::StringRef Name);
  void define(llvm::StringRef Name, Variable V);
  std::vector<llvm::StringRef> getVariableNames() const;

  // Statements.
  void checkParams();
  void checkBody(llvm::ArrayRef<StmtPtr> Body, bool TopLevel);
  void checkInput(const InputStmt &S, bool TopLevel);
  void checkAssign(const AssignStmt &S);
  void checkRepeat(const RepeatStmt &S);
  bool checkPlacement(const Stmt &S, llvm::StringRef What, bool ModelOnly,
                      bool TopLevel);

  // Expressions.
  ExprInfo checkExpr(const Expr &E);
  ExprInfo checkName(const NameExpr &E);
  ExprInfo checkBinary(const BinaryExpr &E);
  ExprInfo checkIndex(const IndexExpr &E);
  ExprInfo checkCall(const CallExpr &C);
  ExprInfo checkBlockCall(const CallExpr &C, const FunctionDecl &Block);
  ExprInfo checkBuiltinCall(const CallExpr &C,
                            llvm::ArrayRef<const BuiltinFunction *> Overloads);
  void reportUnknownCallee(const CallExpr &C);
  /// Checks every argument of a call that could not be bound.
  void checkArgsUnbound(const CallExpr &C);
  ExprInfo checkArg(const Expr &A, const ParamSpec &P,
                    const BuiltinFunction &F);
  ExprInfo checkInit(const Expr &A, const ParamSpec &P,
                     const BuiltinFunction &F);
  /// Checks that an integer-valued expression is one: reports a class or a
  /// constant that is not an integer. `What` names it for messages.
  void checkIntegral(const Expr &E, const ExprInfo &Info,
                     const llvm::Twine &What);

  ProgramChecker &PC;
  DiagnosticEngine &Diags;
  const SourceFile &File;
  const FunctionDecl &F;
  std::vector<llvm::StringMap<Variable>> Scopes;
  unsigned LoopDepth = 0;
  const ReturnStmt *Return = nullptr;
  const LossStmt *Loss = nullptr;
  llvm::StringMap<const MetricStmt *> Metrics;
  llvm::StringMap<const InputStmt *> Inputs;
};

} // namespace sema
} // namespace dlcc

#endif // DLCC_FRONTEND_SEMAINTERNAL_H
