//===- Linker.cpp - Linking a compiled model with the runtime -------------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Backend/Linker.h"

#include "compiler/Backend/RuntimePaths.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

namespace dlcc {

namespace {
/// The folder holding libdlrt: next to an installed dlcc (`bin/../lib`),
/// else the build tree dlcc comes from.
std::string runtimeLibraryDir(const char *argv0) {
  std::string exe = llvm::sys::fs::getMainExecutable(
      argv0, reinterpret_cast<void *>(&runtimeLibraryDir));
  llvm::SmallString<256> dir(llvm::sys::path::parent_path(exe));
  llvm::sys::path::append(dir, "..", "lib");
  llvm::SmallString<256> probe(dir);
  llvm::sys::path::append(probe, "libdlrt.a");
  if (llvm::sys::fs::exists(probe))
    return std::string(dir);
  return DLCC_RUNTIME_LIBRARY_DIR;
}
} // namespace

bool linkExecutable(llvm::ArrayRef<std::string> objects, llvm::StringRef output,
                    const char *argv0, bool cuda, std::string &error) {
  llvm::ErrorOr<std::string> driver = llvm::sys::findProgramByName("c++");
  if (!driver) {
    error = "cannot find the system C++ compiler driver 'c++' to link with";
    return false;
  }
  std::string libDir = "-L" + runtimeLibraryDir(argv0);
  llvm::SmallVector<llvm::StringRef> args{*driver};
  args.append(objects.begin(), objects.end());
  args.append({"-o", output, libDir});
  static const char *const cpuLibs[] = {DLCC_RUNTIME_LINK_FLAGS};
  static const char *const cudaLibs[] = {DLCC_CUDA_RUNTIME_LINK_FLAGS nullptr};
  if (cuda && !cudaLibs[0]) {
    error = "dlcc was built without the CUDA toolkit: it cannot link CUDA "
            "programs";
    return false;
  }
  if (cuda) {
    for (const char *const *lib = cudaLibs; *lib; ++lib)
      args.push_back(*lib);
  } else {
    for (const char *lib : cpuLibs)
      args.push_back(lib);
  }
  std::string message;
  int status = llvm::sys::ExecuteAndWait(*driver, args, std::nullopt, {}, 0, 0,
                                         &message);
  if (status != 0) {
    error = "linking '" + output.str() + "' failed" +
            (message.empty() ? "" : ": " + message) + " (" + *driver +
            " exited with status " + std::to_string(status) + ")";
    return false;
  }
  return true;
}

} // namespace dlcc
