//===- MLIRGen.cpp - Module, statements, blocks and names -----------------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
//
// The walk over a model: its arguments (with `--set` overrides), inputs,
// statements, inlined blocks and unrolled repeats; the hierarchical names
// of parameters; the outputs of @forward; freezing. Expressions are in
// MLIRGenExpr.cpp, built-in operations in MLIRGenOps.cpp, layers in
// MLIRGenLayers.cpp and the train configuration in TrainConfig.cpp.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/MLIRGenInternal.h"

#include "compiler/Frontend/Diagnostics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/GlobPattern.h"

#include <cmath>

using namespace dlcc;
using namespace dlcc::gen;
using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

//===----------------------------------------------------------------------===//
// Values and variables
//===----------------------------------------------------------------------===//

mlir::Location gen::toLoc(mlir::MLIRContext &Context, const Location &L) {
  if (!L.isValid())
    return mlir::UnknownLoc::get(&Context);
  return mlir::FileLineColLoc::get(&Context, L.File, L.Line, L.Col);
}

std::string gen::describeType(mlir::RankedTensorType Type) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  mlir::Type E = Type.getElementType();
  if (E.isInteger(1))
    OS << "bool";
  else if (E.isF16())
    OS << "f16";
  else
    OS << E;
  OS << mlir::dl::formatShape(Type.getShape());
  return S;
}

std::string gen::describe(const GenValue &V) {
  switch (V.Kind) {
  case GenValue::TensorKind:
    return describeType(V.getType());
  case GenValue::NumberKind:
    return (V.Num.IsInt ? "an integer (" : "a number (") + V.Num.str() + ")";
  case GenValue::BoolKind:
    return "a boolean";
  case GenValue::StringKind:
    return "a string";
  case GenValue::ListKind:
    return "a list";
  case GenValue::TupleKind:
    return "a tuple of " + std::to_string(V.Elements.size()) + " values";
  case GenValue::InitKind:
    return "an initializer";
  }
  return "a value";
}

bool gen::isFloatTensor(const GenValue &V) {
  return V.isTensor() &&
         llvm::isa<mlir::FloatType>(V.getType().getElementType());
}

bool gen::isIndexTensor(const GenValue &V) {
  if (!V.isTensor())
    return false;
  mlir::Type E = V.getType().getElementType();
  return E.isInteger(32) || E.isInteger(64);
}

GenValue *Env::lookup(llvm::StringRef Name) {
  for (auto It = Scopes.rbegin(), E = Scopes.rend(); It != E; ++It) {
    auto Found = It->find(Name);
    if (Found != It->end())
      return &Found->second;
  }
  return nullptr;
}

void Env::assign(llvm::StringRef Name, GenValue V) {
  if (GenValue *Existing = lookup(Name)) {
    *Existing = std::move(V);
    return;
  }
  define(Name, std::move(V));
}

//===----------------------------------------------------------------------===//
// Names and parameters
//===----------------------------------------------------------------------===//

std::string
Generator::allocateName(llvm::StringRef Kind,
                        const std::optional<std::string> &Explicit) {
  NameScope &Scope = Scopes.back();
  std::string Local;
  if (Explicit) {
    Local = *Explicit;
  } else {
    unsigned K = Scope.Counters[Kind]++;
    Local = K == 0 ? Kind.str() : Kind.str() + "_" + std::to_string(K);
  }
  return Scope.Prefix.empty() ? Local : Scope.Prefix + "." + Local;
}

mlir::dl::ParameterOp Generator::findParameter(llvm::StringRef Name) const {
  auto It = Params.find(Name);
  return It == Params.end() ? mlir::dl::ParameterOp() : It->second.Op;
}

std::vector<llvm::StringRef> Generator::getParameterNames() const {
  std::vector<llvm::StringRef> Names;
  for (const std::string &Name : ParamOrder)
    Names.push_back(Name);
  return Names;
}

std::optional<mlir::dl::ParameterOp> Generator::createParameter(
    const std::string &Name, llvm::ArrayRef<int64_t> Shape,
    mlir::dl::InitAttr Init, const Location &L, bool IsBuffer) {
  if (Name == "forward") {
    error(L) << "'forward' is reserved for the model function; give this "
                "layer another name with name = \"...\"";
    return std::nullopt;
  }
  auto It = Params.find(Name);
  if (It != Params.end()) {
    mlir::InFlightDiagnostic D = error(L);
    D << "duplicate parameter name '" << Name
      << "'; give this layer another name with name = \"...\"";
    D.attachNote(loc(It->second.Loc))
        << "'" << Name << "' is first created here";
    return std::nullopt;
  }
  if (failed(checkShape(Shape, L, "the shape of parameter '" + Name + "'")))
    return std::nullopt;
  mlir::OpBuilder::InsertionGuard Guard(Builder);
  Builder.setInsertionPoint(Forward);
  auto Type = mlir::RankedTensorType::get(Shape, Builder.getF32Type());
  auto Op = mlir::dl::ParameterOp::create(Builder, loc(L), Name, Type, Init,
                                          /*frozen=*/false,
                                          /*buffer=*/IsBuffer);
  Params[Name] = ParamRecord{Op, L};
  ParamOrder.push_back(Name);
  return Op;
}

mlir::Value Generator::readParameter(mlir::dl::ParameterOp Param,
                                     const Location &L) {
  return mlir::dl::ParamOp::create(
      Builder, loc(L), Param.getTensorType(),
      mlir::FlatSymbolRefAttr::get(Param.getSymNameAttr()));
}

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

mlir::LogicalResult Generator::genBody(llvm::ArrayRef<StmtPtr> Body) {
  for (const StmtPtr &S : Body) {
    if (failed(genStmt(*S)))
      return mlir::failure();
    if (ReturnValue)
      break;
  }
  return mlir::success();
}

mlir::LogicalResult Generator::genStmt(const Stmt &S) {
  switch (S.getKind()) {
  case Stmt::Input: {
    const auto &In = cast<InputStmt>(S);
    std::vector<int64_t> Shape;
    unsigned Index = 0;
    for (const ExprPtr &D : In.getDims()) {
      ++Index;
      std::string What = "dimension " + std::to_string(Index) + " of input '" +
                         In.getName().str() + "'";
      std::optional<int64_t> Dim = genInt(*D, What);
      if (!Dim)
        return mlir::failure();
      if (*Dim < 1) {
        error(*D) << What << " must be >= 1, but '" << printExpr(*D) << "' is "
                  << *Dim;
        return mlir::failure();
      }
      Shape.push_back(*Dim);
    }
    if (failed(checkShape(Shape, In.getLoc(),
                          "the shape of input '" + In.getName() + "'")))
      return mlir::failure();
    mlir::Type Element;
    switch (In.getType()) {
    case DType::F32:
      Element = Builder.getF32Type();
      break;
    case DType::BF16:
      Element = Builder.getBF16Type();
      break;
    case DType::F16:
      Element = Builder.getF16Type();
      break;
    case DType::I32:
      Element = Builder.getI32Type();
      break;
    case DType::I64:
      Element = Builder.getI64Type();
      break;
    }
    mlir::Block &Entry = Forward.getBody().front();
    mlir::BlockArgument Arg = Entry.addArgument(
        mlir::RankedTensorType::get(Shape, Element), loc(In.getLoc()));
    InputNames.push_back(In.getName().str());
    Vars->assign(In.getName(), GenValue::tensor(Arg));
    return mlir::success();
  }
  case Stmt::Assign:
    return genAssign(cast<AssignStmt>(S));
  case Stmt::Repeat:
    return genRepeat(cast<RepeatStmt>(S));
  case Stmt::Return: {
    GenResult V = genExpr(cast<ReturnStmt>(S).getValue());
    if (!V)
      return mlir::failure();
    ReturnValue = std::move(*V);
    return mlir::success();
  }
  case Stmt::Loss: {
    const Expr &E = cast<LossStmt>(S).getValue();
    GenResult V = genExpr(E);
    if (!V)
      return mlir::failure();
    if (Loss) {
      error(S.getLoc()) << "model '" << Model->getName()
                        << "' has more than one 'loss'";
      return mlir::failure();
    }
    if (!isFloatTensor(*V) || !V->getShape().empty()) {
      error(E) << "the loss must be a floating-point scalar, but '"
               << printExpr(E) << "' is " << describe(*V)
               << (V->isTensor() && !V->getShape().empty()
                       ? "; reduce it, for instance with mean(...)"
                       : "");
      return mlir::failure();
    }
    Loss = V->Tensor;
    return mlir::success();
  }
  case Stmt::Metric: {
    const auto &M = cast<MetricStmt>(S);
    GenResult V = genExpr(M.getValue());
    if (!V)
      return mlir::failure();
    if (!V->isTensor()) {
      error(M.getValue()) << "metric '" << M.getName()
                          << "' must be a tensor, but '"
                          << printExpr(M.getValue()) << "' is " << describe(*V);
      return mlir::failure();
    }
    Metrics.push_back({M.getName().str(), V->Tensor});
    MetricLocs.push_back(M.hasExplicitName() ? M.getNameLoc()
                                             : getBeginLoc(M.getValue()));
    return mlir::success();
  }
  case Stmt::Freeze: {
    const auto &F = cast<FreezeStmt>(S);
    FreezePatterns.push_back({F.getPattern().str(), F.getPatternLoc()});
    return mlir::success();
  }
  }
  return mlir::success();
}

mlir::LogicalResult Generator::genAssign(const AssignStmt &S) {
  GenResult V = genExpr(S.getValue());
  if (!V)
    return mlir::failure();
  llvm::ArrayRef<AssignTarget> Targets = S.getTargets();
  if (Targets.size() == 1) {
    Vars->assign(Targets[0].Name, std::move(*V));
    return mlir::success();
  }
  if (V->Kind != GenValue::TupleKind) {
    error(S.getValue()) << "cannot unpack " << describe(*V) << " into "
                        << Targets.size() << " names";
    return mlir::failure();
  }
  if (V->Elements.size() != Targets.size()) {
    error(S.getLoc()) << "cannot unpack " << V->Elements.size()
                      << " values into " << Targets.size() << " names";
    return mlir::failure();
  }
  for (auto [T, Element] : llvm::zip(Targets, V->Elements))
    Vars->assign(T.Name, Element);
  return mlir::success();
}

/// Visits the layer and block calls of an expression.
static void collectLayerCalls(const Expr &E,
                              std::vector<const CallExpr *> &Calls) {
  switch (E.getKind()) {
  case Expr::Call: {
    const auto &C = cast<CallExpr>(E);
    if (C.getBlock() ||
        (C.getBuiltin() && C.getBuiltin()->Category == BuiltinCategory::Layer))
      Calls.push_back(&C);
    for (const ExprPtr &A : C.getArgs())
      collectLayerCalls(*A, Calls);
    for (const KeywordArg &K : C.getKeywords())
      collectLayerCalls(*K.Value, Calls);
    return;
  }
  case Expr::List:
    for (const ExprPtr &X : cast<ListExpr>(E).getElements())
      collectLayerCalls(*X, Calls);
    return;
  case Expr::Tuple:
    for (const ExprPtr &X : cast<TupleExpr>(E).getElements())
      collectLayerCalls(*X, Calls);
    return;
  case Expr::Binary:
    collectLayerCalls(cast<BinaryExpr>(E).getLHS(), Calls);
    collectLayerCalls(cast<BinaryExpr>(E).getRHS(), Calls);
    return;
  case Expr::Negate:
    collectLayerCalls(cast<NegateExpr>(E).getOperand(), Calls);
    return;
  case Expr::Index: {
    const auto &I = cast<IndexExpr>(E);
    collectLayerCalls(I.getBase(), Calls);
    for (const Subscript &S : I.getSubscripts())
      for (const Expr *Part : {S.Start.get(), S.Stop.get(), S.Step.get()})
        if (Part)
          collectLayerCalls(*Part, Calls);
    return;
  }
  default:
    return;
  }
}

/// Visits the layer and block calls of statements; `Nested` counts those
/// inside nested repeats.
static void collectLayerCalls(llvm::ArrayRef<StmtPtr> Body,
                              std::vector<const CallExpr *> &Calls,
                              unsigned &Nested) {
  for (const StmtPtr &S : Body) {
    switch (S->getKind()) {
    case Stmt::Assign:
      collectLayerCalls(cast<AssignStmt>(*S).getValue(), Calls);
      break;
    case Stmt::Return:
      collectLayerCalls(cast<ReturnStmt>(*S).getValue(), Calls);
      break;
    case Stmt::Loss:
      collectLayerCalls(cast<LossStmt>(*S).getValue(), Calls);
      break;
    case Stmt::Metric:
      collectLayerCalls(cast<MetricStmt>(*S).getValue(), Calls);
      break;
    case Stmt::Repeat: {
      const auto &R = cast<RepeatStmt>(*S);
      std::vector<const CallExpr *> Inner;
      collectLayerCalls(R.getCount(), Calls);
      collectLayerCalls(R.getBody(), Inner, Nested);
      Nested += Inner.size();
      break;
    }
    default:
      break;
    }
  }
}

/// The block call of a repeat body whose only layer or block call it is (and
/// which is not renamed with `name =`): it is named by the iteration scope
/// itself, as `layers.2.attention.qkv` for `self.layers[2].attention.qkv`.
static const CallExpr *findCollapsedCall(const RepeatStmt &R) {
  std::vector<const CallExpr *> Calls;
  unsigned Nested = 0;
  collectLayerCalls(R.getBody(), Calls, Nested);
  if (Calls.size() != 1 || Nested != 0)
    return nullptr;
  const CallExpr *C = Calls.front();
  if (!C->getBlock())
    return nullptr;
  if (!C->getBlock()->findParam("name") && C->getKeyword("name"))
    return nullptr;
  return C;
}

mlir::LogicalResult Generator::genRepeat(const RepeatStmt &S) {
  std::optional<int64_t> Count = genInt(S.getCount(), "the repeat count");
  if (!Count)
    return mlir::failure();
  if (*Count < 0) {
    error(S.getCount()) << "the repeat count must be >= 0, but '"
                        << printExpr(S.getCount()) << "' is " << *Count;
    return mlir::failure();
  }
  // `repeat layers` in a model is named after the argument; other repeats
  // are `repeat`, `repeat_1`...
  std::string Kind = "repeat";
  if (const auto *N = dyn_cast<NameExpr>(&S.getCount()))
    if (Vars == ModelVars && Model->findParam(N->getName()))
      Kind = N->getName().str();
  std::string Name = allocateName(Kind, std::nullopt);
  const CallExpr *Collapsed = findCollapsedCall(S);

  for (int64_t I = 0; I < *Count; ++I) {
    Scopes.push_back(NameScope{Name + "." + std::to_string(I), {}});
    Vars->push();
    if (!S.getIndexName().empty())
      Vars->define(S.getIndexName(), GenValue::integer(I));
    const CallExpr *SavedCollapsed = CollapsedCall;
    CollapsedCall = Collapsed;
    mlir::LogicalResult Result = genBody(S.getBody());
    CollapsedCall = SavedCollapsed;
    Vars->pop();
    Scopes.pop_back();
    if (failed(Result))
      return mlir::failure();
  }
  return mlir::success();
}

GenResult Generator::genBlockCall(const CallExpr &C,
                                  const FunctionDecl &Block) {
  llvm::ArrayRef<const Expr *> Bound = C.getBoundArgs();
  llvm::ArrayRef<Param> BlockParams = Block.getParams();
  if (Bound.size() != BlockParams.size()) {
    error(C.getLoc()) << "internal error: call of block '" << Block.getName()
                      << "' was not resolved";
    return std::nullopt;
  }

  // Arguments are evaluated in the caller, in source order.
  bool TakesScopeName = !Block.findParam("name");
  std::vector<std::optional<GenValue>> Values(BlockParams.size());
  std::optional<std::string> ScopeName;
  auto Evaluate = [&](const Expr &E, llvm::StringRef Keyword) -> bool {
    if (TakesScopeName && Keyword == "name") {
      GenResult V = genExpr(E);
      if (!V)
        return false;
      if (V->Kind != GenValue::StringKind || V->Str.empty()) {
        error(E) << "the name of a block call must be a non-empty string, "
                    "not "
                 << describe(*V);
        return false;
      }
      ScopeName = V->Str;
      return true;
    }
    for (unsigned I = 0; I != Bound.size(); ++I)
      if (Bound[I] == &E) {
        GenResult V = genExpr(E);
        if (!V)
          return false;
        Values[I] = std::move(*V);
        return true;
      }
    return true;
  };
  for (const ExprPtr &A : C.getArgs())
    if (!Evaluate(*A, ""))
      return std::nullopt;
  for (const KeywordArg &K : C.getKeywords())
    if (!Evaluate(*K.Value, K.Name))
      return std::nullopt;

  // The block's naming scope.
  bool Collapse = &C == CollapsedCall && !ScopeName;
  if (!Collapse)
    Scopes.push_back(NameScope{allocateName(Block.getName(), ScopeName), {}});

  Env Callee;
  Callee.define("B", GenValue::integer(Batch));
  Env *SavedVars = Vars;
  const CallExpr *SavedCollapsed = CollapsedCall;
  std::optional<GenValue> SavedReturn = std::move(ReturnValue);
  Vars = &Callee;
  CollapsedCall = nullptr;
  ReturnValue.reset();

  // The ops an outermost call generates are those after the insertion
  // point's current last op.
  mlir::Block *Body = Builder.getInsertionBlock();
  mlir::Operation *Before =
      BlockCallNesting == 0 && !Body->empty() ? &Body->back() : nullptr;
  bool Outermost = BlockCallNesting++ == 0 &&
                   Builder.getInsertionPoint() == Body->end();

  bool Ok = true;
  for (unsigned I = 0; Ok && I != BlockParams.size(); ++I) {
    if (Values[I]) {
      Callee.define(BlockParams[I].Name, std::move(*Values[I]));
      continue;
    }
    // Defaults are evaluated in the block, after the parameters before them.
    GenResult V = genExpr(*BlockParams[I].Default);
    if (!V)
      Ok = false;
    else
      Callee.define(BlockParams[I].Name, std::move(*V));
  }
  if (Ok)
    Ok = succeeded(genBody(Block.getBody()));
  std::optional<GenValue> Result = std::move(ReturnValue);
  --BlockCallNesting;
  if (Outermost) {
    auto Index = Builder.getI64IntegerAttr(NextBlockIndex++);
    for (mlir::Operation &Op : llvm::make_range(
             Before ? std::next(Before->getIterator()) : Body->begin(),
             Body->end()))
      if (llvm::isa<mlir::dl::DLDialect>(Op.getDialect()))
        Op.setAttr("dl.block", Index);
  }

  Vars = SavedVars;
  CollapsedCall = SavedCollapsed;
  ReturnValue = std::move(SavedReturn);
  if (!Collapse)
    Scopes.pop_back();
  if (!Ok)
    return std::nullopt;
  if (!Result) {
    error(C.getLoc()) << "block '" << Block.getName()
                      << "' ended without returning a value";
    return std::nullopt;
  }
  return Result;
}

//===----------------------------------------------------------------------===//
// The model
//===----------------------------------------------------------------------===//

mlir::LogicalResult Generator::bindModelArgs() {
  // `--set name=value`, checked against the model's arguments.
  llvm::StringMap<std::string> Overrides;
  std::vector<llvm::StringRef> ArgNames;
  for (const Param &A : Model->getParams())
    ArgNames.push_back(A.Name);
  for (const std::string &Set : Options.Sets) {
    auto [Name, Value] = llvm::StringRef(Set).split('=');
    Name = Name.trim();
    Value = Value.trim();
    if (llvm::StringRef(Set).find('=') == llvm::StringRef::npos ||
        Name.empty() || Value.empty()) {
      error(Model->getNameLoc())
          << "--set expects NAME=VALUE, such as --set width=256, not '" << Set
          << "'";
      return mlir::failure();
    }
    if (!Model->findParam(Name)) {
      std::string Hint = didYouMean(Name, ArgNames);
      if (Hint.empty())
        Hint = ArgNames.empty()
                   ? "; it has none"
                   : "; its arguments are " + llvm::join(ArgNames, ", ");
      error(Model->getNameLoc())
          << "--set " << Set << ": model '" << Model->getName()
          << "' has no argument '" << Name << "'" << Hint;
      return mlir::failure();
    }
    if (!Overrides.try_emplace(Name, Value.str()).second) {
      error(Model->findParam(Name)->Loc)
          << "--set " << Name << " is given more than once";
      return mlir::failure();
    }
  }

  auto Lookup = [&](llvm::StringRef Name) -> std::optional<ConstValue> {
    auto It = ModelArgs.find(Name);
    if (It == ModelArgs.end())
      return std::nullopt;
    return It->second;
  };
  for (const Param &A : Model->getParams()) {
    std::optional<ConstValue> Default;
    if (A.Default)
      Default = evaluateConstant(*A.Default, Lookup);
    if (!Default) {
      error(A.Loc) << "the default value of model argument '" << A.Name
                   << "' must be a constant number";
      return mlir::failure();
    }
    auto It = Overrides.find(A.Name);
    if (It == Overrides.end()) {
      ModelArgs[A.Name] = *Default;
      continue;
    }
    llvm::StringRef Text = It->second;
    std::string Set = "--set " + A.Name + "=" + Text.str();
    if (Default->IsInt) {
      int64_t V = 0;
      if (Text.getAsInteger(10, V)) {
        error(A.Loc) << Set << ": '" << Text << "' is not an integer, and '"
                     << A.Name << "' is an integer argument (default "
                     << Default->str() << ")";
        return mlir::failure();
      }
      if (V < 1) {
        error(A.Loc) << Set << ": '" << A.Name << "' must be >= 1, but it is "
                     << V;
        return mlir::failure();
      }
      ModelArgs[A.Name] = ConstValue::ofInt(V);
      continue;
    }
    double V = 0;
    if (Text.getAsDouble(V) || !std::isfinite(V)) {
      error(A.Loc) << Set << ": '" << Text << "' is not a number";
      return mlir::failure();
    }
    ModelArgs[A.Name] = ConstValue::ofFloat(V);
  }
  return mlir::success();
}

/// The names of built-in functions of the model and train categories are
/// words; output names must be valid names of tensors.
mlir::LogicalResult Generator::finishOutputs() {
  if (!Loss) {
    error(Model->getNameLoc())
        << "model '" << Model->getName() << "' computes no loss";
    return mlir::failure();
  }
  llvm::SmallVector<mlir::Value> Results{Loss};
  llvm::SmallVector<mlir::Attribute> Names{Builder.getStringAttr("loss")};
  for (auto [I, Metric] : llvm::enumerate(Metrics)) {
    const std::string &Name = Metric.first;
    const char *Clash = nullptr;
    if (Name == "loss")
      Clash = "the loss";
    else if (llvm::is_contained(InputNames, Name))
      Clash = "an input";
    else if (Params.count(Name))
      Clash = "a parameter";
    if (Clash) {
      error(MetricLocs[I]) << "metric '" << Name << "' has the name of "
                           << Clash
                           << "; name it otherwise with 'metric NAME = ...'";
      return mlir::failure();
    }
    Results.push_back(Metric.second);
    Names.push_back(Builder.getStringAttr(Name));
  }

  for (const std::string &Name : Options.Expose) {
    GenValue *V = ModelVars->lookup(Name);
    if (!V || V->Kind != GenValue::TensorKind) {
      error(Model->getNameLoc())
          << "--expose " << Name << ": the model '" << Model->getName()
          << "' has no tensor variable '" << Name << "'";
      return mlir::failure();
    }
    if (llvm::any_of(Names, [&](mlir::Attribute A) {
          return llvm::cast<mlir::StringAttr>(A).getValue() == Name;
        })) {
      error(Model->getNameLoc())
          << "--expose " << Name << ": an output is already named '" << Name
          << "'";
      return mlir::failure();
    }
    Results.push_back(V->Tensor);
    Names.push_back(Builder.getStringAttr(Name));
  }

  mlir::Block &Entry = Forward.getBody().front();
  Builder.setInsertionPointToEnd(&Entry);
  mlir::func::ReturnOp::create(Builder, Forward.getLoc(), Results);
  Forward.setFunctionType(Builder.getFunctionType(
      Entry.getArgumentTypes(), mlir::ValueRange(Results).getTypes()));
  for (auto [I, Name] : llvm::enumerate(InputNames))
    Forward.setArgAttr(I, "dl.input", Builder.getStringAttr(Name));
  Forward->setAttr("dl.outputs", Builder.getArrayAttr(Names));
  return mlir::success();
}

mlir::LogicalResult Generator::applyFreezes(const TrainConfig &Config) {
  std::vector<std::pair<std::string, Location>> Patterns = FreezePatterns;
  for (const std::string &Pattern : Config.Freeze)
    Patterns.push_back({Pattern, Config.FreezeLoc});
  for (const auto &[Pattern, L] : Patterns) {
    llvm::Expected<llvm::GlobPattern> Glob = llvm::GlobPattern::create(Pattern);
    if (!Glob) {
      error(L) << "invalid freeze pattern '" << Pattern
               << "': " << llvm::toString(Glob.takeError());
      return mlir::failure();
    }
    bool Matched = false;
    for (const std::string &Name : ParamOrder) {
      mlir::dl::ParameterOp Op = Params[Name].Op;
      if (Op.getBuffer() || !Glob->match(Name))
        continue;
      Op.setFrozen(true);
      Matched = true;
    }
    if (!Matched)
      mlir::emitWarning(loc(L))
          << "freeze pattern '" << Pattern << "' matches no parameter";
  }
  return mlir::success();
}

mlir::OwningOpRef<mlir::ModuleOp> Generator::generate() {
  Context.loadDialect<mlir::dl::DLDialect, mlir::func::FuncDialect,
                      mlir::arith::ArithDialect>();
  Model = P.getEntryModel();
  if (!Model) {
    mlir::emitError(mlir::UnknownLoc::get(&Context))
        << "the program has no model to compile";
    return nullptr;
  }
  if (failed(bindModelArgs()))
    return nullptr;
  if (Options.Batch && *Options.Batch < 1) {
    error(Model->getNameLoc())
        << "--batch must be >= 1, but it is " << *Options.Batch;
    return nullptr;
  }
  std::optional<TrainConfig> Config =
      buildTrainConfig(P, Context, Options.Batch);
  if (!Config)
    return nullptr;
  if (!Config->Batch) {
    error(Model->getNameLoc())
        << "model '" << Model->getName()
        << "' needs a batch size, the value of 'B': set 'batch = N' in its "
           "train section or pass --batch N";
    return nullptr;
  }
  Batch = *Config->Batch;

  mlir::OwningOpRef<mlir::ModuleOp> Owner =
      mlir::ModuleOp::create(loc(Model->getLoc()));
  Module = *Owner;
  Module->setAttr("dl.model", Builder.getStringAttr(Model->getName()));
  Module->setAttr("dl.batch", Builder.getI64IntegerAttr(Batch));
  Module->setAttr("dl.train", Config->Attr);

  Builder.setInsertionPointToEnd(Module.getBody());
  Forward = mlir::func::FuncOp::create(Builder, loc(Model->getLoc()), "forward",
                                       Builder.getFunctionType({}, {}));
  Builder.setInsertionPointToStart(Forward.addEntryBlock());

  Env ModelEnv;
  ModelEnv.define("B", GenValue::integer(Batch));
  for (const auto &Arg : ModelArgs)
    ModelEnv.define(Arg.getKey(), GenValue::number(Arg.getValue()));
  Vars = ModelVars = &ModelEnv;
  Scopes.push_back(NameScope{});

  if (failed(genBody(Model->getBody())) || failed(finishOutputs()) ||
      failed(applyFreezes(*Config)))
    return nullptr;
  Vars = ModelVars = nullptr;
  if (failed(mlir::verify(Module)))
    return nullptr;
  return Owner;
}

mlir::OwningOpRef<mlir::ModuleOp>
dlcc::generateModule(const Program &P, mlir::MLIRContext &Context,
                     const GenOptions &Options) {
  return Generator(P, Context, Options).generate();
}
