//===- Error.h - Errors the runtime reports to the user ---------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). Everything a user can get wrong (a flag,
// a missing or corrupt file, a shape that does not fit the model) is thrown
// as one of these, with a message that names the file or tensor; the driver
// prints it as one line and exits with a non-zero status.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_ERROR_H
#define DLRT_ERROR_H

#include <stdexcept>
#include <string>

namespace dlrt {

/// An error in the program's inputs: a file, the model descriptor, the data.
/// The driver prints `<prog>: error: <message>` and exits with status 1.
class Error : public std::runtime_error {
public:
  explicit Error(const std::string &message) : std::runtime_error(message) {}
};

/// An error in the command line. The driver prints it like Error but exits
/// with status 2, the convention of getopt-style tools for misuse.
class UsageError : public Error {
public:
  explicit UsageError(const std::string &message) : Error(message) {}
};

} // namespace dlrt

#endif // DLRT_ERROR_H
