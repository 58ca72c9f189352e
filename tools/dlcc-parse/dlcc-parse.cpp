//===- dlcc-parse.cpp - Test driver of the .dl front end ------------------===//
//
// Part of dlcc, an ahead-of-time compiler for training deep networks.
//
//===----------------------------------------------------------------------===//
//
// Parses a .dl file and its imports, runs the semantic checks and optionally
// dumps the AST. Used by the front-end tests; not installed.
//
//   dlcc-parse FILE [--dump] [--error-limit=N]
//                                 exit 0 when FILE is valid, 1 on errors
//   dlcc-parse FILE --print-train-options
//                                 the train options in effect
//   dlcc-parse --print-builtins   the built-in tables of docs/language.md
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/AST.h"
#include "compiler/Frontend/Builtins.h"
#include "compiler/Frontend/ImportResolver.h"
#include "compiler/Frontend/Sema.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace dlcc;

static llvm::cl::opt<std::string> InputFile(llvm::cl::Positional,
                                            llvm::cl::desc("<file.dl>"));
static llvm::cl::opt<bool> Dump("dump",
                                llvm::cl::desc("Print the AST after parsing"));
static llvm::cl::opt<unsigned>
    ErrorLimit("error-limit",
               llvm::cl::init(DiagnosticEngine::DefaultErrorLimit),
               llvm::cl::desc("Stop after this many errors"));
static llvm::cl::opt<bool> PrintTrainOptions(
    "print-train-options",
    llvm::cl::desc("Print the training options in effect, after merging the "
                   "train and finetune sections"));
static llvm::cl::opt<bool>
    PrintBuiltins("print-builtins",
                  llvm::cl::desc("Print the built-in tables in Markdown"));

int main(int argc, char **argv) {
  llvm::InitLLVM X(argc, argv);
  llvm::cl::ParseCommandLineOptions(argc, argv, "dlcc front-end test driver\n");

  if (PrintBuiltins) {
    printBuiltinsMarkdown(llvm::outs());
    return 0;
  }
  if (InputFile.empty()) {
    llvm::errs() << "dlcc-parse: error: no input file\n";
    return 1;
  }

  llvm::SourceMgr SrcMgr;
  DiagnosticEngine Diags(SrcMgr, llvm::errs(), ErrorLimit);
  std::unique_ptr<Program> Prog;
  if (Dump) {
    // Dump what parsed, even when the semantic checks then fail.
    Prog = parseProgram(InputFile, SrcMgr, Diags);
    if (!Prog)
      return 1;
    if (!Diags.hasErrors())
      checkProgram(*Prog, Diags);
    dumpAST(*Prog, llvm::outs());
  } else {
    // The entry point of the compiler: a checked program or null.
    Prog = loadProgram(InputFile, SrcMgr, Diags);
    if (!Prog)
      return 1;
  }
  if (PrintTrainOptions && !Diags.hasErrors()) {
    if (const FunctionDecl *Model = Prog->getEntryModel())
      llvm::outs() << "model " << Model->getName() << '\n';
    for (const TrainEntry *Entry : Prog->getTrainOptions())
      llvm::outs() << Entry->Name << " = " << printExpr(*Entry->Value) << " @"
                   << llvm::sys::path::filename(Entry->Loc.File) << ':'
                   << Entry->Loc.Line << '\n';
  }
  return Diags.hasErrors() ? 1 : 0;
}
