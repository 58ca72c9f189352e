//===- dlcc.cpp - The dlcc compiler driver --------------------------------===//
//
// Part of dlcc. Reads a model (.dl source, or .mlir in the dl dialect),
// assembles the pipeline the options ask for and writes the requested stage.
//
//===----------------------------------------------------------------------===//

#include "compiler/InitDLCC.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;

namespace {
enum class Emit { DL, Linalg, LLVMDialect, LLVMIR, Asm, Obj, Exe };
enum class Target { CPU, CUDA };

cl::OptionCategory dlccCategory("dlcc options");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.dl | model.mlir>"),
                               cl::Required, cl::cat(dlccCategory));
cl::opt<std::string> outputFile("o", cl::desc("Output file"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(dlccCategory));
cl::opt<Emit> emit(
    "emit", cl::desc("The stage to write"), cl::init(Emit::Exe),
    cl::values(clEnumValN(Emit::DL, "dl", "the dl dialect (the model graph)"),
               clEnumValN(Emit::Linalg, "linalg", "after lowering to linalg"),
               clEnumValN(Emit::LLVMDialect, "llvm-dialect",
                          "the LLVM dialect"),
               clEnumValN(Emit::LLVMIR, "llvm-ir", "LLVM IR"),
               clEnumValN(Emit::Asm, "asm", "target assembly"),
               clEnumValN(Emit::Obj, "obj", "an object file"),
               clEnumValN(Emit::Exe, "exe",
                          "a training executable (the default)")),
    cl::cat(dlccCategory));
cl::opt<Target> target("target", cl::desc("Where the program runs"),
                       cl::init(Target::CPU),
                       cl::values(clEnumValN(Target::CPU, "cpu", "the host CPU"),
                                  clEnumValN(Target::CUDA, "cuda",
                                             "NVIDIA GPUs (PTX)")),
                       cl::cat(dlccCategory));

void printVersion(raw_ostream &os) {
  os << "dlcc " DLCC_VERSION " (MLIR/LLVM " LLVM_VERSION_STRING ")\n";
}

StringRef emitName(Emit stage) {
  switch (stage) {
  case Emit::DL:
    return "dl";
  case Emit::Linalg:
    return "linalg";
  case Emit::LLVMDialect:
    return "llvm-dialect";
  case Emit::LLVMIR:
    return "llvm-ir";
  case Emit::Asm:
    return "asm";
  case Emit::Obj:
    return "obj";
  case Emit::Exe:
    return "exe";
  }
  llvm_unreachable("unknown --emit stage");
}

int fail(const Twine &message) {
  WithColor::error(errs(), "dlcc") << message << "\n";
  return 1;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  cl::SetVersionPrinter(printVersion);
  cl::HideUnrelatedOptions(
      {&dlccCategory, &cl::getGeneralCategory()});
  cl::ParseCommandLineOptions(argc, argv,
                              "dlcc: compile a model into a training program\n");

  if (target == Target::CUDA)
    return fail("--target=cuda is not supported yet");
  if (emit != Emit::DL)
    return fail("--emit=" + emitName(emit) +
                " is not supported yet; use --emit=dl");
  if (!StringRef(inputFile).ends_with(".mlir"))
    return fail("'" + inputFile +
                "': only .mlir input is supported yet (.dl comes with the "
                "front end)");

  mlir::DialectRegistry registry;
  dlcc::registerAllDialects(registry);
  mlir::MLIRContext context(registry);

  std::string errorMessage;
  auto input = mlir::openInputFile(inputFile, &errorMessage);
  if (!input)
    return fail(errorMessage);
  SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), SMLoc());
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  auto output = mlir::openOutputFile(outputFile, &errorMessage);
  if (!output)
    return fail(errorMessage);
  module->print(output->os());
  output->keep();
  return 0;
}
