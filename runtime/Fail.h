//===- Fail.h - Stopping the program from inside a step ---------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). Generated code cannot unwind C++
// exceptions, so errors found while a step runs stop the program here: a
// bad input value (dlrt_fail) with status 1, a broken invariant of the
// compiled program (internalError) with abort().
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_FAIL_H
#define DLRT_FAIL_H

#include <string>

namespace dlrt {

/// The name error messages start with; the driver sets it from argv[0].
void setProgramName(const std::string &name);
const std::string &programName();

/// Prints "<prog>: internal error: <message>" and aborts: a bug of the
/// compiler or runtime, not something the user can fix.
[[noreturn]] void internalError(const std::string &message);

} // namespace dlrt

#endif // DLRT_FAIL_H
