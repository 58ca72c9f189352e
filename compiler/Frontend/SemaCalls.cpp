//===- SemaCalls.cpp - Binding call arguments to parameters ---------------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
//
// Binds positional and keyword arguments to the parameters of blocks and
// built-ins, with the errors a user can make doing so.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/Sema.h"

#include "llvm/ADT/StringExtras.h"

using namespace dlcc;

ParamList dlcc::getParamList(const BuiltinFunction &F) {
  ParamList PL;
  PL.Callee = F.Name;
  for (const ParamSpec &P : F.Params) {
    PL.Names.push_back(P.Name);
    PL.Required.push_back(P.isRequired());
  }
  PL.Signature = formatSignature(F);
  return PL;
}

ParamList dlcc::getParamList(const FunctionDecl &Block) {
  ParamList PL;
  PL.Callee = Block.getName();
  std::string Signature;
  llvm::raw_string_ostream OS(Signature);
  OS << "block " << Block.getName() << '(';
  llvm::interleaveComma(Block.getParams(), OS, [&](const Param &P) {
    OS << P.Name;
    if (P.Default)
      OS << " = " << printExpr(*P.Default);
  });
  OS << ')';
  for (const Param &P : Block.getParams()) {
    PL.Names.push_back(P.Name);
    PL.Required.push_back(!P.Default);
  }
  PL.Signature = std::move(Signature);
  return PL;
}

std::optional<std::vector<const Expr *>>
dlcc::bindArguments(const CallExpr &Call, const ParamList &PL,
                    DiagnosticEngine &Diags, bool Report) {
  std::vector<const Expr *> Bound(PL.Names.size(), nullptr);
  bool Ok = true;
  llvm::ArrayRef<ExprPtr> Args = Call.getArgs();
  size_t NumParams = PL.Names.size();
  if (Args.size() > NumParams) {
    Ok = false;
    if (Report)
      Diags.error(Args[NumParams]->getLoc(),
                  "too many arguments to " + PL.Signature + ": it takes " +
                      (NumParams == 0
                           ? std::string("none")
                           : "at most " + std::to_string(NumParams)) +
                      ", got " + std::to_string(Args.size()));
  }
  for (size_t I = 0, E = std::min(Args.size(), NumParams); I != E; ++I)
    Bound[I] = Args[I].get();

  for (const KeywordArg &K : Call.getKeywords()) {
    auto It = llvm::find(PL.Names, K.Name);
    if (It == PL.Names.end()) {
      Ok = false;
      if (Report)
        Diags.error(K.Loc, "unknown keyword '" + K.Name + "' for " +
                               PL.Signature + didYouMean(K.Name, PL.Names));
      continue;
    }
    size_t Index = It - PL.Names.begin();
    if (Bound[Index]) {
      Ok = false;
      if (Report)
        Diags.error(K.Loc, "argument '" + K.Name + "' of '" + PL.Callee +
                               "' is given more than once");
      continue;
    }
    Bound[Index] = K.Value.get();
  }
  if (!Ok)
    return std::nullopt;

  std::vector<std::string> Missing;
  for (size_t I = 0; I != NumParams; ++I)
    if (PL.Required[I] && !Bound[I])
      Missing.push_back("'" + PL.Names[I].str() + "'");
  if (!Missing.empty()) {
    if (Report)
      Diags.error(
          Call.getLoc(),
          "missing argument" + std::string(Missing.size() > 1 ? "s " : " ") +
              llvm::join(Missing, ", ") + " in call to " + PL.Signature);
    return std::nullopt;
  }
  return Bound;
}

std::optional<uint64_t> dlcc::parseMemorySize(llvm::StringRef Text) {
  Text = Text.trim();
  size_t NumberEnd = 0;
  while (NumberEnd < Text.size() &&
         (llvm::isDigit(Text[NumberEnd]) || Text[NumberEnd] == '.'))
    ++NumberEnd;
  llvm::StringRef Number = Text.take_front(NumberEnd);
  llvm::StringRef Unit = Text.drop_front(NumberEnd).trim();
  if (Number.empty() || Number.count('.') > 1 || Number == ".")
    return std::nullopt;
  double Value = 0;
  if (Number.getAsDouble(Value))
    return std::nullopt;
  std::string LowerUnit = Unit.lower();
  double Scale = 0;
  if (LowerUnit.empty() || LowerUnit == "b")
    Scale = 1;
  else if (LowerUnit == "kb")
    Scale = 1e3;
  else if (LowerUnit == "mb")
    Scale = 1e6;
  else if (LowerUnit == "gb")
    Scale = 1e9;
  else if (LowerUnit == "tb")
    Scale = 1e12;
  else if (LowerUnit == "kib")
    Scale = 1024.0;
  else if (LowerUnit == "mib")
    Scale = 1024.0 * 1024;
  else if (LowerUnit == "gib")
    Scale = 1024.0 * 1024 * 1024;
  else if (LowerUnit == "tib")
    Scale = 1024.0 * 1024 * 1024 * 1024;
  else
    return std::nullopt;
  double Bytes = Value * Scale;
  if (!(Bytes >= 0) || Bytes > 1.8e19)
    return std::nullopt;
  return static_cast<uint64_t>(Bytes);
}
