//===- Safetensors.h - Reading and writing safetensors files ----*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). Weights, checkpoints, batches and
// outputs are safetensors files, the format of Hugging Face and PyTorch:
//
//   8 bytes    N, the header length, little-endian
//   N bytes    JSON: {"<name>": {"dtype": "F32", "shape": [2, 3],
//                               "data_offsets": [begin, end]}, ...,
//                     "__metadata__": {"<key>": "<string>", ...}}
//   the rest   tensor data; offsets count from here
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_SAFETENSORS_H
#define DLRT_SAFETENSORS_H

#include "runtime/DType.h"
#include "runtime/Shape.h"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace dlrt {

/// A tensor to write: `data` holds shape's elements of dtype, packed.
struct TensorData {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  const void *data = nullptr;
};

/// Writes `tensors`, in this order, and `metadata` to a safetensors file at
/// `path`. The write is atomic: the file is written to `path.tmp.<pid>`,
/// synced, renamed over `path`, and the directory synced, so a failure (a
/// full disk, an interruption) leaves any earlier file at `path` untouched
/// and no partial one. Throws Error naming the file.
void saveTensors(const std::string &path,
                 const std::vector<TensorData> &tensors,
                 const std::map<std::string, std::string> &metadata = {});

/// One tensor of a file that was read.
struct SafetensorsEntry {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  const uint8_t *data = nullptr; ///< Inside the mapped file; not aligned.
  uint64_t bytes = 0;
};

/// A safetensors file mapped into memory and validated: the file size, the
/// header length, the JSON, every dtype and shape, data offsets inside the
/// data and consistent with shape and dtype, and no two tensors overlapping.
/// Every failure throws Error naming the file (and the tensor).
class SafetensorsFile {
public:
  explicit SafetensorsFile(const std::string &path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile &) = delete;
  SafetensorsFile &operator=(const SafetensorsFile &) = delete;

  const std::string &path() const { return filePath; }

  /// Every tensor, sorted by name.
  const std::vector<SafetensorsEntry> &tensors() const { return entries; }

  /// The `__metadata__` map (empty when the file has none).
  const std::map<std::string, std::string> &metadata() const { return meta; }

  /// The tensor named `name`, or null.
  const SafetensorsEntry *find(const std::string &name) const;

  /// The tensor named `name`, checked to have `dtype` and `shape`. Throws,
  /// for instance, "weights.safetensors: tensor 'fc1.weight' has shape
  /// [10, 784] but the model expects [256, 784]".
  const SafetensorsEntry &expect(const std::string &name, DType dtype,
                                 const Shape &shape) const;

  /// Throws when the file holds a tensor not in `names`, listing every such
  /// tensor: "batch.safetensors: tensor 'y' is not among <among>", where
  /// `among` says what `names` are ("the inputs of the model 'mlp'").
  void expectOnly(const std::set<std::string> &names,
                  const std::string &among) const;

private:
  std::string filePath;
  void *mapping = nullptr;
  size_t mappingSize = 0;
  std::vector<SafetensorsEntry> entries;
  std::map<std::string, std::string> meta;
};

} // namespace dlrt

#endif // DLRT_SAFETENSORS_H
