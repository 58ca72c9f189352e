//===- TrainConfig.cpp - The train section as module attributes -----------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
//
// Turns the train options in effect (the train section of the model's file,
// overridden by the main file's train and finetune sections) into the typed
// dictionary `dl.train` that later passes and the runtime read (as JSON):
//
//   data      = idx(images = "a.gz", labels = "b.gz", scale = 1/255)
//     -> data = {source = "idx", images = "a.gz", labels = "b.gz",
//                scale = 0.0039215686274509803 : f64, mean = 0.0, std = 1.0}
//   optimizer = adamw(lr = 3e-4, betas = (0.9, 0.95))
//     -> optimizer = {name = "adamw", lr = 3.0e-04 : f64,
//                     betas = [0.9, 0.95], eps = 1.0e-08, weight_decay = 0.01}
//
// Functions get every parameter, given or defaulted (when the default is a
// plain value); integers are i64, other numbers f64, words strings. Options
// that would change what is computed but that no later stage implements
// yet are rejected here.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/MLIRGenInternal.h"

#include "compiler/Frontend/Sema.h"

#include "mlir/IR/OperationSupport.h"

using namespace dlcc;
using namespace dlcc::gen;
using llvm::dyn_cast;

namespace {

class ConfigBuilder {
public:
  explicit ConfigBuilder(mlir::MLIRContext &Context)
      : Context(Context), B(&Context) {}

  /// The value of a train option.
  mlir::Attribute convertOption(const TrainOption &Option, const Expr &Value);
  /// True for an option value that no later stage implements yet.
  static bool isUnsupported(const TrainEntry &Entry);

private:
  mlir::Attribute convertFunction(const BuiltinFunction &Fn,
                                  const CallExpr *Call);
  mlir::Attribute convertArg(const ParamSpec &P, const Expr &E);
  mlir::Attribute convertDefault(const ParamSpec &P);
  mlir::Attribute convertScalar(ArgKind Kind, const Expr &E);

  mlir::MLIRContext &Context;
  mlir::Builder B;
};

} // namespace

/// The function a train value names or calls, if any.
static llvm::StringRef getFunctionName(const Expr &E) {
  if (const auto *N = dyn_cast<NameExpr>(&E))
    return N->getName();
  if (const auto *C = dyn_cast<CallExpr>(&E))
    return C->getCallee();
  return "";
}

bool ConfigBuilder::isUnsupported(const TrainEntry &Entry) {
  llvm::StringRef Name = Entry.Name;
  llvm::StringRef Word = getFunctionName(*Entry.Value);
  bool IsWord = llvm::isa<NameExpr>(*Entry.Value);
  if (Name == "precision")
    return !(IsWord && Word == "f32");
  if (Name == "checkpoint")
    return !(Word == "auto" ||
             (IsWord && (Word == "none" || Word == "blocks" || Word == "sqrt")));
  if (Name == "offload" || Name == "parallel" || Name == "adapt" ||
      Name == "quantize")
    return !(IsWord && Word == "none");
  if (Name == "optimizer")
    return Word == "adamw8bit" || Word == "galore";
  return false;
}

mlir::Attribute ConfigBuilder::convertScalar(ArgKind Kind, const Expr &E) {
  switch (Kind) {
  case ArgKind::Int:
  case ArgKind::Number: {
    std::optional<ConstValue> V = evaluateConstant(E);
    if (!V)
      return {};
    if (Kind == ArgKind::Int && V->IsInt)
      return B.getI64IntegerAttr(V->Int);
    return B.getF64FloatAttr(V->asDouble());
  }
  case ArgKind::Bool:
    if (const auto *Bool = dyn_cast<BoolExpr>(&E))
      return B.getBoolAttr(Bool->getValue());
    return {};
  case ArgKind::String:
    if (const auto *S = dyn_cast<StringExpr>(&E))
      return B.getStringAttr(S->getValue());
    return {};
  case ArgKind::StringList: {
    if (const auto *S = dyn_cast<StringExpr>(&E))
      return B.getStrArrayAttr({S->getValue()});
    const auto *L = dyn_cast<ListExpr>(&E);
    if (!L)
      return {};
    llvm::SmallVector<mlir::Attribute> Elements;
    for (const ExprPtr &X : L->getElements())
      if (const auto *S = dyn_cast<StringExpr>(X.get()))
        Elements.push_back(B.getStringAttr(S->getValue()));
    return B.getArrayAttr(Elements);
  }
  case ArgKind::NumberPair: {
    const auto *T = dyn_cast<TupleExpr>(&E);
    if (!T)
      return {};
    llvm::SmallVector<mlir::Attribute> Elements;
    for (const ExprPtr &X : T->getElements())
      if (std::optional<ConstValue> V = evaluateConstant(*X))
        Elements.push_back(B.getF64FloatAttr(V->asDouble()));
    return B.getArrayAttr(Elements);
  }
  case ArgKind::Word:
    if (const auto *N = dyn_cast<NameExpr>(&E))
      return B.getStringAttr(N->getName());
    return {};
  case ArgKind::MemorySize:
    if (const auto *S = dyn_cast<StringExpr>(&E))
      if (std::optional<uint64_t> Bytes = parseMemorySize(S->getValue()))
        return B.getI64IntegerAttr(static_cast<int64_t>(*Bytes));
    return {};
  default:
    return {};
  }
}

mlir::Attribute ConfigBuilder::convertArg(const ParamSpec &P, const Expr &E) {
  if (P.Kind == ArgKind::Optimizer) {
    llvm::StringRef Name = getFunctionName(E);
    std::vector<const BuiltinFunction *> Fns =
        lookupBuiltin(Name, BuiltinCategory::Optimizer);
    if (Fns.empty())
      return {};
    return convertFunction(*Fns.front(), dyn_cast<CallExpr>(&E));
  }
  return convertScalar(P.Kind, E);
}

mlir::Attribute ConfigBuilder::convertDefault(const ParamSpec &P) {
  llvm::StringRef D = P.Default;
  switch (P.Kind) {
  case ArgKind::Int: {
    int64_t V = 0;
    if (D.getAsInteger(10, V))
      return {};
    return B.getI64IntegerAttr(V);
  }
  case ArgKind::Number: {
    double V = 0;
    if (D.getAsDouble(V))
      return {};
    return B.getF64FloatAttr(V);
  }
  case ArgKind::Bool:
    if (D == "true" || D == "false")
      return B.getBoolAttr(D == "true");
    return {};
  case ArgKind::NumberPair: {
    if (!D.consume_front("(") || !D.consume_back(")"))
      return {};
    auto [First, Second] = D.split(',');
    double A = 0, C = 0;
    if (First.trim().getAsDouble(A) || Second.trim().getAsDouble(C))
      return {};
    return B.getArrayAttr({B.getF64FloatAttr(A), B.getF64FloatAttr(C)});
  }
  case ArgKind::Word:
    return B.getStringAttr(D);
  default:
    // `auto`, `device`, `stages` and the like depend on where the program
    // runs; they stay absent.
    return {};
  }
}

mlir::Attribute ConfigBuilder::convertFunction(const BuiltinFunction &Fn,
                                               const CallExpr *Call) {
  mlir::NamedAttrList Entries;
  Entries.append(Fn.Category == BuiltinCategory::DataSource ? "source" : "name",
                 B.getStringAttr(Fn.Name));
  if (Fn.AnyKeywords) {
    if (Call)
      for (const KeywordArg &K : Call->getKeywords())
        if (const auto *S = dyn_cast<StringExpr>(K.Value.get()))
          Entries.append(K.Name, B.getStringAttr(S->getValue()));
    return Entries.getDictionary(&Context);
  }
  llvm::ArrayRef<const Expr *> Bound;
  if (Call)
    Bound = Call->getBoundArgs();
  for (unsigned I = 0, E = Fn.Params.size(); I != E; ++I) {
    const ParamSpec &P = Fn.Params[I];
    const Expr *Arg = I < Bound.size() ? Bound[I] : nullptr;
    mlir::Attribute V = Arg ? convertArg(P, *Arg) : convertDefault(P);
    if (V)
      Entries.append(P.Name, V);
  }
  return Entries.getDictionary(&Context);
}

mlir::Attribute ConfigBuilder::convertOption(const TrainOption &Option,
                                             const Expr &Value) {
  if (const auto *N = dyn_cast<NameExpr>(&Value))
    if (llvm::is_contained(Option.Words, N->getName()))
      return B.getStringAttr(N->getName());
  if (Option.Functions &&
      (llvm::isa<NameExpr>(Value) || llvm::isa<CallExpr>(Value))) {
    std::vector<const BuiltinFunction *> Fns =
        lookupBuiltin(getFunctionName(Value), *Option.Functions);
    if (Fns.empty())
      return {};
    const auto *Call = dyn_cast<CallExpr>(&Value);
    const BuiltinFunction *Fn =
        Call && Call->getBuiltin() ? Call->getBuiltin() : Fns.front();
    return convertFunction(*Fn, Call);
  }
  if (Option.Kind)
    return convertScalar(*Option.Kind, Value);
  return {};
}

std::optional<TrainConfig> gen::buildTrainConfig(const Program &P,
                                                 mlir::MLIRContext &Context,
                                                 std::optional<int64_t> Batch) {
  ConfigBuilder Converter(Context);
  mlir::Builder B(&Context);
  mlir::NamedAttrList Entries;
  TrainConfig Config;
  bool Failed = false;
  for (const TrainEntry *Entry : P.getTrainOptions()) {
    const TrainOption *Option = lookupTrainOption(Entry->Name);
    if (!Option)
      continue;
    if (ConfigBuilder::isUnsupported(*Entry)) {
      mlir::emitError(toLoc(Context, Entry->Loc))
          << "'" << Entry->Name << " = " << printExpr(*Entry->Value)
          << "' is not supported yet";
      Failed = true;
      continue;
    }
    mlir::Attribute Value = Converter.convertOption(*Option, *Entry->Value);
    if (!Value) {
      mlir::emitError(toLoc(Context, Entry->Loc))
          << "invalid value '" << printExpr(*Entry->Value) << "' for option '"
          << Entry->Name << "'";
      Failed = true;
      continue;
    }
    if (Entry->Name == "batch")
      if (auto Int = llvm::dyn_cast<mlir::IntegerAttr>(Value))
        Config.Batch = Int.getInt();
    if (Entry->Name == "freeze") {
      for (mlir::Attribute Pattern : llvm::cast<mlir::ArrayAttr>(Value))
        Config.Freeze.push_back(
            llvm::cast<mlir::StringAttr>(Pattern).getValue().str());
      Config.FreezeLoc = Entry->Value->getLoc();
    }
    Entries.set(Entry->Name, Value);
  }
  if (Failed)
    return std::nullopt;

  if (Batch)
    Config.Batch = *Batch;
  if (Config.Batch)
    Entries.set("batch", B.getI64IntegerAttr(*Config.Batch));
  // A finetune section starts from its weights unless `init` says otherwise.
  if (const FinetuneSection *F = P.getFinetune())
    if (!Entries.get("init"))
      Entries.set("init", B.getStringAttr(F->getWeightsPath()));
  Config.Attr = Entries.getDictionary(&Context);
  return Config;
}
