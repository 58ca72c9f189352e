//===- SemaExpr.cpp - Checks of expressions and calls ---------------------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
//
// What each expression produces (without shapes), constant folding with
// errors, name resolution, and the calls of blocks and built-ins.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/SemaInternal.h"

using namespace dlcc;
using namespace dlcc::sema;
using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

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
// Expressions
//===----------------------------------------------------------------------===//

void FunctionChecker::checkIntegral(const Expr &E, const ExprInfo &Info,
                                    const llvm::Twine &What) {
  if (Info.Const && !Info.Const->IsInt) {
    Diags.error(getBeginLoc(E), What + " must be an integer, but '" +
                                    printExpr(E) + "' is " + Info.Const->str());
    return;
  }
  if (Info.Class != ValueClass::Int && Info.Class != ValueClass::Unknown)
    Diags.error(getBeginLoc(E),
                What + " must be an integer, not " + describeClass(Info.Class));
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
      Diags.error(E.getLoc(),
                  "'@' multiplies two tensors, but the " +
                      llvm::Twine(isNumeric(L.Class) ? "left" : "right") +
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
    Diags.error(Loc, "'" + Name +
                         "' is an initializer; use it as the value "
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
    Diags.error(Loc, "'" + Name +
                         "' is a model and cannot be called; only "
                         "blocks and built-ins can");
    return;
  }
  std::vector<llvm::StringRef> Candidates = PC.getBlockNames(File);
  for (llvm::StringRef B : getModelBuiltinNames())
    Candidates.push_back(B);
  Diags.error(Loc,
              "unknown function '" + Name + "'" + didYouMean(Name, Candidates));
}

ExprInfo FunctionChecker::checkBlockCall(const CallExpr &C,
                                         const FunctionDecl &Block) {
  if (!F.isModel())
    PC.addCall(&F, &Block, C.getLoc());
  // `name = "..."` names the block's scope, unless the block has a
  // parameter of that name. It is a keyword only: extra positional
  // arguments are reported as such.
  ParamList Params = getParamList(Block);
  bool TakesScopeName = !Block.findParam("name") &&
                        C.getArgs().size() <= Block.getParams().size();
  if (TakesScopeName) {
    Params.Names.push_back("name");
    Params.Required.push_back(false);
  }
  std::optional<std::vector<const Expr *>> Bound =
      bindArguments(C, Params, Diags, /*Report=*/true);
  checkArgsUnbound(C);
  if (Bound && TakesScopeName) {
    const Expr *Name = Bound->back();
    Bound->pop_back();
    if (Name && !isa<StringExpr>(Name) && !isa<NameExpr>(Name)) {
      Diags.error(getBeginLoc(*Name),
                  "the name of a block call must be a string, such as "
                  "name = \"encoder\"");
      Bound.reset();
    }
  }
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
  Info.Class =
      Fn->Result == ResultKind::Int ? ValueClass::Int : ValueClass::Tensor;
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
  std::string What = ("argument '" + P.Name + "' of '" + Fn.Name + "'").str();
  auto Mismatch = [&](ValueClass Got) {
    Diags.error(getBeginLoc(A), What + " must be " + describeArgKind(P.Kind) +
                                    ", not " + describeClass(Got));
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
    Diags.error(
        C->getLoc(),
        "unknown initializer '" + C->getCallee() + "'" +
            didYouMean(C->getCallee(), getBuiltinNames(BuiltinCategory::Init)) +
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
