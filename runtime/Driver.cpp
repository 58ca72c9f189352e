//===- Driver.cpp - The main program of every compiled model --------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/Driver.h"

#include "runtime/Error.h"
#include "runtime/EvalMode.h"
#include "runtime/Fail.h"
#include "runtime/ModelDescriptor.h"
#include "runtime/Options.h"

#include <cstdio>
#include <new>

namespace dlrt {

namespace {

std::string baseName(const char *path) {
  std::string name = path && *path ? path : "dlrt";
  size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

int report(const std::string &message, int status) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s: error: %s\n", programName().c_str(),
               message.c_str());
  return status;
}

} // namespace

int runProgram(int argc, const char *const *argv, const ModelEntry &entry) {
  setProgramName(baseName(argc > 0 ? argv[0] : nullptr));
  try {
    std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
    Options options = parseOptions(args);
    if (options.mode == Mode::Help) {
      // The help works even if the descriptor is broken.
      std::string modelName;
      try {
        modelName = parseModelDescriptor(entry.descriptor).model;
      } catch (const Error &) {
      }
      std::fputs(usageText(programName(), modelName).c_str(), stdout);
      return 0;
    }
    ModelDesc model = parseModelDescriptor(entry.descriptor);
    switch (options.mode) {
    case Mode::Eval:
      runEvalMode(options, model, entry, stdout);
      break;
    case Mode::Gradients:
      runGradientMode(options, model, entry, stdout);
      break;
    case Mode::Help:
      break;
    }
    return 0;
  } catch (const UsageError &error) {
    return report(error.what(), 2);
  } catch (const Error &error) {
    return report(error.what(), 1);
  } catch (const std::bad_alloc &) {
    return report("out of memory", 1);
  } catch (const std::exception &error) {
    return report(std::string("internal error: ") + error.what(), 1);
  }
}

} // namespace dlrt
