//===- ImportResolver.cpp - Loading a file and its imports ----------------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/ImportResolver.h"
#include "compiler/Frontend/Parser.h"
#include "compiler/Frontend/Sema.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace dlcc;

namespace {

/// Depth-first loader: a file is added to the program after the files it
/// imports.
class ImportResolver {
public:
  ImportResolver(llvm::SourceMgr &SrcMgr, DiagnosticEngine &Diags,
                 Program &Prog)
      : SrcMgr(SrcMgr), Diags(Diags), Prog(Prog) {}

  /// Loads `Path`, named by `From` (null for the main file). Returns the
  /// loaded file, or null when it could not be read or closes a cycle.
  const SourceFile *load(llvm::StringRef Path, const ImportDecl *From);

private:
  enum class State { Loading, Done };
  struct Entry {
    State St = State::Loading;
    const SourceFile *File = nullptr;
  };

  /// A key that is the same for every spelling of one file's path.
  static std::string getKey(llvm::StringRef Path);

  llvm::SourceMgr &SrcMgr;
  DiagnosticEngine &Diags;
  Program &Prog;
  llvm::StringMap<Entry> Files;
  /// The files being loaded, outermost first, with their keys.
  std::vector<std::pair<std::string, std::string>> Stack;
};

} // namespace

std::string ImportResolver::getKey(llvm::StringRef Path) {
  llvm::SmallString<256> Real;
  if (!llvm::sys::fs::real_path(Path, Real))
    return std::string(Real);
  llvm::SmallString<256> Absolute(Path);
  llvm::sys::fs::make_absolute(Absolute);
  llvm::sys::path::remove_dots(Absolute, /*remove_dot_dot=*/true);
  return std::string(Absolute);
}

const SourceFile *ImportResolver::load(llvm::StringRef Path,
                                       const ImportDecl *From) {
  std::string Key = getKey(Path);
  auto It = Files.find(Key);
  if (It != Files.end()) {
    if (It->second.St == State::Done)
      return It->second.File;
    // The file is on the stack: report the chain from it to here.
    std::string Chain;
    bool InCycle = false;
    for (const auto &[Display, StackKey] : Stack) {
      InCycle |= StackKey == Key;
      if (InCycle)
        Chain += Display + " -> ";
    }
    Chain += Path.str();
    Diags.error(From->getPathLoc(), "import cycle: " + Chain);
    return nullptr;
  }

  // A directory may open as a file on some systems; say what it is.
  if (llvm::sys::fs::is_directory(Path)) {
    if (From)
      Diags.error(From->getPathLoc(),
                  "cannot import '" + Path + "': it is a directory");
    else
      Diags.fileError(Path, "cannot open file: it is a directory");
    return nullptr;
  }
  // The buffer's identifier is `Path`, the file name of every location.
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> Buffer =
      llvm::MemoryBuffer::getFile(Path, /*IsText=*/true);
  if (!Buffer) {
    std::string Reason = Buffer.getError().message();
    if (From)
      Diags.error(From->getPathLoc(),
                  "cannot open imported file '" + Path + "': " + Reason);
    else
      Diags.fileError(Path, "cannot open file: " + Reason);
    return nullptr;
  }
  unsigned BufferID = SrcMgr.AddNewSourceBuffer(
      std::move(*Buffer), From ? From->getLoc().Loc : llvm::SMLoc());

  Files[Key] = Entry();
  Stack.emplace_back(Path.str(), Key);
  std::unique_ptr<SourceFile> File = dlcc::parseFile(BufferID, Diags);
  llvm::StringRef Dir = llvm::sys::path::parent_path(File->getPath());
  for (const ImportDecl *Import : File->getImports()) {
    if (Diags.shouldStop())
      break;
    llvm::SmallString<256> ImportPath;
    if (llvm::sys::path::is_absolute(Import->getPath())) {
      ImportPath = Import->getPath();
    } else {
      ImportPath = Dir;
      llvm::sys::path::append(ImportPath, Import->getPath());
    }
    llvm::sys::path::remove_dots(ImportPath, /*remove_dot_dot=*/false);
    Import->setImportedFile(load(ImportPath, Import));
  }
  Stack.pop_back();

  const SourceFile *Result = File.get();
  Files[Key] = Entry{State::Done, Result};
  Prog.addFile(std::move(File));
  return Result;
}

std::unique_ptr<Program> dlcc::parseProgram(llvm::StringRef Path,
                                            llvm::SourceMgr &SrcMgr,
                                            DiagnosticEngine &Diags) {
  auto Prog = std::make_unique<Program>();
  ImportResolver Resolver(SrcMgr, Diags, *Prog);
  if (!Resolver.load(Path, /*From=*/nullptr))
    return nullptr;
  return Prog;
}

std::unique_ptr<Program> dlcc::loadProgram(llvm::StringRef Path,
                                           llvm::SourceMgr &SrcMgr,
                                           DiagnosticEngine &Diags) {
  std::unique_ptr<Program> Prog = parseProgram(Path, SrcMgr, Diags);
  if (!Prog || Diags.hasErrors())
    return nullptr;
  if (!checkProgram(*Prog, Diags))
    return nullptr;
  return Prog;
}
