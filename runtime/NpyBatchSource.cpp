//===- NpyBatchSource.cpp - Batches of .npy arrays, one per input ---------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/NpyBatchSource.h"

#include "runtime/Error.h"

#include <cstring>

namespace dlrt {

namespace {
/// "[N, 28, 28]": N examples of `perExample`.
std::string examplesShape(const Shape &perExample) {
  std::string text = "[N";
  for (int64_t extent : perExample)
    text += ", " + std::to_string(extent);
  return text + "]";
}
} // namespace

NpyBatchSource::NpyBatchSource(
    const ModelDesc &model,
    const std::vector<std::pair<std::string, std::string>> &files) {
  for (const auto &[name, path] : files) {
    const TensorDesc *input = model.find(name);
    if (!input || input->role != TensorRole::Input)
      throw Error("npy data: '" + name + "' (" + path +
                  ") is not an input of the model '" + model.model + "'");
  }
  int64_t count = -1;
  std::string countFile;
  for (const TensorDesc *input : model.withRole(TensorRole::Input)) {
    const std::string *path = nullptr;
    for (const auto &[name, file] : files)
      if (name == input->name)
        path = &file;
    if (!path)
      throw Error("npy data: no file for the input '" + input->name +
                  "' of the model '" + model.model + "' (give npy(" +
                  input->name + " = \"file.npy\", ...))");
    NpyArray array = readNpy(*path);
    Shape perExample(input->shape.begin() + (input->shape.empty() ? 0 : 1),
                     input->shape.end());
    Shape given(array.shape.begin() + (array.shape.empty() ? 0 : 1),
                array.shape.end());
    if (input->shape.empty() || array.shape.empty() || perExample != given)
      throw Error(*path + ": shape " + formatShape(array.shape) +
                  " does not hold examples of the input '" + input->name +
                  "' " + formatShape(input->shape) + ": expected " +
                  examplesShape(perExample));
    if (array.dtype != input->dtype)
      throw Error(*path + ": dtype " + dtypeName(array.dtype) +
                  " but the input '" + input->name + "' is " +
                  dtypeName(input->dtype));
    if (count >= 0 && array.shape[0] != count)
      throw Error(*path + " holds " + std::to_string(array.shape[0]) +
                  " examples but " + countFile + " holds " +
                  std::to_string(count));
    count = array.shape[0];
    countFile = *path;
    uint64_t exampleBytes = input->bytes / uint64_t(input->shape[0]);
    arrays.push_back({input, std::move(array), exampleBytes});
  }
  if (arrays.empty())
    throw Error("npy data: the model '" + model.model + "' has no inputs");
  int64_t batch = arrays.front().input->shape[0];
  if (count < batch)
    throw Error(countFile + ": holds " + std::to_string(count) +
                " examples, fewer than one batch of " + std::to_string(batch));
  order.emplace(count, batch);
}

void NpyBatchSource::fill(BatchOrder batchOrder, uint64_t seed, int64_t epoch,
                          int64_t index, const BatchView &view) const {
  std::vector<int64_t> rows =
      order->examples(batchOrder == BatchOrder::Training, seed, epoch, index);
  for (const Bound &bound : arrays) {
    uint8_t *out = view[bound.input];
    for (size_t row = 0; row < rows.size(); ++row)
      std::memcpy(out + row * bound.exampleBytes,
                  bound.array.data + uint64_t(rows[row]) * bound.exampleBytes,
                  bound.exampleBytes);
  }
}

std::string NpyBatchSource::describe() const {
  return arrays.front().array.file.path();
}

} // namespace dlrt
