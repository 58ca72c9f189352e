//===- LLVMEmitter.cpp - LLVM IR, optimization and machine code -----------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Backend/LLVMEmitter.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

namespace dlcc {

void setHostCodeGenDefaults() {
  // Loop strength reduction took 40 % of the host's code generation (gpt:
  // 1.6 of 3.9 s) and changed no step time measurably: the step's loops
  // walk arena offsets that x86 addressing modes cover. Kept when the
  // command line names it (`-disable-lsr=false`), and for PTX, made before.
  auto *lsr = static_cast<llvm::cl::opt<bool> *>(
      llvm::cl::getRegisteredOptions().lookup("disable-lsr"));
  if (lsr && !lsr->getNumOccurrences())
    lsr->setValue(true);
}

std::unique_ptr<llvm::TargetMachine> createTargetMachine(llvm::StringRef cpu,
                                                         std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  std::string cpuName = cpu.str(), features;
  if (cpu == "native") {
    cpuName = llvm::sys::getHostCPUName().str();
    llvm::SubtargetFeatures list;
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      list.AddFeature(feature.getKey(), feature.getValue());
    features = list.getString();
  }
  llvm::TargetOptions options;
  // A multiply feeding an add becomes one fused multiply-add where the
  // target has it (GCC's default; clang fuses only within a C expression):
  // the loops' polynomials (erf, exp) and sums run on FMA units at half the
  // instructions, each result rounded once instead of twice.
  options.AllowFPOpFusion = llvm::FPOpFusion::Fast;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpuName, features, options, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!machine) {
    error = "LLVM has no target machine for " + triple.str() + " and CPU '" +
            cpuName + "'";
    return nullptr;
  }
  if (!machine->getMCSubtargetInfo()->isCPUStringValid(cpuName)) {
    error = "unknown CPU '" + cpuName + "' (use an LLVM CPU name such as " +
            kPortableCPU + ", x86-64-v3, znver4, or 'native')";
    return nullptr;
  }
  return machine;
}

std::unique_ptr<llvm::Module> translateToLLVMIR(mlir::ModuleOp module,
                                                llvm::LLVMContext &context,
                                                llvm::TargetMachine &machine) {
  mlir::registerBuiltinDialectTranslation(*module.getContext());
  mlir::registerLLVMDialectTranslation(*module.getContext());
  mlir::registerOpenMPDialectTranslation(*module.getContext());
  std::unique_ptr<llvm::Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, context);
  if (!llvmModule) {
    module.emitError("translation to LLVM IR failed");
    return nullptr;
  }
  llvmModule->setTargetTriple(machine.getTargetTriple());
  llvmModule->setDataLayout(machine.createDataLayout());
  return llvmModule;
}

bool optimize(llvm::Module &module, llvm::TargetMachine &machine,
              std::string &error) {
  // -O2: the whole training step is one function of hundreds of loop nests,
  // which -O3's extra unrolling made 3x larger and twice as slow to compile
  // (gpt: 52 s against 25 s); the products, most of a step, are OpenBLAS's.
  auto transform = mlir::makeOptimizingTransformer(/*optLevel=*/2,
                                                   /*sizeLevel=*/0, &machine);
  if (llvm::Error err = transform(&module)) {
    error = "LLVM optimization failed: " + llvm::toString(std::move(err));
    return false;
  }
  return true;
}

bool emitMachineCode(llvm::Module &module, llvm::TargetMachine &machine,
                     llvm::CodeGenFileType type, llvm::raw_pwrite_stream &os,
                     std::string &error) {
  llvm::legacy::PassManager passes;
  if (machine.addPassesToEmitFile(passes, os, nullptr, type)) {
    error = "the target cannot emit this file type";
    return false;
  }
  passes.run(module);
  return true;
}

} // namespace dlcc
