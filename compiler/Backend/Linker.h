//===- Linker.h - Linking a compiled model with the runtime -----*- C++ -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_BACKEND_LINKER_H
#define DLCC_BACKEND_LINKER_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace dlcc {

/// Links the object file of a compiled model with libdlrt (whose `main`
/// drives training) into the executable `output`, through the system's C++
/// compiler driver. `argv0` locates the runtime next to an installed dlcc.
bool linkExecutable(llvm::StringRef object, llvm::StringRef output,
                    const char *argv0, std::string &error);

} // namespace dlcc

#endif // DLCC_BACKEND_LINKER_H
