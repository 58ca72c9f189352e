//===- Checkpoint.cpp - Saving and resuming training runs -----------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/Checkpoint.h"

#include "runtime/Error.h"
#include "runtime/Safetensors.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>

using nlohmann::json;

namespace dlrt {

namespace {

/// The tensors of a checkpoint with the names they have in the file.
std::vector<std::pair<std::string, const TensorDesc *>>
checkpointTensors(const ModelDesc &model) {
  std::vector<std::pair<std::string, const TensorDesc *>> tensors;
  for (const TensorDesc *tensor : model.savedTensors())
    tensors.emplace_back(tensor->name, tensor);
  for (const TensorDesc *state : model.withRole(TensorRole::State))
    tensors.emplace_back(checkpointStateName(state->name), state);
  return tensors;
}

json curveJson(const std::vector<std::pair<int64_t, double>> &curve) {
  json points = json::array();
  for (const auto &[step, loss] : curve)
    points.push_back({step, loss});
  return points;
}

uint64_t parseCount(const std::string &path, const std::string &key,
                    const std::map<std::string, std::string> &metadata) {
  auto it = metadata.find(key);
  if (it == metadata.end())
    throw Error(path +
                ": not a training checkpoint of this program (its "
                "metadata has no '" +
                key + "'; to start from its weights, use --init)");
  const std::string &text = it->second;
  bool digits = !text.empty() && text.size() <= 20;
  for (char c : text)
    digits = digits && c >= '0' && c <= '9';
  errno = 0;
  unsigned long long value =
      digits ? std::strtoull(text.c_str(), nullptr, 10) : 0;
  if (!digits || errno == ERANGE)
    throw Error(path + ": corrupt checkpoint: metadata '" + key + "' is '" +
                text + "', not a count");
  return value;
}

std::vector<std::pair<int64_t, double>> parseCurve(const std::string &path,
                                                   const json &points) {
  std::vector<std::pair<int64_t, double>> curve;
  if (!points.is_array())
    throw Error(path + ": corrupt checkpoint: malformed loss_curve");
  for (const json &point : points) {
    if (!point.is_array() || point.size() != 2 ||
        !point[0].is_number_integer() || !point[1].is_number())
      throw Error(path + ": corrupt checkpoint: malformed loss_curve");
    curve.emplace_back(point[0].get<int64_t>(), point[1].get<double>());
  }
  return curve;
}

} // namespace

std::string checkpointStateName(const std::string &stateName) {
  return "optimizer." + stateName;
}

void saveCheckpoint(const std::string &path, const ModelDesc &model,
                    const uint8_t *arena, const TrainProgress &progress) {
  std::vector<TensorData> data;
  for (const auto &[name, tensor] : checkpointTensors(model))
    data.push_back(
        {name, tensor->dtype, tensor->shape, arena + tensor->offset});
  json window = {{"steps", progress.windowSteps},
                 {"sums", progress.windowSums}};
  json curve = {{"train", curveJson(progress.trainCurve)},
                {"eval", curveJson(progress.evalCurve)}};
  std::map<std::string, std::string> metadata = {
      {"format", "pt"},
      {"model", model.model},
      {"dlcc_checkpoint", "1"},
      {"step", std::to_string(progress.step)},
      {"epoch", std::to_string(progress.nextEpoch())},
      {"batch_index", std::to_string(progress.nextIndex())},
      {"batches_per_epoch", std::to_string(progress.batchesPerEpoch)},
      {"seed", std::to_string(progress.seed)},
      {"log_window", window.dump()},
      {"loss_curve", curve.dump()},
  };
  saveTensors(path, data, metadata);
}

TrainProgress loadCheckpoint(const std::string &path, const ModelDesc &model,
                             uint8_t *arena) {
  SafetensorsFile file(path);
  const std::map<std::string, std::string> &metadata = file.metadata();
  auto kind = metadata.find("dlcc_checkpoint");
  if (kind == metadata.end())
    throw Error(path + ": not a training checkpoint (no 'dlcc_checkpoint' in "
                       "its metadata; to start from its weights, use --init)");
  if (kind->second != "1")
    throw Error(path + ": checkpoint format '" + kind->second +
                "' is not supported (expected 1)");
  auto owner = metadata.find("model");
  if (owner == metadata.end() || owner->second != model.model)
    throw Error(path + ": a checkpoint of the model '" +
                (owner == metadata.end() ? std::string("?") : owner->second) +
                "', not of '" + model.model + "'");

  // Check every tensor before copying any.
  std::set<std::string> names;
  std::vector<std::pair<const TensorDesc *, const SafetensorsEntry *>> copies;
  for (const auto &[name, tensor] : checkpointTensors(model)) {
    copies.emplace_back(tensor,
                        &file.expect(name, tensor->dtype, tensor->shape));
    names.insert(name);
  }
  file.expectOnly(names, "the params, buffers and optimizer state of the "
                         "model '" +
                             model.model + "'");

  TrainProgress progress;
  progress.step = int64_t(parseCount(path, "step", metadata));
  progress.seed = parseCount(path, "seed", metadata);
  progress.batchesPerEpoch =
      int64_t(parseCount(path, "batches_per_epoch", metadata));
  uint64_t epoch = parseCount(path, "epoch", metadata);
  uint64_t index = parseCount(path, "batch_index", metadata);
  if (progress.batchesPerEpoch < 1 || int64_t(epoch) != progress.nextEpoch() ||
      int64_t(index) != progress.nextIndex())
    throw Error(path + ": corrupt checkpoint: step " +
                std::to_string(progress.step) + " is not epoch " +
                std::to_string(epoch) + ", batch " + std::to_string(index) +
                " of " + std::to_string(progress.batchesPerEpoch));
  try {
    json window =
        json::parse(metadata.count("log_window") ? metadata.at("log_window")
                                                 : std::string("null"));
    json curve =
        json::parse(metadata.count("loss_curve") ? metadata.at("loss_curve")
                                                 : std::string("null"));
    if (!window.is_object() || !window["steps"].is_number_integer() ||
        !window["sums"].is_object() || !curve.is_object())
      throw Error(path + ": corrupt checkpoint: malformed log_window or "
                         "loss_curve");
    progress.windowSteps = window["steps"].get<int64_t>();
    for (auto it = window["sums"].begin(); it != window["sums"].end(); ++it) {
      if (!it->is_number())
        throw Error(path + ": corrupt checkpoint: malformed log_window");
      progress.windowSums[it.key()] = it->get<double>();
    }
    progress.trainCurve = parseCurve(path, curve["train"]);
    progress.evalCurve = parseCurve(path, curve["eval"]);
  } catch (const json::exception &error) {
    throw Error(path + ": corrupt checkpoint: " + error.what());
  }

  for (const auto &[tensor, entry] : copies)
    std::memcpy(arena + tensor->offset, entry->data, tensor->bytes);
  return progress;
}

} // namespace dlrt
