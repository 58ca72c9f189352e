//===- ParallelCodeGen.cpp - Object files made on several threads ---------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Backend/ParallelCodeGen.h"

#include "compiler/Backend/LLVMEmitter.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/Utils/SplitModule.h"

namespace dlcc {

unsigned defaultJobs() {
  return llvm::heavyweight_hardware_concurrency().compute_thread_count();
}

namespace {
/// Reads one part from `bitcode` into a context of its own, optimizes it and
/// writes its object file `object`.
bool compilePart(llvm::StringRef bitcode, llvm::TargetMachine &machine,
                 llvm::StringRef object, std::string &error) {
  llvm::LLVMContext context;
  llvm::Expected<std::unique_ptr<llvm::Module>> part =
      llvm::parseBitcodeFile(llvm::MemoryBufferRef(bitcode, object), context);
  if (!part) {
    error = "cannot read back a part of the module: " +
            llvm::toString(part.takeError());
    return false;
  }
  if (!optimize(**part, machine, error))
    return false;
  std::error_code ec;
  llvm::raw_fd_ostream os(object, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = "cannot write '" + object.str() + "': " + ec.message();
    return false;
  }
  return emitMachineCode(**part, machine, llvm::CodeGenFileType::ObjectFile, os,
                         error);
}
} // namespace

bool emitObjectsInParallel(std::unique_ptr<llvm::Module> module,
                           llvm::StringRef cpu, unsigned jobs,
                           llvm::SmallVectorImpl<std::string> &objects,
                           std::string &error) {
  // The step's loop nests are functions of their own (dl-outline-loops),
  // never inlined: split by function, the parts lose no optimization. Each
  // travels as bitcode into a context of its own, as an LLVMContext and
  // what it owns belong to one thread.
  llvm::SmallVector<std::string> parts;
  llvm::SplitModule(*module, jobs, [&](std::unique_ptr<llvm::Module> part) {
    llvm::raw_string_ostream os(parts.emplace_back());
    llvm::WriteBitcodeToFile(*part, os);
  });
  module.reset();

  // A target machine per thread, made here: they are not shared.
  llvm::SmallVector<std::unique_ptr<llvm::TargetMachine>> machines;
  for (size_t i = 0; i < parts.size(); ++i) {
    machines.push_back(createTargetMachine(cpu, error));
    if (!machines.back())
      return false;
    llvm::SmallString<128> object;
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("dlcc", "o", object)) {
      error = "cannot create a temporary object file: " + ec.message();
      return false;
    }
    objects.push_back(std::string(object));
  }

  size_t first = objects.size() - parts.size();
  llvm::SmallVector<std::string> errors(parts.size());
  llvm::DefaultThreadPool pool(llvm::hardware_concurrency(parts.size()));
  for (size_t i = 0; i < parts.size(); ++i)
    pool.async([&, i] {
      compilePart(parts[i], *machines[i], objects[first + i], errors[i]);
    });
  pool.wait();
  for (std::string &partError : errors) {
    if (!partError.empty()) {
      error = partError;
      return false;
    }
  }
  return true;
}

} // namespace dlcc
