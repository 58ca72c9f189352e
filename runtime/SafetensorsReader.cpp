//===- SafetensorsReader.cpp - Mapping and validating safetensors files ---===//
//
// Part of dlcc's runtime (libdlrt). A file is untrusted input: every field
// is checked before any tensor is handed out.
//
//===----------------------------------------------------------------------===//

#include "runtime/Error.h"
#include "runtime/Safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

using nlohmann::json;

namespace dlrt {

namespace {

/// The reference implementation refuses headers beyond 100 MB.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

std::string range(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

/// Reads one tensor's header entry; `where` is "path: tensor 'name'".
SafetensorsEntry parseEntry(const std::string &name, const json &value,
                            const std::string &where, const uint8_t *data,
                            uint64_t dataBytes) {
  auto fail = [&](const std::string &message) -> void {
    throw Error(where + ": " + message);
  };
  if (!value.is_object())
    fail("the header entry is not a JSON object");

  SafetensorsEntry entry;
  entry.name = name;

  auto dtype = value.find("dtype");
  if (dtype == value.end() || !dtype->is_string())
    fail("missing or non-string 'dtype'");
  std::optional<DType> type =
      parseSafetensorsDTypeName(dtype->get<std::string>());
  if (!type)
    fail("unsupported dtype '" + dtype->get<std::string>() +
         "' (supported: F32, F16, BF16, F64, I32, I64)");
  entry.dtype = *type;

  auto shape = value.find("shape");
  if (shape == value.end() || !shape->is_array())
    fail("missing or non-array 'shape'");
  for (const json &extent : *shape) {
    if (!extent.is_number_integer() || extent.get<int64_t>() < 0)
      fail("shape " + shape->dump() +
           " is not a list of non-negative integers");
    entry.shape.push_back(extent.get<int64_t>());
  }

  auto offsets = value.find("data_offsets");
  if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() ||
      !(*offsets)[1].is_number_unsigned())
    fail("'data_offsets' is not a pair of non-negative integers");
  uint64_t begin = (*offsets)[0].get<uint64_t>();
  uint64_t end = (*offsets)[1].get<uint64_t>();
  if (begin > end)
    fail("data_offsets " + range(begin, end) + " are reversed");
  if (end > dataBytes)
    fail("data_offsets " + range(begin, end) + " lie outside the data (" +
         std::to_string(dataBytes) + " bytes)");

  std::optional<uint64_t> bytes =
      shapeBytes(entry.shape, dtypeSize(entry.dtype));
  if (!bytes)
    fail("shape " + formatShape(entry.shape) + " is too large");
  if (end - begin != *bytes)
    fail("data_offsets " + range(begin, end) + " hold " +
         std::to_string(end - begin) + " bytes but " +
         safetensorsDTypeName(entry.dtype) + " " + formatShape(entry.shape) +
         " needs " + std::to_string(*bytes));
  entry.data = data + begin;
  entry.bytes = *bytes;
  return entry;
}

} // namespace

SafetensorsFile::SafetensorsFile(const std::string &path) : filePath(path) {
  auto fail = [&](const std::string &message) -> void {
    throw Error(path + ": " + message);
  };

  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    fail(std::string("cannot open: ") + std::strerror(errno));
  struct stat info;
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    fail("not a regular file");
  }
  uint64_t fileBytes = uint64_t(info.st_size);
  if (fileBytes < 8) {
    ::close(fd);
    fail("truncated: " + std::to_string(fileBytes) +
         " bytes, less than the 8-byte header length");
  }
  mapping = ::mmap(nullptr, fileBytes, PROT_READ, MAP_PRIVATE, fd, 0);
  int mapError = errno;
  ::close(fd);
  if (mapping == MAP_FAILED) {
    mapping = nullptr;
    fail(std::string("cannot map: ") + std::strerror(mapError));
  }
  mappingSize = fileBytes;

  // From here on the destructor does not run if we throw; unmap by hand.
  try {
    const uint8_t *bytes = static_cast<const uint8_t *>(mapping);
    uint64_t headerBytes = 0;
    for (int i = 7; i >= 0; --i)
      headerBytes = (headerBytes << 8) | bytes[i];
    if (headerBytes > fileBytes - 8)
      fail("header length " + std::to_string(headerBytes) +
           " exceeds the file (" + std::to_string(fileBytes) +
           " bytes); the file is truncated or not safetensors");
    if (headerBytes > kMaxHeaderBytes)
      fail("header length " + std::to_string(headerBytes) +
           " is beyond the 100 MB limit");

    json header;
    try {
      header = json::parse(bytes + 8, bytes + 8 + headerBytes);
    } catch (const json::exception &error) {
      fail(std::string("the header is not valid JSON: ") + error.what());
    }
    if (!header.is_object())
      fail("the header is not a JSON object");

    const uint8_t *data = bytes + 8 + headerBytes;
    uint64_t dataBytes = fileBytes - 8 - headerBytes;
    for (auto it = header.begin(); it != header.end(); ++it) {
      if (it.key() == "__metadata__") {
        if (!it->is_object())
          fail("__metadata__ is not a JSON object");
        for (auto field = it->begin(); field != it->end(); ++field) {
          if (!field->is_string())
            fail("__metadata__ '" + field.key() + "' is not a string");
          meta[field.key()] = field->get<std::string>();
        }
        continue;
      }
      entries.push_back(parseEntry(it.key(), *it,
                                   path + ": tensor '" + it.key() + "'", data,
                                   dataBytes));
    }

    // Two tensors sharing bytes is a corrupt (or hostile) file.
    std::vector<const SafetensorsEntry *> byOffset;
    for (const SafetensorsEntry &entry : entries)
      if (entry.bytes)
        byOffset.push_back(&entry);
    std::sort(byOffset.begin(), byOffset.end(),
              [](const SafetensorsEntry *x, const SafetensorsEntry *y) {
                return x->data < y->data;
              });
    for (size_t i = 1; i < byOffset.size(); ++i)
      if (byOffset[i - 1]->data + byOffset[i - 1]->bytes > byOffset[i]->data)
        fail("tensors '" + byOffset[i - 1]->name + "' and '" +
             byOffset[i]->name + "' overlap in the data");
  } catch (...) {
    ::munmap(mapping, mappingSize);
    mapping = nullptr;
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping)
    ::munmap(mapping, mappingSize);
}

const SafetensorsEntry *SafetensorsFile::find(const std::string &name) const {
  auto it =
      std::lower_bound(entries.begin(), entries.end(), name,
                       [](const SafetensorsEntry &entry,
                          const std::string &key) { return entry.name < key; });
  return it != entries.end() && it->name == name ? &*it : nullptr;
}

const SafetensorsEntry &SafetensorsFile::expect(const std::string &name,
                                                DType dtype,
                                                const Shape &shape) const {
  const SafetensorsEntry *entry = find(name);
  std::string where = filePath + ": tensor '" + name + "'";
  if (!entry)
    throw Error(where + " is missing (the model expects " +
                safetensorsDTypeName(dtype) + " " + formatShape(shape) + ")");
  if (entry->shape != shape)
    throw Error(where + " has shape " + formatShape(entry->shape) +
                " but the model expects " + formatShape(shape));
  if (entry->dtype != dtype)
    throw Error(where + " has dtype " + safetensorsDTypeName(entry->dtype) +
                " but the model expects " + safetensorsDTypeName(dtype));
  return *entry;
}

void SafetensorsFile::expectOnly(const std::set<std::string> &names,
                                 const std::string &among) const {
  std::string others;
  size_t count = 0;
  for (const SafetensorsEntry &entry : entries)
    if (!names.count(entry.name))
      others += (count++ ? ", '" : "'") + entry.name + "'";
  if (count == 1)
    throw Error(filePath + ": tensor " + others + " is not among " + among);
  if (count > 1)
    throw Error(filePath + ": tensors " + others + " are not among " + among);
}

} // namespace dlrt
