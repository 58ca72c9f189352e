//===- TrainConfig.h - The train options of a run ---------------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). A run's train options are the model's
// train section (compiled into the descriptor) with the command line's
// `--name=value` overrides applied. Options that change the compiled
// program (the batch size, the precision, the optimizer's name, ...) cannot
// be overridden: the program must be recompiled.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_TRAINCONFIG_H
#define DLRT_TRAINCONFIG_H

#include "runtime/ModelDescriptor.h"
#include "runtime/Schedule.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dlrt {

/// A train option as the command line knows it.
struct TrainOptionInfo {
  const char *name;
  const char *placeholder; ///< In the help: "N", "SOURCE".
  const char *help;
  bool compiledIn; ///< Changing it needs a recompilation.
};

/// Every train option of docs/language.md, in the order --help lists them.
const std::vector<TrainOptionInfo> &trainOptionTable();

/// Whether `name` (maybe dotted, `optimizer.lr`) is a train option the
/// command line accepts; compiled-in options are accepted here and
/// refused with their own message when applied.
bool isTrainOptionName(const std::string &name);

/// The placeholder of a train option's value in messages: "N", "SOURCE",
/// or "VALUE".
const char *trainOptionPlaceholder(const std::string &name);

/// The settings of a run, read from the train options in effect.
struct TrainSettings {
  int64_t batch = 0;
  /// Set when the run counts steps; otherwise it counts epochs.
  std::optional<int64_t> steps;
  int64_t epochs = 1;
  uint64_t seed = 0;
  int64_t evalEvery = 0;
  int64_t checkpointEvery = 0;
  int64_t logEvery = 10;
  /// Data sources: an object such as {"source": "idx", ...}, a string (a
  /// safetensors file holding one batch), or null (none).
  nlohmann::json data, eval;
  /// {"name": "adamw", "lr": ..., ...}; null when the section has none.
  nlohmann::json optimizer;
  Schedule schedule;
  std::optional<double> clip;
  std::string init; ///< Weights to start from; empty for none.
};

/// The value the runtime writes into each hyper tensor (but `step`, `seed`
/// and the schedule's `lr`, which change from step to step): the
/// optimizer's arguments, 0 for those it does not have.
struct OptimizerHypers {
  double lr = 0;
  double weightDecay = 0;
  double beta1 = 0, beta2 = 0;
  double eps = 0;
  double momentum = 0;
  double maxGradNorm = 0; ///< The clip; 0 without one.
};

/// The train options of one run.
class TrainConfig {
public:
  /// Starts from the model's train section. Throws Error when it is not an
  /// object.
  explicit TrainConfig(const ModelDesc &model);

  /// Applies `--name=value`. Throws UsageError for an unknown option, a
  /// malformed value, or an option compiled into the program.
  void override(const std::string &name, const std::string &value);

  /// The settings in effect. Throws Error for a malformed train section.
  TrainSettings settings() const;

  /// The hyper values of the optimizer and clip in effect.
  OptimizerHypers hypers() const;

  /// Checks that the program can train with these options: every option
  /// that differs from the compiled one has a hyper tensor to carry it, and
  /// a schedule other than constant has an `lr` to write. Throws
  /// UsageError naming the option and telling to recompile.
  void checkTrainable() const;

  /// The options in effect as JSON (the form of the descriptor).
  const nlohmann::json &options() const { return current; }

  /// The "Train options" part of --help, with the values in effect.
  std::string helpText() const;

private:
  void overrideDotted(const std::string &base, const std::string &argument,
                      const std::string &value);
  /// The optimizer in effect differs from the compiled one only in
  /// arguments that a hyper tensor carries.
  void checkOptimizer() const;
  /// The clip in effect is the compiled one, or another bound of a program
  /// that reads max_grad_norm.
  void checkClip() const;

  const ModelDesc &model;
  nlohmann::json compiled; ///< The descriptor's train section.
  nlohmann::json current;  ///< With the overrides applied.
  bool setSteps = false, setEpochs = false;
};

/// Whether `value` of --checkpoint names an activation-checkpointing policy
/// (none, blocks, sqrt, auto, auto(...)) rather than a file.
bool isActivationCheckpointing(const std::string &value);

} // namespace dlrt

#endif // DLRT_TRAINCONFIG_H
