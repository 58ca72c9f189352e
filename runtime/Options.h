//===- Options.h - The command line of compiled programs --------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). Every program dlcc produces takes the
// same options (docs/runtime.md). Options are `--name value` or
// `--name=value`; a misuse throws UsageError.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_OPTIONS_H
#define DLRT_OPTIONS_H

#include <cstdint>
#include <string>
#include <vector>

namespace dlrt {

/// What the program was asked to do.
enum class Mode {
  Help,      ///< Print the usage and exit.
  Eval,      ///< Run the forward program over the data, report the outputs.
  Gradients, ///< Run the gradient step on one batch, write the gradients.
};

/// The parsed command line.
struct Options {
  Mode mode = Mode::Help;
  std::string data;       ///< --data: the batches (default: the model's).
  std::string init;       ///< --init: weights to start from, or empty.
  uint64_t seed = 0;      ///< --seed: for initializers (and later, shuffling).
  std::string outputs;    ///< --outputs: where to write every output.
  std::string saveParams; ///< --save-params: where to write params/buffers.
  std::string gradients;  ///< --gradients: where to write the gradients.
};

/// Parses `args` (without the program name). Throws UsageError for an
/// unknown option, a missing or malformed value, an option given twice, a
/// stray argument, or no mode.
Options parseOptions(const std::vector<std::string> &args);

/// The text --help prints for the program `program`, running model `model`.
std::string usageText(const std::string &program, const std::string &model);

} // namespace dlrt

#endif // DLRT_OPTIONS_H
