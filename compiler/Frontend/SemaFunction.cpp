//===- SemaFunction.cpp - Checks of model and block bodies ----------------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
//
// Scopes, parameters and statements of one model or block.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/SemaInternal.h"

#include "llvm/Support/GlobPattern.h"

using namespace dlcc;
using namespace dlcc::sema;
using llvm::cast;
using llvm::dyn_cast;

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
      } else if (Default.Const) {
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
      if (checkPlacement(S, "return", /*ModelOnly=*/false, TopLevel) && !Return)
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
        Diags.note(It->second->getLoc(),
                   "the first '" + M.getName() + "' metric is here");
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
        Diags.error(Fr.getPatternLoc(), "invalid freeze pattern: " +
                                            llvm::toString(Glob.takeError()));
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
      Diags.error(getBeginLoc(*D),
                  What + " must be >= 1, but it is " + Info.Const->str());
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
    Diags.note(It->second->getLoc(),
               "'" + S.getName() + "' is first declared here");
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
      Diags.error(T.Loc,
                  "cannot assign to '" + T.Name + "', the index of a 'repeat'");
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
      Diags.note(Existing->Loc, "'" + S.getIndexName() + "' is declared here");
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
