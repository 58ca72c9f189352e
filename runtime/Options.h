//===- Options.h - The command line of compiled programs --------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). Every program dlcc produces takes the
// same options (docs/runtime.md): a mode, the runtime's own options, and
// overrides of the model's train options. Options are `--name value` or
// `--name=value`; a misuse throws UsageError.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_OPTIONS_H
#define DLRT_OPTIONS_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dlrt {

/// What the program was asked to do.
enum class Mode {
  Train,     ///< Train the model (the default).
  Help,      ///< Print the usage and exit.
  Eval,      ///< Run the forward program over the data, report the outputs.
  Gradients, ///< Run the gradient step on one batch, write the gradients.
};

/// The parsed command line.
struct Options {
  Mode mode = Mode::Train;
  std::string init;       ///< --init: weights to start from, or empty.
  std::string resume;     ///< --resume: a checkpoint to continue from.
  std::string checkpoint; ///< --checkpoint: where checkpoints go.
  std::string log;        ///< --log: the JSONL metrics log.
  std::string plot;       ///< --plot: the SVG loss curve.
  std::string outputs;    ///< --outputs: where to write every output.
  std::string saveParams; ///< --save-params: where to write params/buffers.
  std::string gradients;  ///< --gradients: where to write the gradients.
  bool reportMemory = false; ///< --report-memory: planned against measured.
  /// Train options set on the command line, in order: ("epochs", "3"),
  /// ("optimizer.lr", "1e-3"), ...
  std::vector<std::pair<std::string, std::string>> overrides;

  /// The value of the train option `name` set on the command line, or null.
  const std::string * override(const std::string &name) const;
};

/// Parses `args` (without the program name). Throws UsageError for an
/// unknown option, a missing or malformed value, an option given twice, a
/// stray argument, or options that exclude each other. Train option values
/// are only checked against the model later (TrainConfig::override).
Options parseOptions(const std::vector<std::string> &args);

/// One entry of --help: `left` (the option) in a column of 24 characters,
/// then `help` wrapped at 80 columns, continuation lines indented to the
/// help column.
std::string helpEntry(const std::string &left, const std::string &help);

/// The text --help prints for the program `program`, running model `model`
/// (empty when the descriptor is broken), followed by `trainHelp`, the
/// train options with their values (TrainConfig::helpText).
std::string usageText(const std::string &program, const std::string &model,
                      const std::string &trainHelp = "");

} // namespace dlrt

#endif // DLRT_OPTIONS_H
