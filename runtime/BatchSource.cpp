//===- BatchSource.cpp - Where the batches of a run come from -------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/BatchSource.h"

#include "runtime/Error.h"
#include "runtime/Fail.h"
#include "runtime/IdxBatchSource.h"
#include "runtime/NpyBatchSource.h"
#include "runtime/SafetensorsBatchSource.h"
#include "runtime/TokenBatchSource.h"

namespace dlrt {

BatchSource::~BatchSource() = default;

BatchView BatchView::inArena(const ModelDesc &model, uint8_t *arena) {
  BatchView view;
  for (const TensorDesc *input : model.withRole(TensorRole::Input))
    view.bind(input, arena + input->offset);
  return view;
}

uint8_t *BatchView::operator[](const TensorDesc *input) const {
  for (const auto &[tensor, address] : slots)
    if (tensor == input)
      return address;
  internalError("no place for the input '" + input->name + "' in the batch");
}

std::unique_ptr<BatchSource> openBatchFile(const ModelDesc &model,
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

double numberField(const nlohmann::json &spec, const char *key, double fallback,
                   const std::string &what) {
  auto it = spec.find(key);
  if (it == spec.end())
    return fallback;
  if (!it->is_number())
    throw Error(what + ": '" + key + "' is not a number");
  return it->get<double>();
}

int64_t integerField(const nlohmann::json &spec, const char *key,
                     const std::string &what) {
  auto it = spec.find(key);
  if (it == spec.end() || !it->is_number_integer() || it->get<int64_t>() < 1)
    throw Error(what + ": '" + key + "' is missing or not an integer >= 1");
  return it->get<int64_t>();
}
} // namespace

std::unique_ptr<BatchSource> openDataSource(const ModelDesc &model,
                                            const nlohmann::json &spec,
                                            const std::string &what) {
  if (spec.is_string())
    return openBatchFile(model, spec.get<std::string>());
  if (!spec.is_object() || !spec.contains("source") ||
      !spec["source"].is_string())
    throw Error(what + " is not a data source description");
  std::string source = spec["source"].get<std::string>();
  std::string where = what + " " + source + "(...)";
  if (source == "idx") {
    IdxNormalization normalization{numberField(spec, "scale", 1.0, where),
                                   numberField(spec, "mean", 0.0, where),
                                   numberField(spec, "std", 1.0, where)};
    return std::make_unique<IdxBatchSource>(
        model,
        loadIdxDataset(stringField(spec, "images", where),
                       stringField(spec, "labels", where), normalization));
  }
  if (source == "text" || source == "tokens") {
    std::string path = stringField(spec, "path", where);
    int64_t context = integerField(spec, "context", where);
    TokenCorpus corpus;
    if (source == "text") {
      corpus = readTextCorpus(path);
    } else {
      std::string dtype =
          spec.contains("dtype") ? stringField(spec, "dtype", where) : "u16";
      if (dtype != "u16" && dtype != "u32")
        throw Error(where + ": dtype '" + dtype + "' is not u16 or u32");
      corpus = mapTokenFile(path, dtype == "u16" ? 2 : 4);
    }
    return std::make_unique<TokenBatchSource>(model, std::move(corpus),
                                              context);
  }
  if (source == "npy") {
    std::vector<std::pair<std::string, std::string>> files;
    for (auto it = spec.begin(); it != spec.end(); ++it)
      if (it.key() != "source")
        files.emplace_back(it.key(),
                           stringField(spec, it.key().c_str(), where));
    return std::make_unique<NpyBatchSource>(model, files);
  }
  throw Error(what + ": unknown data source '" + source +
              "' (expected idx, text, tokens or npy)");
}

} // namespace dlrt
