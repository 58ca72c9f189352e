//===- SemaTrain.cpp - Checks of train and finetune sections --------------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
//
// Checks that every entry of a train or finetune section is a known option
// with a value the option accepts, as listed in Builtins.cpp. Names in these
// sections are words (`bf16`, `none`), not variables.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/ConstEval.h"
#include "compiler/Frontend/Sema.h"

#include "llvm/ADT/StringMap.h"

using namespace dlcc;
using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

namespace {

class TrainChecker {
public:
  TrainChecker(const FunctionDecl *Model, DiagnosticEngine &Diags)
      : Model(Model), Diags(Diags) {}

  void checkEntries(llvm::ArrayRef<TrainEntry> Entries);

private:
  void checkOptionValue(const TrainOption &Option, const Expr &Value);
  /// Checks a value that must be a function of `Category`, called or bare.
  /// Returns false (without reporting) when it is neither a name nor a call.
  bool checkFunctionValue(const Expr &Value, BuiltinCategory Category);
  void checkFunctionCall(const CallExpr &Call, BuiltinCategory Category);
  void checkAnyKeywordCall(const CallExpr &Call, const BuiltinFunction &Fn);
  /// Checks a plain value of `Kind`. `Allowed`, when not empty, describes
  /// all the values allowed where the kind does not match.
  void checkScalar(const Expr &E, ArgKind Kind, const NumberRange &Range,
                   llvm::ArrayRef<llvm::StringRef> Words,
                   const std::string &What, llvm::StringRef Allowed = "");
  void reportInvalid(const TrainOption &Option, const Expr &Value);

  const FunctionDecl *Model;
  DiagnosticEngine &Diags;
};

} // namespace

/// Shortens an expression for a message.
static std::string shortText(const Expr &E) {
  std::string Text = printExpr(E);
  if (Text.size() > 40)
    Text = Text.substr(0, 37) + "...";
  return Text;
}

void TrainChecker::checkEntries(llvm::ArrayRef<TrainEntry> Entries) {
  llvm::StringMap<const TrainEntry *> Seen;
  std::vector<llvm::StringRef> OptionNames;
  for (const TrainOption &O : getTrainOptions())
    OptionNames.push_back(O.Name);

  for (const TrainEntry &Entry : Entries) {
    if (Diags.shouldStop())
      return;
    auto [It, Inserted] = Seen.try_emplace(Entry.Name, &Entry);
    if (!Inserted) {
      Diags.error(Entry.Loc, "option '" + Entry.Name + "' is set twice");
      Diags.note(It->second->Loc, "it is first set here");
      continue;
    }
    const TrainOption *Option = lookupTrainOption(Entry.Name);
    if (!Option) {
      std::string Hint = didYouMean(Entry.Name, OptionNames);
      if (Hint.empty()) {
        Hint = "; the options are ";
        for (unsigned I = 0, E = OptionNames.size(); I != E; ++I)
          Hint += (I ? ", " : "") + OptionNames[I].str();
      }
      Diags.error(Entry.Loc,
                  "unknown train option '" + Entry.Name + "'" + Hint);
      continue;
    }
    checkOptionValue(*Option, *Entry.Value);
  }
  if (Seen.count("steps") && Seen.count("epochs")) {
    const TrainEntry *Second = Seen["steps"]->Loc.Loc.getPointer() >
                                       Seen["epochs"]->Loc.Loc.getPointer()
                                   ? Seen["steps"]
                                   : Seen["epochs"];
    Diags.error(Second->Loc, "set either 'steps' or 'epochs', not both");
  }
}

void TrainChecker::reportInvalid(const TrainOption &Option, const Expr &Value) {
  std::string Hint;
  llvm::StringRef Word;
  if (const auto *N = dyn_cast<NameExpr>(&Value))
    Word = N->getName();
  else if (const auto *C = dyn_cast<CallExpr>(&Value))
    Word = C->getCallee();
  if (!Word.empty()) {
    std::vector<llvm::StringRef> Candidates = Option.Words;
    if (Option.Functions)
      for (llvm::StringRef Name : getBuiltinNames(*Option.Functions))
        Candidates.push_back(Name);
    Hint = didYouMean(Word, Candidates);
  }
  Diags.error(Value.getLoc(), "invalid value '" + shortText(Value) +
                                  "' for option '" + Option.Name +
                                  "' (expected " +
                                  describeAllowedValues(Option) + ")" + Hint);
}

void TrainChecker::checkOptionValue(const TrainOption &Option,
                                    const Expr &Value) {
  if (const auto *N = dyn_cast<NameExpr>(&Value))
    if (llvm::is_contained(Option.Words, N->getName()))
      return;
  if (Option.Functions && (isa<NameExpr>(Value) || isa<CallExpr>(Value))) {
    llvm::StringRef Name = isa<NameExpr>(Value)
                               ? cast<NameExpr>(Value).getName()
                               : cast<CallExpr>(Value).getCallee();
    bool Known = !lookupBuiltin(Name, *Option.Functions).empty();
    // Unknown names get the option's full list of values.
    if (!Known && isa<NameExpr>(Value)) {
      reportInvalid(Option, Value);
      return;
    }
    checkFunctionValue(Value, *Option.Functions);
    return;
  }
  if (Option.Kind && !isa<NameExpr>(Value) && !isa<CallExpr>(Value)) {
    checkScalar(Value, *Option.Kind, Option.Range, {},
                ("option '" + Option.Name + "'").str(),
                describeAllowedValues(Option));
    return;
  }
  reportInvalid(Option, Value);
}

bool TrainChecker::checkFunctionValue(const Expr &Value,
                                      BuiltinCategory Category) {
  if (const auto *Call = dyn_cast<CallExpr>(&Value)) {
    checkFunctionCall(*Call, Category);
    return true;
  }
  const auto *N = dyn_cast<NameExpr>(&Value);
  if (!N)
    return false;
  std::vector<const BuiltinFunction *> Overloads =
      lookupBuiltin(N->getName(), Category);
  if (Overloads.empty()) {
    Diags.error(Value.getLoc(),
                "unknown " + getCategoryNoun(Category) + " '" + N->getName() +
                    "'" + didYouMean(N->getName(), getBuiltinNames(Category)));
    return true;
  }
  for (const BuiltinFunction *Fn : Overloads)
    if (Fn->getNumRequired() == 0 && !Fn->AnyKeywords)
      return true;
  Diags.error(Value.getLoc(), "'" + N->getName() +
                                  "' needs arguments; expected " +
                                  formatSignature(*Overloads.front()));
  return true;
}

void TrainChecker::checkFunctionCall(const CallExpr &Call,
                                     BuiltinCategory Category) {
  std::vector<const BuiltinFunction *> Overloads =
      lookupBuiltin(Call.getCallee(), Category);
  if (Overloads.empty()) {
    for (const BuiltinFunction &Other : getBuiltins())
      if (Other.Name == Call.getCallee() && !isModelCategory(Other.Category) &&
          Other.Category != Category) {
        Diags.error(Call.getLoc(), "'" + Call.getCallee() + "' is a " +
                                       getCategoryNoun(Other.Category) +
                                       ", not a " + getCategoryNoun(Category));
        return;
      }
    std::string Allowed;
    for (llvm::StringRef Name : getBuiltinNames(Category))
      Allowed += (Allowed.empty() ? "" : ", ") + Name.str();
    Diags.error(Call.getLoc(),
                "unknown " + getCategoryNoun(Category) + " '" +
                    Call.getCallee() + "' (expected one of " + Allowed + ")" +
                    didYouMean(Call.getCallee(), getBuiltinNames(Category)));
    return;
  }
  const BuiltinFunction *Fn = Overloads.front();
  if (Fn->AnyKeywords) {
    checkAnyKeywordCall(Call, *Fn);
    return;
  }
  std::optional<std::vector<const Expr *>> Bound =
      bindArguments(Call, getParamList(*Fn), Diags, /*Report=*/true);
  if (!Bound)
    return;
  for (unsigned I = 0, E = Fn->Params.size(); I != E; ++I) {
    const ParamSpec &P = Fn->Params[I];
    if (const Expr *A = (*Bound)[I])
      checkScalar(*A, P.Kind, P.Range, P.Words,
                  ("argument '" + P.Name + "' of '" + Fn->Name + "'").str());
  }
  Call.resolve(nullptr, Fn, std::move(*Bound));
}

void TrainChecker::checkAnyKeywordCall(const CallExpr &Call,
                                       const BuiltinFunction &Fn) {
  if (!Call.getArgs().empty()) {
    Diags.error(Call.getArgs().front()->getLoc(),
                "'" + Fn.Name +
                    "' takes one keyword argument per model "
                    "input: " +
                    formatSignature(Fn));
    return;
  }
  std::vector<llvm::StringRef> InputNames;
  if (Model)
    for (const InputStmt *In : Model->getInputs())
      InputNames.push_back(In->getName());
  llvm::StringMap<Location> Seen;
  bool Ok = true;
  for (const KeywordArg &K : Call.getKeywords()) {
    if (!Seen.try_emplace(K.Name, K.Loc).second) {
      Diags.error(K.Loc, "input '" + K.Name + "' is given more than once");
      Ok = false;
      continue;
    }
    if (Model && !llvm::is_contained(InputNames, K.Name)) {
      Diags.error(K.Loc, "model '" + Model->getName() + "' has no input '" +
                             K.Name + "'" + didYouMean(K.Name, InputNames));
      Ok = false;
    }
    if (!isa<StringExpr>(*K.Value)) {
      Diags.error(K.Value->getLoc(), "the file of input '" + K.Name +
                                         "' must be a string in quotes");
      Ok = false;
    }
  }
  if (Ok && Model)
    for (llvm::StringRef Input : InputNames)
      if (!Seen.count(Input)) {
        Diags.error(Call.getLoc(), "'" + Fn.Name +
                                       "' gives no file for input '" + Input +
                                       "' of model '" + Model->getName() + "'");
        Ok = false;
        break;
      }
  if (Ok)
    Call.resolve(nullptr, &Fn, {});
}

void TrainChecker::checkScalar(const Expr &E, ArgKind Kind,
                               const NumberRange &Range,
                               llvm::ArrayRef<llvm::StringRef> Words,
                               const std::string &What,
                               llvm::StringRef Allowed) {
  auto Expected = [&](const std::string &Desc) {
    Diags.error(getBeginLoc(E), What + " must be " +
                                    (Allowed.empty() ? Desc : Allowed.str()) +
                                    ", not '" + shortText(E) + "'");
  };
  switch (Kind) {
  case ArgKind::Int:
  case ArgKind::Number: {
    std::optional<ConstValue> V = evaluateConstant(E);
    if (!V) {
      Expected(Kind == ArgKind::Int ? "an integer" : "a number");
      return;
    }
    if (Kind == ArgKind::Int && !V->IsInt) {
      Diags.error(E.getLoc(),
                  What + " must be an integer, but it is " + V->str());
      return;
    }
    if (!Range.contains(V->asDouble()))
      Diags.error(E.getLoc(), What + " must be " + Range.describe() +
                                  ", but it is " + V->str());
    return;
  }
  case ArgKind::Bool:
    if (!isa<BoolExpr>(E))
      Expected("true or false");
    return;
  case ArgKind::String:
    if (!isa<StringExpr>(E))
      Expected("a string in quotes");
    return;
  case ArgKind::StringList: {
    if (isa<StringExpr>(E))
      return;
    const auto *L = dyn_cast<ListExpr>(&E);
    if (!L) {
      Expected("a string or a list of strings");
      return;
    }
    if (L->getElements().empty())
      Diags.error(E.getLoc(), What + " must not be an empty list");
    for (const ExprPtr &X : L->getElements())
      if (!isa<StringExpr>(*X))
        Diags.error(X->getLoc(),
                    "elements of " + What + " must be strings in quotes");
    return;
  }
  case ArgKind::NumberPair: {
    const auto *T = dyn_cast<TupleExpr>(&E);
    if (!T || T->getElements().size() != 2) {
      Expected("a pair of numbers such as (0.9, 0.999)");
      return;
    }
    for (const ExprPtr &X : T->getElements())
      if (!evaluateConstant(*X))
        Diags.error(X->getLoc(), "elements of " + What + " must be numbers");
    return;
  }
  case ArgKind::Word: {
    const auto *N = dyn_cast<NameExpr>(&E);
    if (N && llvm::is_contained(Words, N->getName()))
      return;
    std::string List;
    for (llvm::StringRef W : Words)
      List += (List.empty() ? "" : ", ") + W.str();
    Diags.error(E.getLoc(),
                What + " must be one of " + List + ", not '" + shortText(E) +
                    "'" +
                    (N ? didYouMean(N->getName(), Words) : std::string()));
    return;
  }
  case ArgKind::MemorySize: {
    const auto *S = dyn_cast<StringExpr>(&E);
    if (!S || !parseMemorySize(S->getValue()))
      Expected("a memory size in quotes such as \"1 GiB\" or \"512 MB\"");
    return;
  }
  case ArgKind::Optimizer:
    if (!checkFunctionValue(E, BuiltinCategory::Optimizer))
      Expected("an optimizer such as adamw(lr = 1e-3)");
    return;
  case ArgKind::Tensor:
  case ArgKind::Value:
  case ArgKind::Shape:
  case ArgKind::TensorList:
  case ArgKind::Init:
    Expected(describeArgKind(Kind));
    return;
  }
}

bool dlcc::checkTrainEntries(llvm::ArrayRef<TrainEntry> Entries,
                             const FunctionDecl *Model,
                             DiagnosticEngine &Diags) {
  unsigned Before = Diags.getNumErrors();
  TrainChecker(Model, Diags).checkEntries(Entries);
  return Diags.getNumErrors() == Before;
}
