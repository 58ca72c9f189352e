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
#include "runtime/TrainConfig.h"
#include "runtime/TrainMode.h"

#include <cstdio>
#include <memory>
#include <new>

#include <unistd.h>

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

/// The train options of the model with the command line's overrides.
TrainConfig configure(const ModelDesc &model, const Options &options) {
  TrainConfig config(model);
  for (const auto &[name, value] : options.overrides)
    config.override(name, value);
  return config;
}

/// --help: the usage, with the values of the train options that the rest
/// of the command line gives. The help works even when the descriptor or
/// the rest of the command line is broken.
std::string helpText(const ModelEntry &entry,
                     const std::vector<std::string> &args) {
  std::unique_ptr<ModelDesc> model;
  try {
    model = std::make_unique<ModelDesc>(parseModelDescriptor(entry.descriptor));
  } catch (const Error &) {
    return usageText(programName(), "");
  }
  std::vector<std::string> rest;
  for (const std::string &arg : args)
    if (arg != "--help" && arg != "-h")
      rest.push_back(arg);
  std::string trainHelp;
  try {
    trainHelp = configure(*model, parseOptions(rest)).helpText();
  } catch (const Error &) {
    try {
      trainHelp = TrainConfig(*model).helpText();
    } catch (const Error &) {
    }
  }
  return usageText(programName(), model->model, trainHelp);
}

} // namespace

int runProgram(int argc, const char *const *argv, const ModelEntry &entry) {
  setProgramName(baseName(argc > 0 ? argv[0] : nullptr));
  try {
    std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
    Options options = parseOptions(args);
    if (options.mode == Mode::Help) {
      std::fputs(helpText(entry, args).c_str(), stdout);
      return 0;
    }
    ModelDesc model = parseModelDescriptor(entry.descriptor);
    TrainConfig config = configure(model, options);
    std::unique_ptr<Device> device = entry.openDevice ? entry.openDevice()
                                                      : nullptr;
    switch (options.mode) {
    case Mode::Train:
      runTrainMode(options, model, entry, device.get(), config, stdout,
                   ::isatty(::fileno(stdout)) == 1);
      break;
    case Mode::Eval:
      runEvalMode(options, model, entry, device.get(), config.settings(),
                  stdout);
      break;
    case Mode::Gradients:
      runGradientMode(options, model, entry, device.get(), config.settings(),
                      stdout);
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
