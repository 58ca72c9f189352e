//===- AST.cpp - Abstract syntax tree of the .dl language -----------------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/AST.h"

#include "llvm/ADT/STLExtras.h"

using namespace dlcc;
using llvm::dyn_cast;

llvm::StringRef dlcc::getBinaryOpSpelling(BinaryOp Op) {
  switch (Op) {
  case BinaryOp::Add:
    return "+";
  case BinaryOp::Sub:
    return "-";
  case BinaryOp::Mul:
    return "*";
  case BinaryOp::Div:
    return "/";
  case BinaryOp::MatMul:
    return "@";
  }
  return "?";
}

llvm::StringRef dlcc::getDTypeSpelling(DType Type) {
  switch (Type) {
  case DType::F32:
    return "f32";
  case DType::BF16:
    return "bf16";
  case DType::F16:
    return "f16";
  case DType::I32:
    return "i32";
  case DType::I64:
    return "i64";
  }
  return "?";
}

const Location &dlcc::getBeginLoc(const Expr &E) {
  const Expr *Current = &E;
  while (true) {
    if (const auto *B = dyn_cast<BinaryExpr>(Current))
      Current = &B->getLHS();
    else if (const auto *I = dyn_cast<IndexExpr>(Current))
      Current = &I->getBase();
    else
      return Current->getLoc();
  }
}

const Expr *CallExpr::getKeyword(llvm::StringRef Name) const {
  for (const KeywordArg &K : Keywords)
    if (K.Name == Name)
      return K.Value.get();
  return nullptr;
}

const Param *FunctionDecl::findParam(llvm::StringRef N) const {
  for (const Param &P : Params)
    if (P.Name == N)
      return &P;
  return nullptr;
}

/// Collects the top-level statements of kind `T` of a body.
template <typename T>
static std::vector<const T *> collect(llvm::ArrayRef<StmtPtr> Body) {
  std::vector<const T *> Result;
  for (const StmtPtr &S : Body)
    if (const auto *Typed = dyn_cast<T>(S.get()))
      Result.push_back(Typed);
  return Result;
}

std::vector<const InputStmt *> FunctionDecl::getInputs() const {
  return collect<InputStmt>(Body);
}

const LossStmt *FunctionDecl::getLoss() const {
  std::vector<const LossStmt *> Losses = collect<LossStmt>(Body);
  return Losses.empty() ? nullptr : Losses.front();
}

std::vector<const MetricStmt *> FunctionDecl::getMetrics() const {
  return collect<MetricStmt>(Body);
}

std::vector<const FreezeStmt *> FunctionDecl::getFreezes() const {
  return collect<FreezeStmt>(Body);
}

static const TrainEntry *findEntry(llvm::ArrayRef<TrainEntry> Entries,
                                   llvm::StringRef Name) {
  for (const TrainEntry &E : Entries)
    if (E.Name == Name)
      return &E;
  return nullptr;
}

const TrainEntry *TrainSection::find(llvm::StringRef Name) const {
  return findEntry(Entries, Name);
}

const TrainEntry *FinetuneSection::find(llvm::StringRef Name) const {
  return findEntry(Entries, Name);
}

/// Collects the declarations of kind `T` of a file.
template <typename T>
static std::vector<const T *> collectDecls(llvm::ArrayRef<DeclPtr> Decls,
                                           Decl::DeclKind Kind) {
  std::vector<const T *> Result;
  for (const DeclPtr &D : Decls)
    if (D->getKind() == Kind)
      Result.push_back(llvm::cast<T>(D.get()));
  return Result;
}

std::vector<const ImportDecl *> SourceFile::getImports() const {
  return collectDecls<ImportDecl>(Decls, Decl::Import);
}

std::vector<const FunctionDecl *> SourceFile::getBlocks() const {
  return collectDecls<FunctionDecl>(Decls, Decl::Block);
}

std::vector<const FunctionDecl *> SourceFile::getModels() const {
  return collectDecls<FunctionDecl>(Decls, Decl::Model);
}

std::vector<const TrainSection *> SourceFile::getTrainSections() const {
  return collectDecls<TrainSection>(Decls, Decl::Train);
}

std::vector<const FinetuneSection *> SourceFile::getFinetuneSections() const {
  return collectDecls<FinetuneSection>(Decls, Decl::Finetune);
}

const FunctionDecl *Program::findBlock(llvm::StringRef Name) const {
  for (const auto &File : Files)
    for (const FunctionDecl *B : File->getBlocks())
      if (B->getName() == Name)
        return B;
  return nullptr;
}

const FunctionDecl *Program::findModel(llvm::StringRef Name) const {
  for (const auto &File : Files)
    for (const FunctionDecl *M : File->getModels())
      if (M->getName() == Name)
        return M;
  return nullptr;
}

const FinetuneSection *Program::getFinetune() const {
  if (Files.empty())
    return nullptr;
  std::vector<const FinetuneSection *> Sections =
      getMainFile().getFinetuneSections();
  return Sections.empty() ? nullptr : Sections.front();
}

const FunctionDecl *Program::getEntryModel() const {
  if (Files.empty())
    return nullptr;
  if (const FinetuneSection *F = getFinetune())
    return findModel(F->getModelName());
  std::vector<const FunctionDecl *> Models = getMainFile().getModels();
  return Models.empty() ? nullptr : Models.front();
}

std::vector<const TrainEntry *> Program::getTrainOptions() const {
  std::vector<const TrainEntry *> Result;
  auto Merge = [&](llvm::ArrayRef<TrainEntry> Entries) {
    for (const TrainEntry &E : Entries) {
      // `steps` and `epochs` exclude each other: setting one drops the
      // other.
      llvm::StringRef Other = E.Name == "steps"    ? "epochs"
                              : E.Name == "epochs" ? "steps"
                                                   : "";
      llvm::erase_if(Result,
                     [&](const TrainEntry *R) { return R->Name == Other; });
      auto It = llvm::find_if(
          Result, [&](const TrainEntry *R) { return R->Name == E.Name; });
      if (It != Result.end())
        *It = &E;
      else
        Result.push_back(&E);
    }
  };
  auto MergeFile = [&](const SourceFile &File) {
    for (const TrainSection *T : File.getTrainSections())
      Merge(T->getEntries());
  };
  if (Files.empty())
    return Result;
  // The train section of the file that defines the model comes first.
  if (const FunctionDecl *Model = getEntryModel()) {
    for (const auto &File : Files) {
      if (File.get() == &getMainFile())
        continue;
      for (const FunctionDecl *M : File->getModels())
        if (M == Model)
          MergeFile(*File);
    }
  }
  MergeFile(getMainFile());
  if (const FinetuneSection *F = getFinetune())
    Merge(F->getEntries());
  return Result;
}
