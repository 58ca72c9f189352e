//===- TrainFunctions.h - Functions a train option may call -----*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). The data sources, optimizers and
// schedules of docs/language.md, with their parameters and defaults, so
// that a command-line value such as `cosine(warmup = 10)` becomes the JSON
// the compiler writes into the model descriptor for the same text in a
// train section: {"name": "cosine", "warmup": 10, "min_lr": 0.0}.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_TRAINFUNCTIONS_H
#define DLRT_TRAINFUNCTIONS_H

#include "runtime/ValueSyntax.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace dlrt {

/// What a train option's function computes.
enum class FunctionCategory { DataSource, Optimizer, Schedule };

/// The values a parameter takes.
enum class ParamKind { Number, Integer, String, Bool, NumberPair, Word };

struct FunctionParam {
  std::string name;
  ParamKind kind = ParamKind::Number;
  nlohmann::json byDefault;       ///< null: the argument is required.
  std::vector<std::string> words; ///< Word: the allowed words.
};

struct TrainFunction {
  FunctionCategory category;
  std::string name;
  std::vector<FunctionParam> params;
  /// npy: every keyword names a model input and takes a file name.
  bool anyKeywords = false;

  /// The parameter named `name`, or null.
  const FunctionParam *find(const std::string &name) const;
};

/// The key that holds the function's name in the JSON: "source" for data
/// sources, "name" otherwise.
const char *functionKey(FunctionCategory category);

/// The function of `category` named `name`, or null.
const TrainFunction *lookupTrainFunction(FunctionCategory category,
                                         const std::string &name);

/// Binds a call, or a bare word naming a function whose parameters all
/// have defaults, to its JSON form with every parameter given or defaulted.
/// `what` names the value in messages ("--schedule"). Throws Error for an
/// unknown function or argument, a missing one, or a value of the wrong
/// kind.
nlohmann::json bindTrainFunction(const SyntaxValue &value,
                                 FunctionCategory category,
                                 const std::string &what);

/// Converts `value` to the JSON of one parameter; throws Error as above.
nlohmann::json convertArgument(const FunctionParam &param,
                               const SyntaxValue &value,
                               const std::string &what);

/// A train option's JSON value written in .dl syntax, for --help and
/// messages: {"name": "cosine", "warmup": 100, "min_lr": 0.0} gives
/// `cosine(warmup = 100, min_lr = 0)`.
std::string formatConfigValue(const nlohmann::json &value);

} // namespace dlrt

#endif // DLRT_TRAINFUNCTIONS_H
