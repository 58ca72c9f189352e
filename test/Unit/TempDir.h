//===- TempDir.h - A scratch directory for one test -------------*- C++ -*-===//
//
// Part of dlcc's runtime tests.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_TEST_TEMPDIR_H
#define DLRT_TEST_TEMPDIR_H

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

/// A fresh directory under the system's temporary directory, removed with
/// everything in it when the object goes away.
class TempDir {
public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "dlrt-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
      throw std::runtime_error("cannot create a temporary directory");
    root = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::permissions(root, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ignored);
    std::filesystem::remove_all(root, ignored);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  const std::string &path() const { return root; }
  std::string file(const std::string &name) const { return root + "/" + name; }

  /// Every entry of the directory, sorted, for checking leftovers.
  std::string listing() const {
    std::string names;
    std::vector<std::string> sorted;
    for (const auto &entry : std::filesystem::directory_iterator(root))
      sorted.push_back(entry.path().filename().string());
    std::sort(sorted.begin(), sorted.end());
    for (const std::string &name : sorted)
      names += (names.empty() ? "" : " ") + name;
    return names;
  }

private:
  std::string root;
};

/// The whole content of a file ("" when it cannot be read).
inline std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Writes `bytes` to `path`, replacing it.
inline void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

#endif // DLRT_TEST_TEMPDIR_H
