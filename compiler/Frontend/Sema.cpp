//===- Sema.cpp - Semantic checks of .dl programs -------------------------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
//
// Program-wide checks: declarations, visibility of imported files, recursion
// among blocks, train and finetune sections, the entry point. Bodies are
// checked in SemaFunction.cpp, expressions in SemaExpr.cpp, train values in
// SemaTrain.cpp and argument binding in SemaCalls.cpp.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/SemaInternal.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace dlcc;
using namespace dlcc::sema;
using llvm::dyn_cast;

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
  // Depth-first search for cycles in the call graph, with an explicit stack
  // so that a long chain of blocks cannot overflow the native one.
  enum class Color { White, Gray, Black };
  llvm::DenseMap<const FunctionDecl *, Color> Colors;
  llvm::DenseSet<const FunctionDecl *> Reported;
  struct Frame {
    const FunctionDecl *Block;
    size_t NextEdge;
  };
  std::vector<Frame> Stack;

  auto ReportCycle = [&](const CallEdge &E) {
    auto Start = llvm::find_if(
        Stack, [&](const Frame &F) { return F.Block == E.Callee; });
    for (auto It = Start; It != Stack.end(); ++It)
      if (Reported.contains(It->Block))
        return;
    // Long cycles are shown by their ends: a -> b -> ... -> y -> z -> a.
    std::string Chain;
    size_t Length = Stack.end() - Start;
    for (size_t I = 0; I != Length; ++I) {
      const FunctionDecl *Block = Start[I].Block;
      Reported.insert(Block);
      if (Length > 8 && I >= 3 && I + 3 < Length) {
        if (I == 3)
          Chain += "... -> ";
        continue;
      }
      Chain += Block->getName().str() + " -> ";
    }
    Chain += E.Callee->getName().str();
    Diags.error(E.Loc, "recursive block call: " + Chain +
                           "; blocks are expanded at compile time and "
                           "cannot call themselves");
  };

  for (const auto &File : P.getFiles())
    for (const FunctionDecl *Root : File->getBlocks()) {
      if (Colors.lookup(Root) != Color::White)
        continue;
      Colors[Root] = Color::Gray;
      Stack.push_back({Root, 0});
      while (!Stack.empty()) {
        Frame &Top = Stack.back();
        auto Edges = Calls.find(Top.Block);
        if (Edges == Calls.end() || Top.NextEdge == Edges->second.size()) {
          Colors[Top.Block] = Color::Black;
          Stack.pop_back();
          continue;
        }
        const CallEdge &E = Edges->second[Top.NextEdge++];
        Color C = Colors.lookup(E.Callee);
        if (C == Color::Gray) {
          ReportCycle(E);
        } else if (C == Color::White) {
          Colors[E.Callee] = Color::Gray;
          Stack.push_back({E.Callee, 0});
        }
      }
    }
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
        Diags.error(
            Ft->getModelLoc(),
            "unknown model '" + Ft->getModelName() + "'" +
                didYouMean(Ft->getModelName(), Names) +
                (Names.empty() ? "; import the file that defines it" : ""));
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
