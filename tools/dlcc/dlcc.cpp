//===- dlcc.cpp - The dlcc compiler driver --------------------------------===//
//
// Part of dlcc. Reads a model (.dl source through the front end and MLIR
// generation, or .mlir in the dl dialect), assembles the pipeline the
// options ask for and writes the requested stage: the syntax tree, the
// parameter table, IR dumps, assembly, an object file or a linked training
// executable.
//
//===----------------------------------------------------------------------===//

#include "compiler/Backend/LLVMEmitter.h"
#include "compiler/Backend/Linker.h"
#include "compiler/Backend/PTXEmitter.h"
#include "compiler/Backend/ParallelCodeGen.h"
#include "compiler/Frontend/AST.h"
#include "compiler/Frontend/Diagnostics.h"
#include "compiler/Frontend/ImportResolver.h"
#include "compiler/Frontend/MLIRGen.h"
#include "compiler/Frontend/Sema.h"
#include "compiler/InitDLCC.h"
#include "compiler/Pipelines/CPUPipeline.h"
#include "compiler/Pipelines/CUDAPipeline.h"
#include "compiler/Pipelines/CheckpointSearch.h"
#include "compiler/Pipelines/FusionReport.h"
#include "compiler/Pipelines/MemoryPlot.h"
#include "compiler/Pipelines/MemoryReport.h"

#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
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
enum class Emit {
  AST,
  Params,
  DL,
  Grad,
  Train,
  Linalg,
  Fused,
  LLVMDialect,
  LLVMIR,
  Asm,
  Obj,
  PTX,
  Exe
};
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
    cl::values(
        clEnumValN(Emit::AST, "ast",
                   "the syntax tree of a .dl file and its imports"),
        clEnumValN(Emit::Params, "params",
                   "a table of the parameters and their total"),
        clEnumValN(Emit::DL, "dl", "the dl dialect (the model graph)"),
        clEnumValN(Emit::Grad, "grad",
                   "the dl dialect right after autodiff (@train_step)"),
        clEnumValN(Emit::Train, "train",
                   "the dl dialect with the optimizer's update "
                   "(the whole @train_step, fused ops as the target "
                   "builds them)"),
        clEnumValN(Emit::Fused, "fused",
                   "the loop nests of each step after elementwise fusion, "
                   "with the model ops each computes"),
        clEnumValN(Emit::Linalg, "linalg",
                   "entry points built, lowered to linalg on tensors"),
        clEnumValN(Emit::LLVMDialect, "llvm-dialect",
                   "bufferized and lowered to the LLVM dialect"),
        clEnumValN(Emit::LLVMIR, "llvm-ir", "optimized LLVM IR"),
        clEnumValN(Emit::Asm, "asm", "target assembly"),
        clEnumValN(Emit::Obj, "obj", "an object file"),
        clEnumValN(Emit::PTX, "ptx", "the PTX of the kernels (--target=cuda)"),
        clEnumValN(Emit::Exe, "exe", "a training executable (the default)")),
    cl::cat(dlccCategory));
cl::list<std::string>
    sets("set",
         cl::desc("Override an argument of the model, such as --set width=256 "
                  "(repeatable; .dl input)"),
         cl::value_desc("name=value"), cl::cat(dlccCategory));
cl::list<std::string> expose(
    "expose",
    cl::desc("Add a tensor variable of the model as an output, written by the "
             "program's --outputs (repeatable; .dl input)"),
    cl::value_desc("name"), cl::cat(dlccCategory));
cl::opt<int64_t> batch("batch",
                       cl::desc("The batch size B, overriding the train "
                                "section's 'batch' (.dl input)"),
                       cl::value_desc("N"), cl::cat(dlccCategory));
cl::opt<TargetKind> target(
    "target", cl::desc("Where the program runs"), cl::init(TargetKind::CPU),
    cl::values(clEnumValN(TargetKind::CPU, "cpu", "the host CPU"),
               clEnumValN(TargetKind::CUDA, "cuda", "NVIDIA GPUs (PTX)")),
    cl::cat(dlccCategory));
cl::opt<std::string>
    gpuArch("gpu-arch",
            cl::desc("GPU architecture to generate kernels for with "
                     "--target=cuda: sm_80, sm_86, sm_89 or sm_90"),
            cl::init(dlcc::kDefaultGPUArch), cl::value_desc("sm_XX"),
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

cl::opt<unsigned> jobs(
    "jobs",
    cl::desc("Threads that optimize and generate the program's machine code, "
             "each a part of its functions (default 0: one per core)"),
    cl::init(0), cl::value_desc("N"), cl::cat(dlccCategory));

cl::opt<std::string> memoryReport(
    "memory-report", cl::ValueOptional,
    cl::desc("Print the memory plan (bytes by class, arena, each step's "
             "peak and where it occurs) as a table, or as JSON with "
             "--memory-report=json"),
    cl::value_desc("json"), cl::cat(dlccCategory));

cl::opt<std::string> memoryPlot(
    "memory-plot",
    cl::desc("Draw the memory plan as an SVG picture: per step, every "
             "temporary as its offset and bytes over its live ops, colored "
             "by class, with the bytes live and the peak"),
    cl::value_desc("file.svg"), cl::cat(dlccCategory));

cl::opt<bool> gradients(
    "gradients",
    cl::desc("Also build dl_gradient_step: differentiate the model "
             "(dl-autodiff) so that the program's --gradients writes the "
             "gradient of the loss for every trained parameter"),
    cl::init(false), cl::cat(dlccCategory));

cl::opt<bool> flashAttention(
    "flash-attention",
    cl::desc("Rewrite attention written plainly (softmax(q @ k^T * scale + "
             "mask) @ v) into dl.attention, whose kernels never store the "
             "[Tq, Tk] weights (default: on)"),
    cl::init(true), cl::cat(dlccCategory));

cl::opt<bool> fuseClassifier(
    "fuse-classifier",
    cl::desc("On the CPU, compute a linear classifier's gradients and its "
             "cross-entropy's in one kernel that never holds the logits' "
             "gradient whole (dl-fuse-classifier; default: on)"),
    cl::init(true), cl::cat(dlccCategory));

cl::opt<bool> mergeLoopNests(
    "merge-loop-nests",
    cl::desc("Compile loop nests that differ only in their buffers' places "
             "(a model's repeated layers, the eval step's forward) as one "
             "function (dl-merge-loop-nests; default: on)"),
    cl::init(true), cl::cat(dlccCategory));

cl::opt<bool> verifyEach(
    "verify-each",
    cl::desc("Verify the IR after every pass, not only after the last one "
             "(slower; the tests do)"),
    cl::init(false), cl::cat(dlccCategory));

cl::opt<bool> debugInfo(
    "g",
    cl::desc("Generate line tables that map the compiled step's code to the "
             ".dl source lines of its ops (for perf, gdb)"),
    cl::init(false), cl::cat(dlccCategory));

cl::opt<std::string> checkpoint(
    "checkpoint",
    cl::desc("Activation checkpointing of the training step: none, blocks "
             "(recompute each block call's activations in the backward "
             "pass), sqrt (about sqrt(n) blocks at a time) or auto (the "
             "fewest recomputations that fit --checkpoint-budget); "
             "default: the train section's `checkpoint`"),
    cl::value_desc("mode"), cl::cat(dlccCategory));

cl::opt<std::string> checkpointBudget(
    "checkpoint-budget",
    cl::desc("With --checkpoint=auto: the most memory the program's arena "
             "may plan (\"1 GiB\", 800MB, bytes)"),
    cl::value_desc("size"), cl::cat(dlccCategory));

/// Whether the output of `stage` comes after bufferization: after the
/// memory plan, and for CUDA after kernel generation.
bool afterBufferization(Emit stage) {
  return stage != Emit::AST && stage != Emit::Params && stage != Emit::DL &&
         stage != Emit::Grad && stage != Emit::Train && stage != Emit::Linalg &&
         stage != Emit::Fused;
}

void printVersion(raw_ostream &os) {
  os << "dlcc " DLCC_VERSION " (MLIR/LLVM " LLVM_VERSION_STRING ")\n";
}

int fail(const Twine &message) {
  WithColor::error(errs(), "dlcc") << message << "\n";
  return 1;
}

bool isTextStage(Emit stage) {
  return stage != Emit::Obj && stage != Emit::Exe;
}

std::string defaultOutput() {
  if (isTextStage(emit))
    return "-";
  if (emit == Emit::Exe)
    return "a.out";
  return sys::path::stem(inputFile).str() + ".o";
}

bool isDLInput() { return StringRef(inputFile).ends_with(".dl"); }

/// Writes text to the output file (standard output by default).
template <typename Fn> int writeText(Fn &&print) {
  std::string error;
  auto output = mlir::openOutputFile(
      outputFile.empty() ? defaultOutput() : outputFile, &error);
  if (!output)
    return fail(error);
  print(output->os());
  output->keep();
  return 0;
}

/// Reads the model into a module: .mlir files are parsed as they are, .dl
/// files go through the front end and MLIR generation. Errors are reported
/// through `sourceMgr`, which holds every file read. Returns null with
/// `exitCode` set when there is no module: after errors (1), or when the
/// requested output (the AST) has been written already.
mlir::OwningOpRef<mlir::ModuleOp>
loadModel(SourceMgr &sourceMgr, mlir::MLIRContext &context, int &exitCode) {
  exitCode = 1;
  if (!isDLInput()) {
    if (!StringRef(inputFile).ends_with(".mlir")) {
      fail("'" + inputFile + "': expected a .dl or .mlir file");
      return nullptr;
    }
    if (emit == Emit::AST) {
      fail("--emit=ast needs a .dl file");
      return nullptr;
    }
    if (!sets.empty() || batch.getNumOccurrences()) {
      fail("--set and --batch apply to .dl files only");
      return nullptr;
    }
    std::string errorMessage;
    auto input = mlir::openInputFile(inputFile, &errorMessage);
    if (!input) {
      fail(errorMessage);
      return nullptr;
    }
    sourceMgr.AddNewSourceBuffer(std::move(input), SMLoc());
    return mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  }

  dlcc::DiagnosticEngine diags(sourceMgr);
  std::unique_ptr<dlcc::Program> program;
  if (emit == Emit::AST) {
    // The tree of what parsed, even when the semantic checks then fail.
    program = dlcc::parseProgram(inputFile, sourceMgr, diags);
    if (!program)
      return nullptr;
    if (!diags.hasErrors())
      dlcc::checkProgram(*program, diags);
    int written =
        writeText([&](raw_ostream &os) { dlcc::dumpAST(*program, os); });
    exitCode = diags.hasErrors() ? 1 : written;
    return nullptr;
  }
  program = dlcc::loadProgram(inputFile, sourceMgr, diags);
  if (!program)
    return nullptr;
  dlcc::GenOptions options;
  if (batch.getNumOccurrences())
    options.Batch = batch;
  options.Sets.assign(sets.begin(), sets.end());
  options.Expose.assign(expose.begin(), expose.end());
  return dlcc::generateModule(*program, context, options);
}

/// Rejects the options that the target does not support. Returns the exit
/// code of the failure, or 0.
int checkTarget() {
  if (target == TargetKind::CPU) {
    if (emit == Emit::PTX)
      return fail("--emit=ptx needs --target=cuda");
    if (gpuArch.getNumOccurrences())
      return fail("--gpu-arch applies to --target=cuda only");
    return 0;
  }
  if (!dlcc::isSupportedGPUArch(gpuArch))
    return fail("unknown GPU architecture '" + gpuArch +
                "' (--gpu-arch): expected " +
                join(ArrayRef(dlcc::kGPUArchs), ", "));
  // Up to linalg on tensors, both targets compile alike.
  if (afterBufferization(emit) && dlcc::cudaToolkitDir().empty())
    return fail("--target=cuda needs the CUDA toolkit (for libdevice and the "
                "CUDA runtime), and dlcc was built without one");
  return 0;
}

/// Links an executable from the LLVM IR `llvmModule`, optimized and
/// code-generated on --jobs threads into temporary objects.
int linkInParallel(std::unique_ptr<Module> llvmModule, StringRef output,
                   const char *argv0, mlir::TimingScope &timing) {
  std::string error;
  SmallVector<std::string> objects;
  scope_exit removeObjects([&] {
    for (const std::string &object : objects)
      sys::fs::remove(object);
  });
  {
    mlir::TimingScope codegen = timing.nest("LLVM optimization and codegen");
    unsigned threads = jobs ? jobs : dlcc::defaultJobs();
    if (!dlcc::emitObjectsInParallel(std::move(llvmModule), cpu, threads,
                                     objects, error))
      return fail(error);
  }
  mlir::TimingScope link = timing.nest("Linking");
  if (!dlcc::linkExecutable(objects, output, argv0, /*cuda=*/false, error))
    return fail(error);
  return 0;
}

/// Writes machine code or links; `module` is in the LLVM dialect.
int emitNative(mlir::ModuleOp module, const char *argv0,
               mlir::TimingScope &timing) {
  std::string error;
  std::unique_ptr<TargetMachine> machine =
      dlcc::createTargetMachine(cpu, error);
  if (!machine)
    return fail(error);
  dlcc::setHostCodeGenDefaults();
  LLVMContext llvmContext;
  std::unique_ptr<Module> llvmModule;
  {
    mlir::TimingScope translation = timing.nest("Translation to LLVM IR");
    llvmModule = dlcc::translateToLLVMIR(module, llvmContext, *machine);
  }
  if (!llvmModule)
    return 1;
  std::string output = outputFile.empty() ? defaultOutput() : outputFile;
  // The CUDA host module (a constructor registering the PTX) stays whole.
  if (emit == Emit::Exe && target == TargetKind::CPU && jobs != 1)
    return linkInParallel(std::move(llvmModule), output, argv0, timing);

  mlir::TimingScope codegen = timing.nest("LLVM optimization and codegen");
  if (!dlcc::optimize(*llvmModule, *machine, error))
    return fail(error);
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
  if (std::error_code ec = sys::fs::createTemporaryFile("dlcc", "o", object))
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
  codegen.stop();
  mlir::TimingScope link = timing.nest("Linking");
  if (!dlcc::linkExecutable({std::string(object)}, output, argv0,
                            target == TargetKind::CUDA, error))
    return fail(error);
  return 0;
}
/// Sets the checkpointing of `step`: --checkpoint or the train section's;
/// for auto(budget), the block calls the search chooses, described in
/// `note`. Returns the exit code of a failure, or 0.
int chooseCheckpointing(mlir::ModuleOp module, dlcc::StepOptions &step,
                        std::string &note) {
  step.checkpoint = dlcc::checkpointMode(module, checkpoint);
  if (checkpointBudget.getNumOccurrences() && step.checkpoint != "auto")
    return fail("--checkpoint-budget goes with checkpoint = auto");
  if (step.checkpoint != "auto")
    return 0;
  if (!step.train && !step.gradients) {
    step.checkpoint = "none"; // No backward pass to recompute for.
    return 0;
  }
  std::optional<uint64_t> budget = dlcc::checkpointBudget(module);
  if (checkpointBudget.getNumOccurrences()) {
    budget = dlcc::parseMemorySize(checkpointBudget);
    if (!budget)
      return fail("--checkpoint-budget: '" + checkpointBudget +
                  "' is not a memory size such as \"1 GiB\" or 800MB");
  }
  if (!budget)
    return fail("checkpoint = auto needs a budget: auto(budget = \"1 GiB\") "
                "in the train section, or --checkpoint-budget");
  std::string error;
  FailureOr<dlcc::CheckpointChoice> choice = dlcc::chooseCheckpoints(
      module, step, target == TargetKind::CUDA, *budget, error);
  if (failed(choice))
    return error.empty() ? 1 : fail(error);
  step.checkpoint = choice->blocks.empty() ? "none" : "blocks";
  step.checkpointBlocks = choice->blocks;
  std::string calls;
  for (int64_t block : choice->blocks)
    calls += (calls.empty() ? "" : ", ") + std::to_string(block);
  note = "checkpoint = auto(budget = " + std::to_string(*budget) +
         " bytes): " + std::to_string(choice->blocks.size()) + " of " +
         std::to_string(choice->blockCount) + " block calls recomputed" +
         (calls.empty() ? "" : " (" + calls + ")") + "; planned arena " +
         std::to_string(choice->arenaBytes) + " bytes (every call " +
         std::to_string(choice->smallestArena) + ", none " +
         std::to_string(choice->largestArena) + ")";
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  cl::SetVersionPrinter(printVersion);
  // LLVM's and MLIR's own options stay accepted (--mlir-print-ir-after-all,
  // ...) but out of --help, which they would fill with hundreds of lines.
  cl::HideUnrelatedOptions(dlccCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "dlcc: compile a model into a training program\n\n"
      "MLIR's pass-manager and printing options, such as\n"
      "--mlir-print-ir-after-all, are accepted too, and options in the\n"
      "environment variable DLCC_OPTIONS before the command line's.\n",
      /*Errs=*/nullptr, /*VFS=*/nullptr, /*EnvVar=*/"DLCC_OPTIONS");

  if (int error = checkTarget())
    return error;

  mlir::DialectRegistry registry;
  dlcc::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  // --mlir-timing: the passes, then translation, codegen and linking.
  mlir::DefaultTimingManager timingManager;
  mlir::applyDefaultTimingManagerCLOptions(timingManager);
  mlir::TimingScope timing = timingManager.getRootScope();
  SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  int exitCode = 0;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  {
    mlir::TimingScope frontEnd = timing.nest("Front end");
    module = loadModel(sourceMgr, context, exitCode);
  }
  if (!module)
    return exitCode;

  if (memoryReport.getNumOccurrences()) {
    if (memoryReport != "" && memoryReport != "table" && memoryReport != "json")
      return fail("--memory-report takes 'json' or no value, not '" +
                  memoryReport + "'");
    if (!afterBufferization(emit))
      return fail("--memory-report needs the memory plan, made after "
                  "bufferization: use it with --emit=llvm-dialect or later");
  }

  if (memoryPlot.getNumOccurrences()) {
    if (memoryPlot.empty())
      return fail("--memory-plot needs a file name: --memory-plot=plan.svg");
    if (!afterBufferization(emit))
      return fail("--memory-plot needs the memory plan, made after "
                  "bufferization: use it with --emit=llvm-dialect or later");
  }

  if (checkpoint.getNumOccurrences() && checkpoint != "none" &&
      checkpoint != "blocks" && checkpoint != "sqrt" && checkpoint != "auto")
    return fail("--checkpoint takes none, blocks, sqrt or auto, not '" +
                checkpoint + "'");

  if (emit == Emit::Params)
    return writeText(
        [&](raw_ostream &os) { dlcc::printParameterTable(*module, os); });

  bool trains = dlcc::modelTrains(*module);
  dlcc::StepOptions step;
  step.trainingForward = forwardMode == ForwardMode::Train;
  step.train = trains;
  step.gradients = gradients;
  step.flashAttention = flashAttention;
  step.fuseClassifier = fuseClassifier;
  std::string checkpointNote;
  if (int error = chooseCheckpointing(*module, step, checkpointNote))
    return error;

  if (emit == Emit::Grad || emit == Emit::Train) {
    if (emit == Emit::Train && !trains)
      return fail("the model has no training step: its first output is not "
                  "'loss' or it has no trained parameter");
    mlir::PassManager pm(&context);
    if (failed(mlir::applyPassManagerCLOptions(pm)))
      return fail("invalid pass manager options");
    if (step.flashAttention)
      pm.addPass(mlir::dl::createDLFlashAttention());
    pm.addPass(mlir::dl::createDLAutodiff());
    mlir::dl::DLCheckpointOptions checkpointing;
    checkpointing.mode = step.checkpoint;
    checkpointing.blocks.assign(step.checkpointBlocks.begin(),
                                step.checkpointBlocks.end());
    pm.addPass(mlir::dl::createDLCheckpoint(checkpointing));
    if (emit == Emit::Train) {
      // As the pipeline builds it for the target (CommonPipeline.cpp).
      if (step.fuseClassifier && target != TargetKind::CUDA)
        pm.addPass(mlir::dl::createDLFuseClassifier());
      mlir::dl::DLExpandOptimizerOptions optimizer;
      optimizer.fusedAdamW = step.fusedAdamW;
      pm.addPass(mlir::dl::createDLExpandOptimizer(optimizer));
    }
    if (failed(pm.run(*module)))
      return 1;
    return writeText([&](raw_ostream &os) { module->print(os); });
  }

  // What the plan would hold without fusion, planned on a clone before the
  // pipeline changes the module.
  std::optional<dlcc::UnfusedPlan> unfused;
  if (memoryReport.getNumOccurrences() && emit != Emit::DL &&
      emit != Emit::Linalg && emit != Emit::Fused) {
    mlir::FailureOr<dlcc::UnfusedPlan> plan = dlcc::planWithoutFusion(
        *module, step, /*cuda=*/target == TargetKind::CUDA);
    if (failed(plan))
      return fail("internal error: the model could not be planned without "
                  "fusion for --memory-report");
    unfused = std::move(*plan);
  }

  if (emit != Emit::DL) {
    mlir::PassManager pm(&context);
    // Verifying after each of some fifty passes takes a sixth of gpt's
    // compile; the result is verified once below.
    pm.enableVerifier(verifyEach);
    if (failed(mlir::applyPassManagerCLOptions(pm)))
      return fail("invalid pass manager options");
    if (target == TargetKind::CUDA && emit != Emit::Linalg &&
        emit != Emit::Fused) {
      dlcc::CUDAPipelineOptions options;
      options.step = step;
      options.gpuArch = gpuArch;
      dlcc::buildCUDAPipeline(pm, options);
    } else {
      // --emit=fused counts the loop nests before fusion, then fuses.
      dlcc::CPUStage stage = emit == Emit::Linalg || emit == Emit::Fused
                                 ? dlcc::CPUStage::Linalg
                                 : dlcc::CPUStage::LLVMDialect;
      dlcc::CPUCodeOptions code;
      // Unless --cpu chose the CPU (x86-64-v2 too), a program for the
      // portable CPU still uses AVX-512 where it runs.
      code.wideLoopVersions = cpu.getNumOccurrences() == 0;
      code.mergeLoopNests = mergeLoopNests;
      dlcc::buildCPUPipeline(pm, stage, step, code);
    }
    if (debugInfo)
      pm.addPass(mlir::LLVM::createDIScopeForLLVMFuncOpPass());
    mlir::TimingScope passes = timing.nest("Passes");
    pm.enableTiming(passes);
    if (failed(pm.run(*module)))
      return 1;
    if (!verifyEach && failed(mlir::verify(*module)))
      return fail("internal error: the passes produced invalid IR (rerun "
                  "with --verify-each to find the pass)");
  }

  if (memoryReport.getNumOccurrences()) {
    if (!checkpointNote.empty() && memoryReport != "json")
      llvm::outs() << checkpointNote << "\n";
    if (failed(dlcc::printMemoryReport(*module, memoryReport == "json",
                                       llvm::outs(),
                                       unfused ? &*unfused : nullptr)))
      return 1;
  }

  if (memoryPlot.getNumOccurrences()) {
    std::string error;
    auto file = mlir::openOutputFile(memoryPlot, &error);
    if (!file)
      return fail(error);
    if (failed(dlcc::writeMemoryPlot(*module, file->os())))
      return 1;
    file->keep();
  }

  if (emit == Emit::PTX) {
    std::string ptx;
    raw_string_ostream stream(ptx);
    if (failed(dlcc::printPTX(*module, stream)))
      return 1;
    return writeText([&](raw_ostream &os) { os << ptx; });
  }

  if (emit == Emit::Fused) {
    std::map<std::string, size_t> before = dlcc::countLoopNests(*module);
    mlir::PassManager pm(&context);
    dlcc::buildFusionPipeline(pm);
    if (failed(pm.run(*module)))
      return 1;
    return writeText(
        [&](raw_ostream &os) { dlcc::printFusionGroups(*module, before, os); });
  }
  if (emit == Emit::DL || emit == Emit::Linalg || emit == Emit::LLVMDialect)
    return writeText([&](raw_ostream &os) { module->print(os); });
  return emitNative(*module, argv[0], timing);
}
