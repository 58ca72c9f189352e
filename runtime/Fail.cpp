//===- Fail.cpp - Stopping the program from inside a step -----------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/Fail.h"

#include "dlrt/ModelABI.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace dlrt {

namespace {
std::string &nameStorage() {
  static std::string name = "dlrt";
  return name;
}
} // namespace

void setProgramName(const std::string &name) { nameStorage() = name; }
const std::string &programName() { return nameStorage(); }

void internalError(const std::string &message) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s: internal error: %s\n", programName().c_str(),
               message.c_str());
  std::abort();
}

} // namespace dlrt

/// Generated code may call this from several worker threads at once: the
/// first caller prints and exits, the others wait for the exit. _Exit skips
/// static destructors, which must not run while those threads still do.
extern "C" void dlrt_fail(const char *message, int64_t value) {
  static std::mutex once;
  once.lock();
  std::fflush(stdout);
  std::fprintf(stderr, "%s: error: %s (got %" PRId64 ")\n",
               dlrt::programName().c_str(), message ? message : "failure",
               value);
  std::fflush(stderr);
  std::_Exit(1);
}
