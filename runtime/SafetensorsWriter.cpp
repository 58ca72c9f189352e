//===- SafetensorsWriter.cpp - Writing safetensors files atomically -------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/Error.h"
#include "runtime/Safetensors.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <set>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dlrt {

namespace {

/// The file being written; unlinked on destruction unless committed.
class TemporaryFile {
public:
  TemporaryFile(const std::string &target) : target(target) {
    path = target + ".tmp." + std::to_string(::getpid());
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
      fail("cannot create " + path);
  }

  ~TemporaryFile() {
    if (fd >= 0)
      ::close(fd);
    if (!committed)
      ::unlink(path.c_str());
  }

  [[noreturn]] void fail(const std::string &what) {
    int saved = errno;
    throw Error(target + ": " + what + ": " + std::strerror(saved));
  }

  void write(const void *data, size_t size) {
    const char *bytes = static_cast<const char *>(data);
    while (size > 0) {
      ssize_t written = ::write(fd, bytes, size);
      if (written < 0) {
        if (errno == EINTR)
          continue;
        fail("cannot write");
      }
      bytes += written;
      size -= size_t(written);
    }
  }

  /// Syncs, closes and renames the file over the target, then syncs the
  /// directory so that the rename itself survives a crash.
  void commit() {
    if (::fsync(fd) != 0)
      fail("cannot sync " + path);
    int closing = fd;
    fd = -1;
    if (::close(closing) != 0)
      fail("cannot close " + path);
    if (::rename(path.c_str(), target.c_str()) != 0)
      fail("cannot rename " + path + " to " + target);
    committed = true;
    size_t slash = target.rfind('/');
    std::string directory = slash == std::string::npos ? "."
                            : slash == 0               ? "/"
                                         : target.substr(0, slash);
    int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      ::fsync(dir); // Best effort: some file systems refuse it.
      ::close(dir);
    }
  }

private:
  std::string target;
  std::string path;
  int fd = -1;
  bool committed = false;
};

} // namespace

void saveTensors(const std::string &path,
                 const std::vector<TensorData> &tensors,
                 const std::map<std::string, std::string> &metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty())
    header["__metadata__"] = metadata;
  std::set<std::string> names;
  std::vector<uint64_t> sizes;
  uint64_t offset = 0;
  for (const TensorData &tensor : tensors) {
    if (tensor.name == "__metadata__" || tensor.name.empty())
      throw Error(path + ": '" + tensor.name + "' cannot name a tensor");
    if (!names.insert(tensor.name).second)
      throw Error(path + ": tensor '" + tensor.name + "' is given twice");
    std::optional<uint64_t> bytes =
        shapeBytes(tensor.shape, dtypeSize(tensor.dtype));
    if (!bytes)
      throw Error(path + ": tensor '" + tensor.name + "' has a bad shape " +
                  formatShape(tensor.shape));
    header[tensor.name] = {{"dtype", safetensorsDTypeName(tensor.dtype)},
                           {"shape", tensor.shape},
                           {"data_offsets", {offset, offset + *bytes}}};
    sizes.push_back(*bytes);
    offset += *bytes;
  }

  // Pad the header with spaces so the data starts 8-byte aligned, as the
  // reference implementation does.
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception &error) {
    throw Error(path + ": cannot encode the header: " + error.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  unsigned char length[8];
  for (int i = 0; i < 8; ++i)
    length[i] = static_cast<unsigned char>(uint64_t(text.size()) >> (8 * i));

  TemporaryFile file(path);
  file.write(length, sizeof length);
  file.write(text.data(), text.size());
  for (size_t i = 0; i < tensors.size(); ++i)
    file.write(tensors[i].data, sizes[i]);
  file.commit();
}

} // namespace dlrt
