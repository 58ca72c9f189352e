//===- Sema.cpp - Semantic checks of .dl programs -------------------------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
//
// Checks declarations, model and block bodies, and the calls in them. Train
// sections are checked in SemaTrain.cpp, argument binding in SemaCalls.cpp.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/Sema.h"
#include "compiler/Frontend/ConstEval.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/GlobPattern.h"

#include <functional>

using namespace dlcc;
using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

namespace {

/// What an expression is known to produce, without shapes.
enum class ValueClass { Unknown, Tensor, Int, Float, Bool, String, List, Tuple, Init };

llvm::StringRef describeClass(ValueClass C) {
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

bool isNumeric(ValueClass C) {
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

} // namespace

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Returns the overload to bind `C` against: the first that binds cleanly,
/// else the most plausible one (to report its errors).
static const BuiltinFunction *
chooseOverload(const CallExpr &C,
               llvm::ArrayRef<const BuiltinFunction *> Overloads,
               DiagnosticEngine &Diags) {
  for (const BuiltinFunction *F : Overloads)
    if (bindArguments(C, getParamList(*F), Diags, /*Report=*/false))
      return F;
  for (const BuiltinFunction *F : Overloads)
    if (F->Params.size() >= C.getArgs().size())
      return F;
  return Overloads.back();
}

/// How many values a block returns: the size of a returned tuple, else 1;
/// 0 when the block has no return.
static unsigned getReturnArity(const FunctionDecl &Block) {
  for (const StmtPtr &S : Block.getBody())
    if (const auto *R = dyn_cast<ReturnStmt>(S.get())) {
      if (const auto *T = dyn_cast<TupleExpr>(&R->getValue()))
        return T->getElements().size();
      return 1;
    }
  return 0;
}

/// Collects the names assigned anywhere in `Body`.
static void collectAssigned(llvm::ArrayRef<StmtPtr> Body,
                            llvm::SmallVectorImpl<llvm::StringRef> &Names) {
  for (const StmtPtr &S : Body) {
    if (const auto *A = dyn_cast<AssignStmt>(S.get()))
      for (const AssignTarget &T : A->getTargets())
        Names.push_back(T.Name);
    else if (const auto *R = dyn_cast<RepeatStmt>(S.get()))
      collectAssigned(R->getBody(), Names);
  }
}

/// Reports the result of folding at `Loc`; returns the value when folded.
static std::optional<ConstValue> reportFold(FoldStatus Status,
                                            const ConstValue &Value,
                                            const Location &Loc,
                                            DiagnosticEngine &Diags) {
  switch (Status) {
  case FoldStatus::Ok:
    return Value;
  case FoldStatus::DivisionByZero:
    Diags.error(Loc, "division by zero in a constant expression");
    return std::nullopt;
  case FoldStatus::Overflow:
    Diags.error(Loc, "constant expression overflows");
    return std::nullopt;
  case FoldStatus::NotFoldable:
    return std::nullopt;
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Functions and statements
//===----------------------------------------------------------------------===//

Variable *FunctionChecker::lookup(llvm::StringRef Name) {
  for (auto It = Scopes.rbegin(), E = Scopes.rend(); It != E; ++It) {
    auto Found = It->find(Name);
    if (Found != It->end())
      return &Found->second;
  }
  return nullptr;
}

void FunctionChecker::define(llvm::StringRef Name, Variable V) {
  Scopes.back()[Name] = std::move(V);
}

std::vector<llvm::StringRef> FunctionChecker::getVariableNames() const {
  std::vector<llvm::StringRef> Names;
  for (const auto &Scope : Scopes)
    for (const auto &Entry : Scope)
      Names.push_back(Entry.getKey());
  return Names;
}

void FunctionChecker::check() {
  Scopes.emplace_back();
  Variable Batch;
  Batch.Origin = Variable::Batch;
  Batch.Class = ValueClass::Int;
  define("B", Batch);
  checkParams();
  checkBody(F.getBody(), /*TopLevel=*/true);

  llvm::StringRef Kind = F.isModel() ? "model" : "block";
  if (F.isModel() && !Loss)
    Diags.error(F.getNameLoc(), "model '" + F.getName() +
                                    "' has no 'loss' statement; add one, such "
                                    "as 'loss cross_entropy(logits, labels)'");
  if (!F.isModel() && !Return)
    Diags.error(F.getNameLoc(), llvm::Twine(Kind) + " '" + F.getName() +
                                    "' does not return a value; end it with "
                                    "'return ...'");
}

void FunctionChecker::checkParams() {
  llvm::StringMap<const Param *> Seen;
  for (const Param &P : F.getParams()) {
    if (Diags.shouldStop())
      return;
    ExprInfo Default;
    unsigned ErrorsBefore = Diags.getNumErrors();
    if (P.Default)
      Default = checkExpr(*P.Default);
    bool DefaultFailed = Diags.getNumErrors() != ErrorsBefore;
    if (P.Name == "B") {
      Diags.error(P.Loc, "'B' is the batch dimension and cannot be a "
                         "parameter name");
      continue;
    }
    auto [It, Inserted] = Seen.try_emplace(P.Name, &P);
    if (!Inserted) {
      Diags.error(P.Loc, "duplicate parameter '" + P.Name + "'");
      Diags.note(It->second->Loc, "'" + P.Name + "' is first declared here");
      continue;
    }
    Variable V;
    V.Loc = P.Loc;
    if (F.isModel()) {
      V.Origin = Variable::ModelParam;
      if (!P.Default) {
        Diags.error(P.Loc, "model parameter '" + P.Name +
                               "' needs a default value, such as '" + P.Name +
                               " = 64'");
      } else if (!Default.Const && !DefaultFailed) {
        Diags.error(getBeginLoc(*P.Default),
                    "the default value of model parameter '" + P.Name +
                        "' must be a constant number");
      } else {
        V.Const = Default.Const;
        V.Class = Default.Const->IsInt ? ValueClass::Int : ValueClass::Float;
      }
    } else {
      V.Origin = Variable::BlockParam;
    }
    define(P.Name, V);
  }
}

bool FunctionChecker::checkPlacement(const Stmt &S, llvm::StringRef What,
                                     bool ModelOnly, bool TopLevel) {
  if (ModelOnly && !F.isModel()) {
    Diags.error(S.getLoc(), "'" + What +
                                "' is only allowed in a model, not in block '" +
                                F.getName() + "'");
    return false;
  }
  if (!ModelOnly && F.isModel()) {
    Diags.error(S.getLoc(), "'" + What +
                                "' is only allowed in a block; a model ends "
                                "with 'loss'");
    return false;
  }
  if (!TopLevel) {
    Diags.error(S.getLoc(), "'" + What + "' must be at the top level of " +
                                (F.isModel() ? "model '" : "block '") +
                                F.getName() + "', not inside 'repeat'");
    return false;
  }
  return true;
}

void FunctionChecker::checkBody(llvm::ArrayRef<StmtPtr> Body, bool TopLevel) {
  bool ReportedUnreachable = false;
  for (const StmtPtr &SP : Body) {
    if (Diags.shouldStop())
      return;
    const Stmt &S = *SP;
    if (TopLevel && Return && !ReportedUnreachable) {
      Diags.error(S.getLoc(), "statement after 'return' is never reached");
      ReportedUnreachable = true;
    }
    switch (S.getKind()) {
    case Stmt::Input:
      checkInput(cast<InputStmt>(S), TopLevel);
      break;
    case Stmt::Assign:
      checkAssign(cast<AssignStmt>(S));
      break;
    case Stmt::Repeat:
      checkRepeat(cast<RepeatStmt>(S));
      break;
    case Stmt::Return: {
      const auto &R = cast<ReturnStmt>(S);
      ExprInfo Info = checkExpr(R.getValue());
      (void)Info;
      if (checkPlacement(S, "return", /*ModelOnly=*/false, TopLevel) &&
          !Return)
        Return = &R;
      break;
    }
    case Stmt::Loss: {
      const auto &L = cast<LossStmt>(S);
      ExprInfo Info = checkExpr(L.getValue());
      if (!checkPlacement(S, "loss", /*ModelOnly=*/true, TopLevel))
        break;
      if (Loss) {
        Diags.error(S.getLoc(), "model '" + F.getName() +
                                    "' has more than one 'loss'; add the "
                                    "terms into one expression");
        Diags.note(Loss->getLoc(), "the first 'loss' is here");
        break;
      }
      Loss = &L;
      if (Info.Class != ValueClass::Tensor && Info.Class != ValueClass::Unknown)
        Diags.error(getBeginLoc(L.getValue()),
                    "the loss must be a tensor, not " +
                        describeClass(Info.Class));
      break;
    }
    case Stmt::Metric: {
      const auto &M = cast<MetricStmt>(S);
      checkExpr(M.getValue());
      if (!checkPlacement(S, "metric", /*ModelOnly=*/true, TopLevel))
        break;
      if (M.getName().empty()) {
        Diags.error(M.getLoc(),
                    "this metric needs a name: write 'metric NAME = ...'");
        break;
      }
      auto [It, Inserted] = Metrics.try_emplace(M.getName(), &M);
      if (!Inserted) {
        Diags.error(M.hasExplicitName() ? M.getNameLoc()
                                        : M.getValue().getLoc(),
                    "duplicate metric '" + M.getName() +
                        "'; name it with 'metric NAME = ...'");
        Diags.note(It->second->getLoc(), "the first '" + M.getName() +
                                             "' metric is here");
      }
      break;
    }
    case Stmt::Freeze: {
      const auto &Fr = cast<FreezeStmt>(S);
      if (!checkPlacement(S, "freeze", /*ModelOnly=*/true, TopLevel))
        break;
      if (Fr.getPattern().empty()) {
        Diags.error(Fr.getPatternLoc(), "empty freeze pattern");
        break;
      }
      llvm::Expected<llvm::GlobPattern> Glob =
          llvm::GlobPattern::create(Fr.getPattern());
      if (!Glob)
        Diags.error(Fr.getPatternLoc(),
                    "invalid freeze pattern: " + llvm::toString(Glob.takeError()));
      break;
    }
    }
  }
}

void FunctionChecker::checkInput(const InputStmt &S, bool TopLevel) {
  unsigned Index = 0;
  for (const ExprPtr &D : S.getDims()) {
    ++Index;
    ExprInfo Info = checkExpr(*D);
    std::string What = "dimension " + std::to_string(Index) + " of input '" +
                       S.getName().str() + "'";
    checkIntegral(*D, Info, What);
    if (Info.Const && Info.Const->IsInt && Info.Const->Int < 1)
        Diags.error(getBeginLoc(*D), What + " must be >= 1, but it is " +
                                       Info.Const->str());
  }
  if (!F.isModel()) {
    Diags.error(S.getLoc(), "'input' is only allowed in a model; pass tensors "
                            "to block '" +
                                F.getName() + "' as parameters");
    return;
  }
  if (!TopLevel) {
    Diags.error(S.getLoc(), "'input' must be at the top level of model '" +
                                F.getName() + "', not inside 'repeat'");
    return;
  }
  if (S.getName() == "B") {
    Diags.error(S.getLoc(), "'B' is the batch dimension and cannot name an "
                            "input");
    return;
  }
  auto [It, Inserted] = Inputs.try_emplace(S.getName(), &S);
  if (!Inserted) {
    Diags.error(S.getLoc(), "duplicate input '" + S.getName() + "'");
    Diags.note(It->second->getLoc(), "'" + S.getName() +
                                         "' is first declared here");
    return;
  }
  if (Variable *Existing = lookup(S.getName())) {
    Diags.error(S.getLoc(), "input '" + S.getName() +
                                "' has the name of an existing " +
                                (Existing->Origin == Variable::ModelParam
                                     ? "model parameter"
                                     : "variable"));
    Diags.note(Existing->Loc, "'" + S.getName() + "' is declared here");
    return;
  }
  Variable V;
  V.Origin = Variable::Input;
  V.Class = ValueClass::Tensor;
  V.Loc = S.getLoc();
  define(S.getName(), V);
}

void FunctionChecker::checkAssign(const AssignStmt &S) {
  ExprInfo Info = checkExpr(S.getValue());
  llvm::ArrayRef<AssignTarget> Targets = S.getTargets();
  std::vector<ValueClass> Classes(Targets.size(), ValueClass::Unknown);
  if (Targets.size() == 1) {
    Classes[0] = Info.Class;
  } else if (Info.Class == ValueClass::Tuple) {
    if (Info.Arity != 0 && Info.Arity != Targets.size())
      Diags.error(S.getLoc(), "cannot unpack " + std::to_string(Info.Arity) +
                                  " values into " +
                                  std::to_string(Targets.size()) + " names");
    for (unsigned I = 0; I < Targets.size() && I < Info.Elements.size(); ++I)
      Classes[I] = Info.Elements[I];
  } else if (Info.Class != ValueClass::Unknown) {
    Diags.error(S.getValue().getLoc(),
                "cannot unpack " + describeClass(Info.Class) + " into " +
                    std::to_string(Targets.size()) +
                    " names; only split(...) and blocks returning tuples "
                    "give several values");
  }

  llvm::StringMap<Location> SeenTargets;
  for (unsigned I = 0; I < Targets.size(); ++I) {
    const AssignTarget &T = Targets[I];
    if (!SeenTargets.try_emplace(T.Name, T.Loc).second) {
      Diags.error(T.Loc, "'" + T.Name + "' is assigned twice in one statement");
      continue;
    }
    Variable *Existing = lookup(T.Name);
    if (Existing && Existing->Origin == Variable::Batch) {
      Diags.error(T.Loc, "cannot assign to 'B', the batch dimension");
      continue;
    }
    if (Existing && Existing->Origin == Variable::ModelParam) {
      Diags.error(T.Loc, "cannot assign to model parameter '" + T.Name +
                             "'; use a new name");
      continue;
    }
    if (Existing && Existing->Origin == Variable::LoopIndex) {
      Diags.error(T.Loc, "cannot assign to '" + T.Name +
                             "', the index of a 'repeat'");
      continue;
    }
    Variable V;
    V.Class = Classes[I];
    V.Loc = T.Loc;
    if (Targets.size() == 1) {
      V.Info = Info;
      V.Const = Info.Const;
    }
    if (Existing) {
      // Reassignment keeps the variable's origin and outer scope.
      V.Origin = Existing->Origin;
      V.Loc = Existing->Loc;
      *Existing = V;
    } else {
      define(T.Name, V);
    }
  }
}

void FunctionChecker::checkRepeat(const RepeatStmt &S) {
  ExprInfo Count = checkExpr(S.getCount());
  checkIntegral(S.getCount(), Count, "the repeat count");
  if (Count.Const && Count.Const->IsInt && Count.Const->Int < 0)
    Diags.error(S.getCount().getLoc(), "the repeat count must be >= 0, but it "
                                       "is " +
                                           Count.Const->str());

  // Values assigned in the body change from one iteration to the next.
  llvm::SmallVector<llvm::StringRef, 8> Assigned;
  collectAssigned(S.getBody(), Assigned);
  for (llvm::StringRef Name : Assigned)
    if (Variable *V = lookup(Name)) {
      V->Const.reset();
      V->Info.Const.reset();
    }

  Scopes.emplace_back();
  if (!S.getIndexName().empty()) {
    if (Variable *Existing = lookup(S.getIndexName())) {
      Diags.error(S.getIndexLoc(), "the repeat index '" + S.getIndexName() +
                                       "' hides an existing name");
      Diags.note(Existing->Loc, "'" + S.getIndexName() +
                                    "' is declared here");
    }
    Variable Index;
    Index.Origin = Variable::LoopIndex;
    Index.Class = ValueClass::Int;
    Index.Loc = S.getIndexLoc();
    define(S.getIndexName(), Index);
  }
  ++LoopDepth;
  checkBody(S.getBody(), /*TopLevel=*/false);
  --LoopDepth;
  Scopes.pop_back();
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

void FunctionChecker::checkIntegral(const Expr &E, const ExprInfo &Info,
                                    const llvm::Twine &What) {
  if (Info.Const && !Info.Const->IsInt) {
    Diags.error(getBeginLoc(E), What + " must be an integer, but '" +
                                    printExpr(E) + "' is " +
                                    Info.Const->str());
    return;
  }
  if (Info.Class != ValueClass::Int && Info.Class != ValueClass::Unknown)
    Diags.error(getBeginLoc(E), What + " must be an integer, not " +
                                describeClass(Info.Class));
}

ExprInfo FunctionChecker::checkExpr(const Expr &E) {
  ExprInfo Info;
  switch (E.getKind()) {
  case Expr::Number: {
    const auto &N = cast<NumberExpr>(E);
    Info.Class = N.isInteger() ? ValueClass::Int : ValueClass::Float;
    Info.Const = N.isInteger() ? ConstValue::ofInt(N.getInt())
                               : ConstValue::ofFloat(N.getFloat());
    return Info;
  }
  case Expr::String:
    Info.Class = ValueClass::String;
    return Info;
  case Expr::Bool:
    Info.Class = ValueClass::Bool;
    return Info;
  case Expr::Name:
    return checkName(cast<NameExpr>(E));
  case Expr::Call:
    return checkCall(cast<CallExpr>(E));
  case Expr::List:
    for (const ExprPtr &X : cast<ListExpr>(E).getElements())
      checkExpr(*X);
    Info.Class = ValueClass::List;
    return Info;
  case Expr::Tuple:
    for (const ExprPtr &X : cast<TupleExpr>(E).getElements())
      Info.Elements.push_back(checkExpr(*X).Class);
    Info.Class = ValueClass::Tuple;
    Info.Arity = Info.Elements.size();
    return Info;
  case Expr::Binary:
    return checkBinary(cast<BinaryExpr>(E));
  case Expr::Negate: {
    const auto &N = cast<NegateExpr>(E);
    ExprInfo Operand = checkExpr(N.getOperand());
    if (Operand.Class != ValueClass::Unknown &&
        Operand.Class != ValueClass::Tensor && !isNumeric(Operand.Class)) {
      Diags.error(E.getLoc(), "cannot negate " + describeClass(Operand.Class));
      return Info;
    }
    Info.Class = Operand.Class;
    if (Operand.Const) {
      ConstValue V;
      Info.Const =
          reportFold(foldNegate(*Operand.Const, V), V, E.getLoc(), Diags);
    }
    return Info;
  }
  case Expr::Index:
    return checkIndex(cast<IndexExpr>(E));
  }
  return Info;
}

ExprInfo FunctionChecker::checkName(const NameExpr &E) {
  if (Variable *V = lookup(E.getName())) {
    ExprInfo Info = V->Info;
    Info.Class = V->Class;
    Info.Const = V->Const;
    return Info;
  }
  llvm::StringRef Name = E.getName();
  if (PC.findBlock(File, Name) || !lookupModelBuiltin(Name).empty()) {
    Diags.error(E.getLoc(), "'" + Name + "' is a function; call it, as in '" +
                                Name + "(x)'");
    return {};
  }
  std::vector<llvm::StringRef> Names = getVariableNames();
  Diags.error(E.getLoc(),
              "use of undefined name '" + Name + "'" + didYouMean(Name, Names));
  return {};
}

ExprInfo FunctionChecker::checkBinary(const BinaryExpr &E) {
  ExprInfo L = checkExpr(E.getLHS());
  ExprInfo R = checkExpr(E.getRHS());
  ExprInfo Info;
  llvm::StringRef Op = getBinaryOpSpelling(E.getOp());
  for (const ExprInfo *Side : {&L, &R}) {
    ValueClass C = Side->Class;
    if (C != ValueClass::Unknown && C != ValueClass::Tensor && !isNumeric(C)) {
      Diags.error(E.getLoc(), "operator '" + Op + "' cannot be applied to " +
                                  describeClass(C));
      return Info;
    }
  }
  if (E.getOp() == BinaryOp::MatMul) {
    if (isNumeric(L.Class) || isNumeric(R.Class))
      Diags.error(E.getLoc(), "'@' multiplies two tensors, but the " +
                                  llvm::Twine(isNumeric(L.Class) ? "left"
                                                                 : "right") +
                                  " operand is a number; use '*'");
    Info.Class = ValueClass::Tensor;
    return Info;
  }
  if (L.Class == ValueClass::Tensor || R.Class == ValueClass::Tensor) {
    Info.Class = ValueClass::Tensor;
    return Info;
  }
  if (L.Class == ValueClass::Unknown || R.Class == ValueClass::Unknown)
    return Info;
  if (L.Const && R.Const) {
    ConstValue V;
    Info.Const = reportFold(foldBinary(E.getOp(), *L.Const, *R.Const, V), V,
                            E.getLoc(), Diags);
    if (Info.Const) {
      Info.Class = Info.Const->IsInt ? ValueClass::Int : ValueClass::Float;
      return Info;
    }
  }
  // Integer arithmetic on dimensions stays integral; the division of two
  // dimensions is checked for exactness once shapes are known.
  Info.Class = L.Class == ValueClass::Int && R.Class == ValueClass::Int
                   ? ValueClass::Int
                   : ValueClass::Float;
  return Info;
}

ExprInfo FunctionChecker::checkIndex(const IndexExpr &E) {
  ExprInfo Base = checkExpr(E.getBase());
  if (Base.Class != ValueClass::Tensor && Base.Class != ValueClass::Unknown)
    Diags.error(E.getLoc(), "only tensors can be indexed, not " +
                                describeClass(Base.Class));
  bool SeenEllipsis = false;
  for (const Subscript &S : E.getSubscripts()) {
    if (S.Kind == Subscript::Ellipsis) {
      if (SeenEllipsis)
        Diags.error(S.Loc, "an index can have only one '...'");
      SeenEllipsis = true;
      continue;
    }
    const char *Names[] = {"index", "slice stop", "slice step"};
    const Expr *Parts[] = {S.Start.get(), S.Stop.get(), S.Step.get()};
    for (unsigned I = 0; I != 3; ++I) {
      if (!Parts[I])
        continue;
      ExprInfo Info = checkExpr(*Parts[I]);
      llvm::StringRef What =
          I == 0 && S.Kind == Subscript::Slice ? "slice start" : Names[I];
      checkIntegral(*Parts[I], Info, "the " + What);
      if (I == 2 && Info.Const && Info.Const->IsInt && Info.Const->Int < 1)
        Diags.error(Parts[I]->getLoc(), "the slice step must be >= 1, but it "
                                        "is " +
                                            Info.Const->str());
    }
  }
  ExprInfo Info;
  Info.Class = ValueClass::Tensor;
  return Info;
}

ExprInfo FunctionChecker::checkCall(const CallExpr &C) {
  if (const FunctionDecl *Block = PC.findBlock(File, C.getCallee()))
    return checkBlockCall(C, *Block);
  std::vector<const BuiltinFunction *> Overloads =
      lookupModelBuiltin(C.getCallee());
  if (!Overloads.empty())
    return checkBuiltinCall(C, Overloads);
  reportUnknownCallee(C);
  checkArgsUnbound(C);
  return {};
}

void FunctionChecker::checkArgsUnbound(const CallExpr &C) {
  for (const ExprPtr &A : C.getArgs())
    checkExpr(*A);
  for (const KeywordArg &K : C.getKeywords())
    checkExpr(*K.Value);
}

void FunctionChecker::reportUnknownCallee(const CallExpr &C) {
  llvm::StringRef Name = C.getCallee();
  const Location &Loc = C.getLoc();
  if (lookup(Name)) {
    Diags.error(Loc, "'" + Name + "' is a variable, not a function");
    return;
  }
  if (!lookupBuiltin(Name, BuiltinCategory::Init).empty()) {
    Diags.error(Loc, "'" + Name + "' is an initializer; use it as the value "
                                  "of 'init =', as in param([64], init = " +
                         Name + "(...))");
    return;
  }
  for (const BuiltinFunction &B : getBuiltins())
    if (B.Name == Name && !isModelCategory(B.Category)) {
      Diags.error(Loc, "'" + Name + "' is " +
                           (B.Category == BuiltinCategory::Optimizer ||
                                    B.Category == BuiltinCategory::Adapter
                                ? "an "
                                : "a ") +
                           getCategoryNoun(B.Category) +
                           "; it belongs in the train section");
      return;
    }
  if (PC.findModel(File, Name)) {
    Diags.error(Loc, "'" + Name + "' is a model and cannot be called; only "
                                  "blocks and built-ins can");
    return;
  }
  std::vector<llvm::StringRef> Candidates = PC.getBlockNames(File);
  for (llvm::StringRef B : getModelBuiltinNames())
    Candidates.push_back(B);
  Diags.error(Loc, "unknown function '" + Name + "'" +
                       didYouMean(Name, Candidates));
}

ExprInfo FunctionChecker::checkBlockCall(const CallExpr &C,
                                         const FunctionDecl &Block) {
  if (!F.isModel())
    PC.addCall(&F, &Block, C.getLoc());
  std::optional<std::vector<const Expr *>> Bound =
      bindArguments(C, getParamList(Block), Diags, /*Report=*/true);
  checkArgsUnbound(C);
  if (Bound)
    C.resolve(&Block, nullptr, std::move(*Bound));
  ExprInfo Info;
  unsigned Arity = getReturnArity(Block);
  if (Arity > 1) {
    Info.Class = ValueClass::Tuple;
    Info.Arity = Arity;
  }
  return Info;
}

ExprInfo FunctionChecker::checkBuiltinCall(
    const CallExpr &C, llvm::ArrayRef<const BuiltinFunction *> Overloads) {
  const BuiltinFunction *Fn = chooseOverload(C, Overloads, Diags);
  std::optional<std::vector<const Expr *>> Bound =
      bindArguments(C, getParamList(*Fn), Diags, /*Report=*/true);
  ExprInfo Info;
  Info.Class = Fn->Result == ResultKind::Int ? ValueClass::Int
                                             : ValueClass::Tensor;
  if (!Bound) {
    checkArgsUnbound(C);
    return Info;
  }
  std::vector<ExprInfo> Args(Fn->Params.size());
  for (unsigned I = 0, E = Fn->Params.size(); I != E; ++I)
    if (const Expr *A = (*Bound)[I])
      Args[I] = checkArg(*A, Fn->Params[I], *Fn);
  C.resolve(nullptr, Fn, std::move(*Bound));

  // Elementwise math of plain numbers gives a number (`sqrt(hd)`).
  if (!Fn->Params.empty() && Fn->Params[0].Kind == ArgKind::Value &&
      isNumeric(Args[0].Class))
    Info.Class = ValueClass::Float;
  if (Fn->Result == ResultKind::Tuple) {
    Info.Class = ValueClass::Tuple;
    int N = Fn->findParam("n");
    if (N >= 0 && Args[N].Const && Args[N].Const->IsInt &&
        Args[N].Const->Int > 0 && Args[N].Const->Int < (1 << 20)) {
      Info.Arity = static_cast<unsigned>(Args[N].Const->Int);
      Info.Elements.assign(Info.Arity, ValueClass::Tensor);
    }
  }
  return Info;
}

ExprInfo FunctionChecker::checkArg(const Expr &A, const ParamSpec &P,
                                   const BuiltinFunction &Fn) {
  std::string What =
      ("argument '" + P.Name + "' of '" + Fn.Name + "'").str();
  auto Mismatch = [&](ValueClass Got) {
    Diags.error(getBeginLoc(A), What + " must be " +
                                    describeArgKind(P.Kind) + ", not " +
                                    describeClass(Got));
  };

  switch (P.Kind) {
  case ArgKind::Init:
    return checkInit(A, P, Fn);
  case ArgKind::Shape:
  case ArgKind::TensorList: {
    bool IsShape = P.Kind == ArgKind::Shape;
    const auto *L = dyn_cast<ListExpr>(&A);
    if (!L) {
      ExprInfo Info = checkExpr(A);
      if (Info.Class != ValueClass::List && Info.Class != ValueClass::Unknown)
        Mismatch(Info.Class);
      return Info;
    }
    if (L->getElements().empty())
      Diags.error(A.getLoc(), What + (IsShape ? " needs at least one dimension"
                                              : " needs at least one tensor"));
    for (const ExprPtr &X : L->getElements()) {
      ExprInfo Info = checkExpr(*X);
      if (!IsShape) {
        if (Info.Class != ValueClass::Tensor &&
            Info.Class != ValueClass::Unknown)
          Diags.error(X->getLoc(), "elements of " + What +
                                       " must be tensors, not " +
                                       describeClass(Info.Class));
        continue;
      }
      checkIntegral(*X, Info, "a dimension in " + What);
      // Only reshape infers a dimension from the others.
      bool MayInfer = Fn.Name == "reshape";
      if (Info.Const && Info.Const->IsInt && Info.Const->Int < 1 &&
          !(MayInfer && Info.Const->Int == -1))
        Diags.error(getBeginLoc(*X),
                    "a dimension in " + What + " must be >= 1" +
                        (MayInfer ? " (or -1 to infer it)" : "") +
                        ", but it is " + Info.Const->str());
    }
    ExprInfo Info;
    Info.Class = ValueClass::List;
    return Info;
  }
  default:
    break;
  }

  ExprInfo Info = checkExpr(A);
  ValueClass C = Info.Class;
  if (C == ValueClass::Unknown)
    return Info;
  switch (P.Kind) {
  case ArgKind::Tensor:
    if (C != ValueClass::Tensor)
      Mismatch(C);
    return Info;
  case ArgKind::Value:
    if (C != ValueClass::Tensor && !isNumeric(C))
      Mismatch(C);
    return Info;
  case ArgKind::Int:
    checkIntegral(A, Info, What);
    break;
  case ArgKind::Number:
    if (!isNumeric(C))
      Mismatch(C);
    break;
  case ArgKind::Bool:
    if (C != ValueClass::Bool)
      Mismatch(C);
    return Info;
  case ArgKind::String:
    if (C != ValueClass::String)
      Mismatch(C);
    return Info;
  default:
    return Info;
  }
  if (Info.Const && !P.Range.contains(Info.Const->asDouble()) &&
      (P.Kind != ArgKind::Int || Info.Const->IsInt))
    Diags.error(getBeginLoc(A), What + " must be " + P.Range.describe() +
                                    ", but it is " + Info.Const->str());
  return Info;
}

ExprInfo FunctionChecker::checkInit(const Expr &A, const ParamSpec &P,
                                    const BuiltinFunction &Fn) {
  ExprInfo Info;
  Info.Class = ValueClass::Init;
  const auto *C = dyn_cast<CallExpr>(&A);
  if (!C) {
    ExprInfo Got = checkExpr(A);
    if (Got.Class != ValueClass::Unknown)
      Diags.error(A.getLoc(), "argument '" + P.Name + "' of '" + Fn.Name +
                                  "' must be " + describeArgKind(P.Kind));
    return Info;
  }
  std::vector<const BuiltinFunction *> Overloads =
      lookupBuiltin(C->getCallee(), BuiltinCategory::Init);
  if (Overloads.empty()) {
    Diags.error(C->getLoc(),
                "unknown initializer '" + C->getCallee() + "'" +
                    didYouMean(C->getCallee(),
                               getBuiltinNames(BuiltinCategory::Init)) +
                    "; expected normal(std), normal(mean, std), uniform(a, "
                    "b), zeros() or ones()");
    checkArgsUnbound(*C);
    return Info;
  }
  const BuiltinFunction *Init = chooseOverload(*C, Overloads, Diags);
  std::optional<std::vector<const Expr *>> Bound =
      bindArguments(*C, getParamList(*Init), Diags, /*Report=*/true);
  if (!Bound) {
    checkArgsUnbound(*C);
    return Info;
  }
  for (unsigned I = 0, E = Init->Params.size(); I != E; ++I)
    if (const Expr *X = (*Bound)[I])
      checkArg(*X, Init->Params[I], *Init);
  C->resolve(nullptr, Init, std::move(*Bound));
  return Info;
}

//===----------------------------------------------------------------------===//
// The program
//===----------------------------------------------------------------------===//

void ProgramChecker::computeVisibility() {
  for (const auto &File : P.getFiles()) {
    std::vector<const SourceFile *> &Seen = Visible[File.get()];
    std::vector<const SourceFile *> Work = {File.get()};
    while (!Work.empty()) {
      const SourceFile *Next = Work.back();
      Work.pop_back();
      if (llvm::is_contained(Seen, Next))
        continue;
      Seen.push_back(Next);
      for (const ImportDecl *I : Next->getImports())
        if (const SourceFile *Imported = I->getImportedFile())
          Work.push_back(Imported);
    }
  }
}

const FunctionDecl *ProgramChecker::findBlock(const SourceFile &File,
                                              llvm::StringRef Name) {
  for (const SourceFile *F : Visible[&File])
    for (const FunctionDecl *B : F->getBlocks())
      if (B->getName() == Name)
        return B;
  return nullptr;
}

const FunctionDecl *ProgramChecker::findModel(const SourceFile &File,
                                              llvm::StringRef Name) {
  for (const SourceFile *F : Visible[&File])
    for (const FunctionDecl *M : F->getModels())
      if (M->getName() == Name)
        return M;
  return nullptr;
}

std::vector<llvm::StringRef>
ProgramChecker::getBlockNames(const SourceFile &File) {
  std::vector<llvm::StringRef> Names;
  for (const SourceFile *F : Visible[&File])
    for (const FunctionDecl *B : F->getBlocks())
      Names.push_back(B->getName());
  return Names;
}

void ProgramChecker::addCall(const FunctionDecl *Caller,
                             const FunctionDecl *Callee, const Location &Loc) {
  std::vector<CallEdge> &Edges = Calls[Caller];
  for (const CallEdge &E : Edges)
    if (E.Callee == Callee)
      return;
  Edges.push_back({Callee, Loc});
}

void ProgramChecker::checkDeclarations() {
  llvm::StringMap<const FunctionDecl *> Functions;
  for (const auto &File : P.getFiles()) {
    const FunctionDecl *FirstModel = nullptr;
    const TrainSection *FirstTrain = nullptr;
    const FinetuneSection *FirstFinetune = nullptr;
    for (const DeclPtr &D : File->getDecls()) {
      if (const auto *T = dyn_cast<TrainSection>(D.get())) {
        if (FirstTrain) {
          Diags.error(T->getLoc(), "only one train section is allowed in a "
                                   "file");
          Diags.note(FirstTrain->getLoc(), "the first train section is here");
        } else {
          FirstTrain = T;
        }
        continue;
      }
      if (const auto *Ft = dyn_cast<FinetuneSection>(D.get())) {
        if (FirstFinetune) {
          Diags.error(Ft->getLoc(), "only one finetune section is allowed in "
                                    "a file");
          Diags.note(FirstFinetune->getLoc(),
                     "the first finetune section is here");
        } else {
          FirstFinetune = Ft;
        }
        continue;
      }
      const auto *Fn = dyn_cast<FunctionDecl>(D.get());
      if (!Fn)
        continue;
      if (Fn->isModel()) {
        if (FirstModel) {
          Diags.error(Fn->getNameLoc(), "only one model is allowed in a file; "
                                        "make '" +
                                            Fn->getName() +
                                            "' a block or move it to its own "
                                            "file");
          Diags.note(FirstModel->getNameLoc(), "the first model is here");
          continue;
        }
        FirstModel = Fn;
      }
      auto [It, Inserted] = Functions.try_emplace(Fn->getName(), Fn);
      if (!Inserted) {
        const FunctionDecl *Prev = It->second;
        Diags.error(Fn->getNameLoc(),
                    "duplicate definition of '" + Fn->getName() + "'");
        Diags.note(Prev->getNameLoc(),
                   llvm::Twine(Prev->isModel() ? "model" : "block") + " '" +
                       Fn->getName() + "' is first defined here");
      }
    }
  }
}

void ProgramChecker::checkRecursion() {
  enum class Color { White, Gray, Black };
  llvm::DenseMap<const FunctionDecl *, Color> Colors;
  llvm::DenseSet<const FunctionDecl *> Reported;
  std::vector<const FunctionDecl *> Stack;

  std::function<void(const FunctionDecl *)> Visit =
      [&](const FunctionDecl *B) {
        Colors[B] = Color::Gray;
        Stack.push_back(B);
        for (const CallEdge &E : Calls.lookup(B)) {
          Color C = Colors.lookup(E.Callee);
          if (C == Color::White) {
            Visit(E.Callee);
            continue;
          }
          if (C != Color::Gray)
            continue;
          // Stack[i..] + callee is a cycle; report it once.
          auto Start = llvm::find(Stack, E.Callee);
          bool Seen = false;
          for (auto It = Start; It != Stack.end(); ++It)
            Seen |= Reported.contains(*It);
          if (Seen)
            continue;
          std::string Chain;
          for (auto It = Start; It != Stack.end(); ++It) {
            Chain += (*It)->getName().str() + " -> ";
            Reported.insert(*It);
          }
          Chain += E.Callee->getName().str();
          Diags.error(E.Loc, "recursive block call: " + Chain +
                                 "; blocks are expanded at compile time and "
                                 "cannot call themselves");
        }
        Stack.pop_back();
        Colors[B] = Color::Black;
      };
  for (const auto &File : P.getFiles())
    for (const FunctionDecl *B : File->getBlocks())
      if (Colors.lookup(B) == Color::White)
        Visit(B);
}

void ProgramChecker::checkSections() {
  for (const auto &File : P.getFiles()) {
    // A train section trains the file's model, or the one it fine-tunes.
    std::vector<const FunctionDecl *> Models = File->getModels();
    const FunctionDecl *FileModel = Models.empty() ? nullptr : Models.front();
    if (!FileModel)
      for (const FinetuneSection *Ft : File->getFinetuneSections())
        if ((FileModel = findModel(*File, Ft->getModelName())))
          break;

    for (const DeclPtr &D : File->getDecls()) {
      if (Diags.shouldStop())
        return;
      if (const auto *T = dyn_cast<TrainSection>(D.get())) {
        checkTrainEntries(T->getEntries(), FileModel, Diags);
        continue;
      }
      const auto *Ft = dyn_cast<FinetuneSection>(D.get());
      if (!Ft)
        continue;
      const FunctionDecl *Model = findModel(*File, Ft->getModelName());
      if (!Model && findBlock(*File, Ft->getModelName())) {
        Diags.error(Ft->getModelLoc(), "'" + Ft->getModelName() +
                                           "' is a block; finetune needs a "
                                           "model");
      } else if (!Model) {
        std::vector<llvm::StringRef> Names;
        for (const SourceFile *F : Visible[File.get()])
          for (const FunctionDecl *M : F->getModels())
            Names.push_back(M->getName());
        Diags.error(Ft->getModelLoc(),
                    "unknown model '" + Ft->getModelName() + "'" +
                        didYouMean(Ft->getModelName(), Names) +
                        (Names.empty() ? "; import the file that defines it"
                                       : ""));
      }
      if (Ft->getWeightsPath().empty())
        Diags.error(Ft->getWeightsLoc(), "the weights file name is empty");
      checkTrainEntries(Ft->getEntries(), Model, Diags);
    }
  }
}

void ProgramChecker::checkEntryPoint() {
  const SourceFile &Main = P.getMainFile();
  if (!Main.getModels().empty() || !Main.getFinetuneSections().empty())
    return;
  const llvm::MemoryBuffer *Buffer =
      Diags.getSourceMgr().getMemoryBuffer(Main.getBufferID());
  Diags.error(llvm::SMLoc::getFromPointer(Buffer->getBufferStart()),
              "nothing to train: '" + Main.getPath() +
                  "' defines no model and no finetune section");
}

void ProgramChecker::check() {
  if (P.getFiles().empty())
    return;
  computeVisibility();
  checkDeclarations();
  for (const auto &File : P.getFiles())
    for (const DeclPtr &D : File->getDecls()) {
      if (Diags.shouldStop())
        return;
      if (const auto *Fn = dyn_cast<FunctionDecl>(D.get()))
        FunctionChecker(*this, *File, *Fn).check();
    }
  checkRecursion();
  checkSections();
  checkEntryPoint();
}

bool dlcc::checkProgram(const Program &P, DiagnosticEngine &Diags) {
  unsigned Before = Diags.getNumErrors();
  ProgramChecker(P, Diags).check();
  return Diags.getNumErrors() == Before;
}
