//===- dlcc.cpp - The dlcc compiler driver --------------------------------===//
//
// Part of dlcc. Reads a model (.dl source, or .mlir in the dl dialect),
// assembles the pipeline the options ask for and writes the requested stage:
// IR dumps, assembly, an object file or a linked training executable.
//
//===----------------------------------------------------------------------===//

#include "compiler/Backend/LLVMEmitter.h"
#include "compiler/Backend/Linker.h"
#include "compiler/InitDLCC.h"
#include "compiler/Pipelines/CPUPipeline.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;

namespace {
enum class Emit { DL, Linalg, LLVMDialect, LLVMIR, Asm, Obj, Exe };
enum class TargetKind { CPU, CUDA };
enum class ForwardMode { Eval, Train };

cl::OptionCategory dlccCategory("dlcc options");

cl::opt<std::string> inputFile(cl::Positional,
                               cl::desc("<model.dl | model.mlir>"),
                               cl::Required, cl::cat(dlccCategory));
cl::opt<std::string> outputFile(
    "o",
    cl::desc("Output file (default: a.out for executables, standard output "
             "for text)"),
    cl::value_desc("file"), cl::cat(dlccCategory));
cl::opt<Emit> emit(
    "emit", cl::desc("The stage to write"), cl::init(Emit::Exe),
    cl::values(clEnumValN(Emit::DL, "dl", "the dl dialect (the model graph)"),
               clEnumValN(Emit::Linalg, "linalg",
                          "entry points built, lowered to linalg on tensors"),
               clEnumValN(Emit::LLVMDialect, "llvm-dialect",
                          "bufferized and lowered to the LLVM dialect"),
               clEnumValN(Emit::LLVMIR, "llvm-ir", "optimized LLVM IR"),
               clEnumValN(Emit::Asm, "asm", "target assembly"),
               clEnumValN(Emit::Obj, "obj", "an object file"),
               clEnumValN(Emit::Exe, "exe",
                          "a training executable (the default)")),
    cl::cat(dlccCategory));
cl::opt<TargetKind> target("target", cl::desc("Where the program runs"),
                       cl::init(TargetKind::CPU),
                       cl::values(clEnumValN(TargetKind::CPU, "cpu", "the host CPU"),
                                  clEnumValN(TargetKind::CUDA, "cuda",
                                             "NVIDIA GPUs (PTX)")),
                       cl::cat(dlccCategory));
cl::opt<ForwardMode> forwardMode(
    "forward-mode",
    cl::desc("How the program's --eval runs the forward (default: eval)"),
    cl::init(ForwardMode::Eval),
    cl::values(clEnumValN(ForwardMode::Eval, "eval",
                          "as PyTorch's model.eval(): batch norm with its "
                          "running statistics, no dropout"),
               clEnumValN(ForwardMode::Train, "train",
                          "as model.train(), for checking the forward of "
                          "training: batch norm with the batch's statistics "
                          "(parameters are not written)")),
    cl::cat(dlccCategory));
cl::opt<std::string>
    cpu("cpu",
        cl::desc("CPU to generate code for: an LLVM CPU name, or 'native' for "
                 "this machine (default: portable x86-64-v2)"),
        cl::init(dlcc::kPortableCPU), cl::cat(dlccCategory));

cl::opt<bool> gradients(
    "gradients",
    cl::desc("Also build dl_gradient_step: differentiate the model "
             "(dl-autodiff) so that the program's --gradients writes the "
             "gradient of the loss for every trained parameter"),
    cl::init(false), cl::cat(dlccCategory));

void printVersion(raw_ostream &os) {
  os << "dlcc " DLCC_VERSION " (MLIR/LLVM " LLVM_VERSION_STRING ")\n";
}

int fail(const Twine &message) {
  WithColor::error(errs(), "dlcc") << message << "\n";
  return 1;
}

bool isTextStage(Emit stage) { return stage != Emit::Obj && stage != Emit::Exe; }

std::string defaultOutput() {
  if (isTextStage(emit))
    return "-";
  if (emit == Emit::Exe)
    return "a.out";
  return sys::path::stem(inputFile).str() + ".o";
}

/// Reads the model into `module`: .mlir files are parsed as they are.
mlir::OwningOpRef<mlir::ModuleOp> loadModel(SourceMgr &sourceMgr,
                                            mlir::MLIRContext &context) {
  std::string errorMessage;
  auto input = mlir::openInputFile(inputFile, &errorMessage);
  if (!input) {
    fail(errorMessage);
    return nullptr;
  }
  if (!StringRef(inputFile).ends_with(".mlir")) {
    fail("'" + inputFile +
         "': only .mlir input is supported yet (.dl comes with the front end)");
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(input), SMLoc());
  return mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
}

/// Writes machine code or links; `module` is in the LLVM dialect.
int emitNative(mlir::ModuleOp module, const char *argv0) {
  std::string error;
  std::unique_ptr<TargetMachine> machine = dlcc::createTargetMachine(cpu, error);
  if (!machine)
    return fail(error);
  LLVMContext llvmContext;
  std::unique_ptr<Module> llvmModule =
      dlcc::translateAndOptimize(module, llvmContext, *machine);
  if (!llvmModule)
    return 1;

  std::string output = outputFile.empty() ? defaultOutput() : outputFile;
  if (emit == Emit::LLVMIR || emit == Emit::Asm || emit == Emit::Obj) {
    auto file = mlir::openOutputFile(output, &error);
    if (!file)
      return fail(error);
    if (emit == Emit::LLVMIR)
      llvmModule->print(file->os(), nullptr);
    else if (!dlcc::emitMachineCode(*llvmModule, *machine,
                                    emit == Emit::Asm
                                        ? CodeGenFileType::AssemblyFile
                                        : CodeGenFileType::ObjectFile,
                                    file->os(), error))
      return fail(error);
    file->keep();
    return 0;
  }

  // An executable: a temporary object, linked with the runtime.
  SmallString<128> object;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("dlcc", "o", object))
    return fail("cannot create a temporary object file: " + ec.message());
  FileRemover removeObject(object);
  {
    auto file = mlir::openOutputFile(object, &error);
    if (!file)
      return fail(error);
    if (!dlcc::emitMachineCode(*llvmModule, *machine,
                               CodeGenFileType::ObjectFile, file->os(), error))
      return fail(error);
    file->keep();
  }
  if (!dlcc::linkExecutable(object, output, argv0, error))
    return fail(error);
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  cl::SetVersionPrinter(printVersion);
  cl::HideUnrelatedOptions({&dlccCategory, &cl::getGeneralCategory()});
  cl::ParseCommandLineOptions(argc, argv,
                              "dlcc: compile a model into a training program\n");

  if (target == TargetKind::CUDA)
    return fail("--target=cuda is not supported yet");

  mlir::DialectRegistry registry;
  dlcc::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module = loadModel(sourceMgr, context);
  if (!module)
    return 1;

  if (emit != Emit::DL || gradients) {
    mlir::PassManager pm(&context);
    if (failed(mlir::applyPassManagerCLOptions(pm)))
      return fail("invalid pass manager options");
    dlcc::CPUPipelineOptions options;
    options.trainingForward = forwardMode == ForwardMode::Train;
    options.gradients = gradients;
    dlcc::buildCPUPipeline(pm,
                           emit == Emit::DL       ? dlcc::CPUStage::DL
                           : emit == Emit::Linalg ? dlcc::CPUStage::Linalg
                                                  : dlcc::CPUStage::LLVMDialect,
                           options);
    if (failed(pm.run(*module)))
      return 1;
  }

  if (emit == Emit::DL || emit == Emit::Linalg || emit == Emit::LLVMDialect) {
    std::string error;
    auto output = mlir::openOutputFile(
        outputFile.empty() ? defaultOutput() : outputFile, &error);
    if (!output)
      return fail(error);
    module->print(output->os());
    output->keep();
    return 0;
  }
  return emitNative(*module, argv[0]);
}
