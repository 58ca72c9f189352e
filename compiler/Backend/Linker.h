//===- Linker.h - Linking a compiled model with the runtime -----*- C++ -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_BACKEND_LINKER_H
#define DLCC_BACKEND_LINKER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace dlcc {

/// Links the object files of a compiled model with libdlrt (whose `main`
/// drives training) into the executable `output`, through the system's C++
/// compiler driver. `argv0` locates the runtime next to an installed dlcc.
/// With `cuda`, the program runs its steps on a GPU: it links the CUDA
/// backend of the runtime, cudart and cuBLASLt.
bool linkExecutable(llvm::ArrayRef<std::string> objects, llvm::StringRef output,
                    const char *argv0, bool cuda, std::string &error);

} // namespace dlcc

#endif // DLCC_BACKEND_LINKER_H
