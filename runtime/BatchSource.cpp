//===- BatchSource.cpp - Where the batches of a run come from -------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/BatchSource.h"

#include "runtime/Error.h"
#include "runtime/IdxBatchSource.h"
#include "runtime/SafetensorsBatchSource.h"

namespace dlrt {

BatchSource::~BatchSource() = default;

std::unique_ptr<BatchSource> openBatchSource(const ModelDesc &model,
                                             const std::string &path) {
  return std::make_unique<SafetensorsBatchSource>(model, path);
}

namespace {
std::string stringField(const nlohmann::json &spec, const char *key,
                        const std::string &what) {
  auto it = spec.find(key);
  if (it == spec.end() || !it->is_string())
    throw Error(what + ": '" + key + "' is missing or not a string");
  return it->get<std::string>();
}

double numberField(const nlohmann::json &spec, const char *key,
                   double fallback, const std::string &what) {
  auto it = spec.find(key);
  if (it == spec.end())
    return fallback;
  if (!it->is_number())
    throw Error(what + ": '" + key + "' is not a number");
  return it->get<double>();
}
} // namespace

std::unique_ptr<BatchSource>
openConfiguredSource(const ModelDesc &model, const nlohmann::json &spec,
                     const std::string &what) {
  if (!spec.is_object() || !spec.contains("source"))
    throw Error(what + " is not a data source description");
  std::string source = spec["source"].is_string()
                           ? spec["source"].get<std::string>()
                           : std::string("?");
  if (source == "idx") {
    IdxNormalization normalization{numberField(spec, "scale", 1.0, what),
                                   numberField(spec, "mean", 0.0, what),
                                   numberField(spec, "std", 1.0, what)};
    return std::make_unique<IdxBatchSource>(
        model, loadIdxDataset(stringField(spec, "images", what),
                              stringField(spec, "labels", what),
                              normalization));
  }
  throw Error(what + ": the '" + source +
              "' data source is not supported yet (idx is; a batch can also "
              "be given as a safetensors file with --data)");
}

} // namespace dlrt
