//===- SafetensorsTest.cpp - Tests of safetensors reading and writing -----===//
//
// Part of dlcc. Round trips of every dtype, then one hand-made corrupt file
// per validation rule, then writes that fail halfway.
//
//===----------------------------------------------------------------------===//

#include "TempDir.h"

#include "runtime/Error.h"
#include "runtime/Safetensors.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstring>
#include <optional>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace dlrt;
using nlohmann::json;

namespace {

/// A safetensors file from its parts: the header text, the data, and the
/// header length to store (the true one unless given).
std::string rawFile(const std::string &header, const std::string &data,
                    std::optional<uint64_t> length = std::nullopt) {
  uint64_t stored = length ? *length : header.size();
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i)
    bytes[i] = char(stored >> (8 * i));
  return bytes + header + data;
}

/// The message opening `path` throws, or "".
std::string openError(const std::string &path) {
  try {
    SafetensorsFile file(path);
  } catch (const Error &error) {
    return error.what();
  }
  return "";
}

/// The message for a file made of `header` and `data`, with the directory
/// taken out of it.
std::string errorFor(const std::string &header, const std::string &data,
                     std::optional<uint64_t> length = std::nullopt) {
  TempDir dir;
  writeFile(dir.file("bad.safetensors"), rawFile(header, data, length));
  std::string message = openError(dir.file("bad.safetensors"));
  size_t at = message.find(dir.path() + "/");
  if (at != std::string::npos)
    message.erase(at, dir.path().size() + 1);
  return message;
}

} // namespace

TEST(Safetensors, RoundTripsEveryDType) {
  TempDir dir;
  std::vector<float> f32{1.5f, -2.25f, 3e-8f, 1e30f, -0.0f, 7.0f};
  std::vector<uint16_t> f16{0x3c00, 0xc000, 0x7bff}, bf16{0x3f80, 0x0001};
  std::vector<double> f64{3.141592653589793, -1e300};
  std::vector<int32_t> i32{-7, 2147483647, 0, 1};
  std::vector<int64_t> i64{-9000000000000000000, 5};
  float scalar = 0.125f;
  std::vector<TensorData> tensors{
      {"w.f32", DType::F32, {2, 3}, f32.data()},
      {"w.f16", DType::F16, {3}, f16.data()},
      {"w.bf16", DType::BF16, {1, 2}, bf16.data()},
      {"w.f64", DType::F64, {2}, f64.data()},
      {"idx.i32", DType::I32, {2, 2}, i32.data()},
      {"idx.i64", DType::I64, {2}, i64.data()},
      {"scalar", DType::F32, {}, &scalar},
      {"empty", DType::F32, {0, 4}, nullptr},
  };
  std::string path = dir.file("all.safetensors");
  saveTensors(path, tensors, {{"format", "pt"}, {"step", "12"}});
  EXPECT_EQ(dir.listing(), "all.safetensors"); // No temporary left.

  SafetensorsFile file(path);
  EXPECT_EQ(file.path(), path);
  EXPECT_EQ(file.metadata(), (std::map<std::string, std::string>{
                                 {"format", "pt"}, {"step", "12"}}));
  ASSERT_EQ(file.tensors().size(), tensors.size());
  for (const TensorData &written : tensors) {
    const SafetensorsEntry *read = file.find(written.name);
    ASSERT_NE(read, nullptr) << written.name;
    EXPECT_EQ(read->dtype, written.dtype) << written.name;
    EXPECT_EQ(read->shape, written.shape) << written.name;
    uint64_t bytes = *shapeBytes(written.shape, dtypeSize(written.dtype));
    ASSERT_EQ(read->bytes, bytes) << written.name;
    if (bytes) {
      EXPECT_EQ(std::memcmp(read->data, written.data, bytes), 0)
          << written.name;
    }
  }
  EXPECT_EQ(file.find("missing"), nullptr);
}

TEST(Safetensors, WritesTheReferenceLayout) {
  TempDir dir;
  std::vector<float> a{1, 2, 3}, b{4};
  std::string path = dir.file("layout.safetensors");
  saveTensors(path, {{"a", DType::F32, {3}, a.data()},
                     {"b", DType::F32, {1}, b.data()}});
  std::string bytes = readFile(path);
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i)
    length = (length << 8) | uint8_t(bytes[i]);
  EXPECT_EQ(length % 8, 0u) << "the data should start 8-byte aligned";
  ASSERT_EQ(bytes.size(), 8 + length + 16);
  json header = json::parse(bytes.substr(8, length));
  EXPECT_EQ(header["a"]["dtype"], "F32");
  EXPECT_EQ(header["a"]["shape"].dump(), "[3]");
  EXPECT_EQ(header["a"]["data_offsets"].dump(), "[0,12]");
  EXPECT_EQ(header["b"]["data_offsets"].dump(), "[12,16]");
  EXPECT_FALSE(header.contains("__metadata__"));
  EXPECT_EQ(std::memcmp(bytes.data() + 8 + length, a.data(), 12), 0);
}

TEST(Safetensors, ReadsAFileWithNoTensors) {
  TempDir dir;
  writeFile(dir.file("empty.safetensors"), rawFile("{}", ""));
  SafetensorsFile file(dir.file("empty.safetensors"));
  EXPECT_TRUE(file.tensors().empty());
}

TEST(Safetensors, ExpectChecksNameShapeAndDType) {
  TempDir dir;
  std::vector<float> w(20);
  std::string path = dir.file("weights.safetensors");
  saveTensors(path, {{"fc1.weight", DType::F32, {10, 2}, w.data()}});
  SafetensorsFile file(path);
  EXPECT_EQ(file.expect("fc1.weight", DType::F32, {10, 2}).bytes, 80u);
  auto message = [&](const std::string &name, DType type, const Shape &shape) {
    try {
      file.expect(name, type, shape);
    } catch (const Error &error) {
      return std::string(error.what());
    }
    return std::string();
  };
  EXPECT_EQ(message("fc1.weight", DType::F32, {256, 2}),
            path + ": tensor 'fc1.weight' has shape [10, 2] but the model "
                   "expects [256, 2]");
  EXPECT_EQ(message("fc1.weight", DType::BF16, {10, 2}),
            path + ": tensor 'fc1.weight' has dtype F32 but the model expects "
                   "BF16");
  EXPECT_EQ(message("fc2.weight", DType::F32, {3}),
            path + ": tensor 'fc2.weight' is missing (the model expects F32 "
                   "[3])");
}

TEST(Safetensors, RejectsAMissingFile) {
  EXPECT_EQ(openError("/nonexistent/w.safetensors"),
            "/nonexistent/w.safetensors: cannot open: No such file or "
            "directory");
  TempDir dir;
  EXPECT_EQ(openError(dir.path()), dir.path() + ": not a regular file");
}

TEST(Safetensors, RejectsATruncatedFile) {
  TempDir dir;
  writeFile(dir.file("short.safetensors"), std::string("\x10\x00\x00", 3));
  EXPECT_EQ(openError(dir.file("short.safetensors")),
            dir.file("short.safetensors") +
                ": truncated: 3 bytes, less than the 8-byte header length");
  // A good file cut in the middle of its data.
  std::vector<float> w(16);
  std::string path = dir.file("cut.safetensors");
  saveTensors(path, {{"w", DType::F32, {16}, w.data()}});
  std::string bytes = readFile(path);
  writeFile(path, bytes.substr(0, bytes.size() - 10));
  EXPECT_EQ(openError(path), path + ": tensor 'w': data_offsets [0, 64] lie "
                                    "outside the data (54 bytes)");
}

TEST(Safetensors, RejectsAHeaderLengthBeyondTheFile) {
  EXPECT_EQ(errorFor("{}", "", 1000),
            "bad.safetensors: header length 1000 exceeds the file (10 bytes); "
            "the file is truncated or not safetensors");
  EXPECT_EQ(errorFor("{}", "", ~uint64_t(1))
                .find("header length 18446744073709551614 "
                      "exceeds the file"),
            17u);
}

TEST(Safetensors, RejectsBadJSON) {
  EXPECT_EQ(errorFor("{\"w\": ", "")
                .rfind("bad.safetensors: the header is not valid JSON: ", 0),
            0u);
  EXPECT_EQ(errorFor("[1, 2]", ""),
            "bad.safetensors: the header is not a JSON object");
  EXPECT_EQ(errorFor(R"({"w": 3})", ""),
            "bad.safetensors: tensor 'w': the header entry is not a JSON "
            "object");
  EXPECT_EQ(errorFor(R"({"__metadata__": {"step": 3}})", ""),
            "bad.safetensors: __metadata__ 'step' is not a string");
}

TEST(Safetensors, RejectsBadEntries) {
  std::string data(24, '\0');
  EXPECT_EQ(errorFor(R"({"w": {"dtype": "U8", "shape": [24],
                              "data_offsets": [0, 24]}})",
                     data),
            "bad.safetensors: tensor 'w': unsupported dtype 'U8' (supported: "
            "F32, F16, BF16, F64, I32, I64)");
  EXPECT_EQ(errorFor(R"({"w": {"dtype": "F32", "shape": [2, -3],
                              "data_offsets": [0, 24]}})",
                     data),
            "bad.safetensors: tensor 'w': shape [2,-3] is not a list of "
            "non-negative integers");
  EXPECT_EQ(errorFor(R"({"w": {"dtype": "F32", "shape": [2, 3]}})", data),
            "bad.safetensors: tensor 'w': 'data_offsets' is not a pair of "
            "non-negative integers");
  EXPECT_EQ(errorFor(R"({"w": {"dtype": "F32", "shape": [2, 3],
                              "data_offsets": [24, 0]}})",
                     data),
            "bad.safetensors: tensor 'w': data_offsets [24, 0] are reversed");
}

TEST(Safetensors, RejectsOffsetsOutOfRange) {
  EXPECT_EQ(errorFor(R"({"w": {"dtype": "F32", "shape": [2, 3],
                              "data_offsets": [8, 32]}})",
                     std::string(24, '\0')),
            "bad.safetensors: tensor 'w': data_offsets [8, 32] lie outside "
            "the data (24 bytes)");
}

TEST(Safetensors, RejectsOffsetsThatDisagreeWithTheShape) {
  EXPECT_EQ(errorFor(R"({"w": {"dtype": "F32", "shape": [2, 3],
                              "data_offsets": [0, 20]}})",
                     std::string(24, '\0')),
            "bad.safetensors: tensor 'w': data_offsets [0, 20] hold 20 bytes "
            "but F32 [2, 3] needs 24");
  EXPECT_EQ(errorFor(R"({"w": {"dtype": "BF16", "shape": [2, 3],
                              "data_offsets": [0, 24]}})",
                     std::string(24, '\0')),
            "bad.safetensors: tensor 'w': data_offsets [0, 24] hold 24 bytes "
            "but BF16 [2, 3] needs 12");
}

TEST(Safetensors, RejectsOverlappingTensors) {
  EXPECT_EQ(errorFor(R"({"a": {"dtype": "F32", "shape": [4],
                              "data_offsets": [0, 16]},
                        "b": {"dtype": "F32", "shape": [2],
                              "data_offsets": [8, 16]}})",
                     std::string(16, '\0')),
            "bad.safetensors: tensors 'a' and 'b' overlap in the data");
}

TEST(Safetensors, RejectsBadTensorsToWrite) {
  TempDir dir;
  float x = 0;
  auto message = [&](const std::vector<TensorData> &tensors) {
    try {
      saveTensors(dir.file("out.safetensors"), tensors);
    } catch (const Error &error) {
      return std::string(error.what());
    }
    return std::string();
  };
  EXPECT_EQ(message({{"a", DType::F32, {}, &x}, {"a", DType::F32, {}, &x}}),
            dir.file("out.safetensors") + ": tensor 'a' is given twice");
  EXPECT_EQ(message({{"__metadata__", DType::F32, {}, &x}}),
            dir.file("out.safetensors") +
                ": '__metadata__' cannot name a tensor");
  EXPECT_EQ(dir.listing(), "");
}

// A write that fails leaves the earlier file as it was and nothing else.

TEST(SafetensorsAtomicWrite, FailedRenameKeepsTheOldFile) {
  TempDir dir;
  std::filesystem::create_directory(dir.file("taken"));
  float x = 1;
  std::string path = dir.file("taken");
  try {
    saveTensors(path, {{"x", DType::F32, {}, &x}});
    FAIL() << "wrote over a directory";
  } catch (const Error &error) {
    EXPECT_NE(std::string(error.what()).find(": cannot rename "),
              std::string::npos)
        << error.what();
  }
  EXPECT_EQ(dir.listing(), "taken");
}

TEST(SafetensorsAtomicWrite, MissingDirectoryIsAnError) {
  float x = 1;
  try {
    saveTensors("/nonexistent/dir/out.safetensors",
                {{"x", DType::F32, {}, &x}});
    FAIL() << "no error";
  } catch (const Error &error) {
    EXPECT_EQ(std::string(error.what()),
              "/nonexistent/dir/out.safetensors: cannot create "
              "/nonexistent/dir/out.safetensors.tmp." +
                  std::to_string(::getpid()) + ": No such file or directory");
  }
}

// The file size limit makes write() fail with EFBIG halfway through the
// data, as a full disk would. It is set in a child process so that it
// cannot touch the test runner's own files.
TEST(SafetensorsAtomicWrite, WriteFailingHalfwayKeepsTheOldFile) {
  TempDir dir;
  std::string path = dir.file("w.safetensors");
  std::vector<float> old(16, 1.0f), big(1 << 16, 2.0f);
  saveTensors(path, {{"w", DType::F32, {16}, old.data()}});
  std::string before = readFile(path);

  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit;
    ::getrlimit(RLIMIT_FSIZE, &limit);
    limit.rlim_cur = 4096;
    ::setrlimit(RLIMIT_FSIZE, &limit);
    int status = 3;
    try {
      saveTensors(path, {{"w", DType::F32, {1 << 16}, big.data()}});
      status = 1; // The write should have failed.
    } catch (const Error &error) {
      status = std::string(error.what()).find("cannot write: File too large") !=
                       std::string::npos
                   ? 0
                   : 2;
    }
    ::_exit(status);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "1: the write succeeded, 2: another error than EFBIG";
  EXPECT_EQ(readFile(path), before);
  EXPECT_EQ(dir.listing(), "w.safetensors");
  SafetensorsFile file(path); // Still a valid file.
  EXPECT_EQ(file.expect("w", DType::F32, {16}).bytes, 64u);
}

TEST(SafetensorsAtomicWrite, ReadOnlyDirectoryKeepsTheOldFile) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "root writes into read-only directories";
  TempDir dir;
  std::string path = dir.file("w.safetensors");
  float x = 1, y = 2;
  saveTensors(path, {{"x", DType::F32, {}, &x}});
  std::string before = readFile(path);
  std::filesystem::permissions(dir.path(),
                               std::filesystem::perms::owner_read |
                                   std::filesystem::perms::owner_exec);
  EXPECT_THROW(saveTensors(path, {{"y", DType::F32, {}, &y}}), Error);
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all);
  EXPECT_EQ(readFile(path), before);
  EXPECT_EQ(dir.listing(), "w.safetensors");
}
