//===- DataSourcesTest.cpp - Tests of the npy, text and tokens sources ----===//
//
// Part of dlcc. (IDX data has IdxDatasetTest.cpp.)
//
//===----------------------------------------------------------------------===//

#include "TempDir.h"

#include "runtime/BatchPrefetcher.h"
#include "runtime/BatchSource.h"
#include "runtime/Error.h"
#include "runtime/NpyFile.h"
#include "runtime/Safetensors.h"
#include "runtime/Shuffle.h"
#include "runtime/TokenBatchSource.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <numeric>

using namespace dlrt;
using nlohmann::json;

namespace {

std::string errorOf(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const Error &e) {
    return e.what();
  }
  return "no error";
}

/// A .npy file as numpy.save writes it (version 1.0).
std::string npyBytes(const std::string &descr, const std::string &shape,
                     const std::string &data, bool fortran = false) {
  std::string header = "{'descr': '" + descr +
                       "', 'fortran_order': " + (fortran ? "True" : "False") +
                       ", 'shape': " + shape + ", }";
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(1);
  out += char(0);
  out += char(header.size() & 0xff);
  out += char(header.size() >> 8);
  return out + header + data;
}

template <typename T> std::string raw(const std::vector<T> &values) {
  return std::string(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(T));
}

// x: f32 [2, 3], y: i64 [2].
const char kPairModel[] = R"({
  "abi": 1, "model": "pair", "batch": 2, "arena_bytes": 128,
  "outputs": [], "tensors": [
    {"name": "x", "role": "input", "dtype": "f32", "shape": [2, 3],
     "offset": 0, "bytes": 24},
    {"name": "y", "role": "input", "dtype": "i64", "shape": [2],
     "offset": 64, "bytes": 16}]})";

// tokens and targets: i32 [2, 4].
const char kTokenModel[] = R"({
  "abi": 1, "model": "lm", "batch": 2, "arena_bytes": 128,
  "outputs": [], "tensors": [
    {"name": "tokens", "role": "input", "dtype": "i32", "shape": [2, 4],
     "offset": 0, "bytes": 32},
    {"name": "targets", "role": "input", "dtype": "i32", "shape": [2, 4],
     "offset": 64, "bytes": 32}]})";

} // namespace

TEST(Npy, ReadsHeaderAndData) {
  TempDir dir;
  writeFile(dir.file("a.npy"),
            npyBytes("<f4", "(2, 3)", raw<float>({1, 2, 3, 4, 5, 6})));
  NpyArray a = readNpy(dir.file("a.npy"));
  EXPECT_EQ(a.dtype, DType::F32);
  EXPECT_EQ(a.shape, (Shape{2, 3}));
  float last;
  std::memcpy(&last, a.data + 20, 4);
  EXPECT_EQ(last, 6);
  writeFile(dir.file("b.npy"),
            npyBytes("<i8", "(3,)", raw<int64_t>({7, 8, 9})));
  EXPECT_EQ(readNpy(dir.file("b.npy")).shape, (Shape{3}));
}

TEST(Npy, RejectsBadFiles) {
  TempDir dir;
  writeFile(dir.file("magic.npy"), "PK\x03\x04 not numpy at all");
  EXPECT_EQ(errorOf([&] { readNpy(dir.file("magic.npy")); }),
            dir.file("magic.npy") + ": not a .npy file (bad magic number)");
  writeFile(dir.file("u8.npy"), npyBytes("|u1", "(2,)", "ab"));
  EXPECT_EQ(errorOf([&] { readNpy(dir.file("u8.npy")); }),
            dir.file("u8.npy") + ": dtype '|u1' is not supported "
                                 "(little-endian f4, f8, f2, i4 or i8)");
  writeFile(dir.file("big.npy"), npyBytes(">f4", "(1,)", "abcd"));
  EXPECT_NE(errorOf([&] { readNpy(dir.file("big.npy")); }).find("'>f4'"),
            std::string::npos);
  writeFile(dir.file("short.npy"),
            npyBytes("<f4", "(2, 3)", raw<float>({1, 2, 3, 4, 5})));
  EXPECT_EQ(errorOf([&] { readNpy(dir.file("short.npy")); }),
            dir.file("short.npy") + ": holds 20 bytes of data but f32 [2, 3] "
                                    "needs 24 (truncated?)");
  writeFile(dir.file("f.npy"), npyBytes("<f4", "(1,)", "abcd", true));
  EXPECT_NE(errorOf([&] { readNpy(dir.file("f.npy")); }).find("Fortran order"),
            std::string::npos);
  std::string header = npyBytes("<f4", "(1,)", "abcd");
  header.resize(30);
  writeFile(dir.file("cut.npy"), header);
  EXPECT_NE(errorOf([&] { readNpy(dir.file("cut.npy")); }).find("truncated"),
            std::string::npos);
}

TEST(NpyBatchSource, BindsArraysToInputsByName) {
  TempDir dir;
  ModelDesc model = parseModelDescriptor(kPairModel);
  std::vector<float> x(15);
  std::iota(x.begin(), x.end(), 0.0f);
  writeFile(dir.file("x.npy"), npyBytes("<f4", "(5, 3)", raw(x)));
  writeFile(dir.file("y.npy"),
            npyBytes("<i8", "(5,)", raw<int64_t>({0, 10, 20, 30, 40})));
  json spec = {
      {"source", "npy"}, {"x", dir.file("x.npy")}, {"y", dir.file("y.npy")}};
  std::unique_ptr<BatchSource> source = openDataSource(model, spec, "data");
  EXPECT_EQ(source->batchesPerEpoch(BatchOrder::Training), 2);
  EXPECT_EQ(source->skipped(BatchOrder::Training), 1);
  alignas(64) uint8_t arena[128] = {};
  source->fill(BatchOrder::Evaluation, 0, 0, 1,
               BatchView::inArena(model, arena));
  float row[6];
  int64_t labels[2];
  std::memcpy(row, arena, sizeof row);
  std::memcpy(labels, arena + 64, sizeof labels);
  EXPECT_EQ(row[0], 6); // Example 2.
  EXPECT_EQ(row[5], 11);
  EXPECT_EQ(labels[1], 30);

  // Shuffled: rows still belong together.
  for (int64_t b = 0; b < 2; ++b) {
    source->fill(BatchOrder::Training, 3, 1, b,
                 BatchView::inArena(model, arena));
    std::memcpy(row, arena, sizeof row);
    std::memcpy(labels, arena + 64, sizeof labels);
    for (int r = 0; r < 2; ++r)
      EXPECT_EQ(labels[r], int64_t(row[3 * r]) / 3 * 10);
  }
}

TEST(NpyBatchSource, RejectsArraysThatDoNotFit) {
  TempDir dir;
  ModelDesc model = parseModelDescriptor(kPairModel);
  writeFile(dir.file("x.npy"),
            npyBytes("<f4", "(4, 3)", raw(std::vector<float>(12))));
  writeFile(dir.file("x64.npy"),
            npyBytes("<f8", "(4, 3)", raw(std::vector<double>(12))));
  writeFile(dir.file("x4.npy"),
            npyBytes("<f4", "(3, 4)", raw(std::vector<float>(12))));
  writeFile(dir.file("y.npy"),
            npyBytes("<i8", "(4,)", raw(std::vector<int64_t>(4))));
  writeFile(dir.file("y3.npy"),
            npyBytes("<i8", "(3,)", raw(std::vector<int64_t>(3))));
  writeFile(dir.file("y1.npy"),
            npyBytes("<i8", "(1,)", raw(std::vector<int64_t>(1))));
  writeFile(dir.file("x1.npy"),
            npyBytes("<f4", "(1, 3)", raw(std::vector<float>(3))));
  auto open = [&](std::string x, std::string y) {
    json spec = {{"source", "npy"}, {"x", dir.file(x)}};
    if (!y.empty())
      spec["y"] = dir.file(y);
    return errorOf([&] { openDataSource(model, spec, "data"); });
  };
  EXPECT_EQ(open("x64.npy", "y.npy"),
            dir.file("x64.npy") + ": dtype f64 but the input 'x' is f32");
  EXPECT_EQ(open("x4.npy", "y.npy"),
            dir.file("x4.npy") + ": shape [3, 4] does not hold examples of the "
                                 "input 'x' [2, 3]: expected [N, 3]");
  EXPECT_EQ(open("x.npy", "y3.npy"), dir.file("y3.npy") +
                                         " holds 3 examples but " +
                                         dir.file("x.npy") + " holds 4");
  EXPECT_EQ(open("x.npy", ""),
            "npy data: no file for the input 'y' of the model 'pair' (give "
            "npy(y = \"file.npy\", ...))");
  EXPECT_EQ(open("x1.npy", "y1.npy"),
            dir.file("y1.npy") + ": holds 1 examples, fewer than one batch "
                                 "of 2");
  json extra = {{"source", "npy"},
                {"x", dir.file("x.npy")},
                {"y", dir.file("y.npy")},
                {"z", "z.npy"}};
  EXPECT_EQ(errorOf([&] { openDataSource(model, extra, "data"); }),
            "npy data: 'z' (z.npy) is not an input of the model 'pair'");
}

TEST(Text, MapsBytesToTheByteLevelVocabulary) {
  EXPECT_EQ(textTokenId('\n'), 0);
  EXPECT_EQ(textTokenId(' '), 1);
  EXPECT_EQ(textTokenId('\t'), 1);
  EXPECT_EQ(textTokenId('A'), 'A' - 31);
  EXPECT_EQ(textTokenId('~'), 95);
  EXPECT_EQ(textTokenId('\r'), -1);
  EXPECT_EQ(textTokenId(0xc3), -1);

  TempDir dir;
  writeFile(dir.file("t.txt"), "ab\r\n\xc3\xa9z");
  TokenCorpus corpus = readTextCorpus(dir.file("t.txt"));
  EXPECT_EQ(corpus.count, 4);
  EXPECT_EQ(corpus.dropped, 3);
  EXPECT_EQ(corpus.at(0), uint32_t('a' - 31));
  EXPECT_EQ(corpus.at(2), 0u);
  EXPECT_EQ(corpus.at(3), uint32_t('z' - 31));
}

TEST(TokenBatchSource, WindowsAndNextTokenTargets) {
  TempDir dir;
  ModelDesc model = parseModelDescriptor(kTokenModel);
  std::vector<uint16_t> ids(40);
  std::iota(ids.begin(), ids.end(), uint16_t(1000));
  writeFile(dir.file("t.u16"), raw(ids));
  json spec = {{"source", "tokens"},
               {"path", dir.file("t.u16")},
               {"context", 4},
               {"dtype", "u16"}};
  std::unique_ptr<BatchSource> source = openDataSource(model, spec, "data");
  EXPECT_EQ(source->batchesPerEpoch(BatchOrder::Training), 4); // 39 / 8
  EXPECT_EQ(source->batchesPerEpoch(BatchOrder::Evaluation), 4);
  EXPECT_EQ(source->tokensPerExample(), 4);
  alignas(64) uint8_t arena[128] = {};
  int32_t tokens[8], targets[8];
  source->fill(BatchOrder::Evaluation, 0, 0, 1,
               BatchView::inArena(model, arena));
  std::memcpy(tokens, arena, sizeof tokens);
  std::memcpy(targets, arena + 64, sizeof targets);
  // Windows 2 and 3: tokens 8..11 and 12..15.
  EXPECT_EQ(tokens[0], 1008);
  EXPECT_EQ(tokens[7], 1015);
  EXPECT_EQ(targets[7], 1016);

  // Random windows: the same batch for the same (seed, epoch, index), and
  // targets always the tokens shifted by one.
  std::vector<int32_t> first;
  for (int round = 0; round < 2; ++round) {
    source->fill(BatchOrder::Training, 9, 2, 3,
                 BatchView::inArena(model, arena));
    std::memcpy(tokens, arena, sizeof tokens);
    std::memcpy(targets, arena + 64, sizeof targets);
    for (int i = 0; i < 8; ++i) {
      EXPECT_EQ(targets[i], tokens[i] + 1);
      EXPECT_GE(tokens[i], 1000);
      EXPECT_LE(targets[i], 1039);
    }
    if (round == 0)
      first.assign(tokens, tokens + 8);
    else
      EXPECT_EQ(std::vector<int32_t>(tokens, tokens + 8), first);
  }
}

TEST(TokenBatchSource, U32Tokens) {
  TempDir dir;
  ModelDesc model = parseModelDescriptor(kTokenModel);
  std::vector<uint32_t> ids(9);
  std::iota(ids.begin(), ids.end(), 70000u);
  writeFile(dir.file("t.u32"), raw(ids));
  json spec = {{"source", "tokens"},
               {"path", dir.file("t.u32")},
               {"context", 4},
               {"dtype", "u32"}};
  std::unique_ptr<BatchSource> source = openDataSource(model, spec, "data");
  alignas(64) uint8_t arena[128] = {};
  source->fill(BatchOrder::Evaluation, 0, 0, 0,
               BatchView::inArena(model, arena));
  int32_t targets[8];
  std::memcpy(targets, arena + 64, sizeof targets);
  EXPECT_EQ(targets[7], 70008);
}

TEST(TokenBatchSource, RejectsDataThatDoesNotFit) {
  TempDir dir;
  ModelDesc model = parseModelDescriptor(kTokenModel);
  writeFile(dir.file("odd.u16"), "abc");
  writeFile(dir.file("short.u16"), std::string(16, 'a'));
  writeFile(dir.file("t.txt"), std::string(100, 'a'));
  auto open = [&](json spec) {
    return errorOf([&] { openDataSource(model, spec, "data"); });
  };
  EXPECT_EQ(open({{"source", "tokens"},
                  {"path", dir.file("odd.u16")},
                  {"context", 4}}),
            dir.file("odd.u16") + ": 3 bytes are not a whole number of u16 "
                                  "tokens (2 bytes each)");
  EXPECT_EQ(open({{"source", "tokens"},
                  {"path", dir.file("short.u16")},
                  {"context", 4}}),
            dir.file("short.u16") + ": holds 8 tokens, fewer than one batch "
                                    "needs (2 x 4 and one more)");
  EXPECT_EQ(
      open({{"source", "text"}, {"path", dir.file("t.txt")}, {"context", 8}}),
      dir.file("t.txt") + ": the context of the data, 8, is not the "
                          "model's: the input 'tokens' has shape [2, 4]");
  EXPECT_EQ(open({{"source", "text"}, {"path", dir.file("t.txt")}}),
            "data text(...): 'context' is missing or not an integer >= 1");
  EXPECT_EQ(open({{"source", "csv"}}),
            "data: unknown data source 'csv' (expected idx, text, tokens or "
            "npy)");
  ModelDesc pair = parseModelDescriptor(kPairModel);
  EXPECT_EQ(errorOf([&] {
              openDataSource(pair,
                             {{"source", "text"},
                              {"path", dir.file("t.txt")},
                              {"context", 4}},
                             "data");
            }),
            "text data feeds two integer inputs of shape [B, context] (the "
            "tokens and the next-token targets), but the model 'pair' has "
            "other inputs");
}

TEST(Shuffle, PermutationsAreReproducibleAndComplete) {
  std::vector<int64_t> a = epochPermutation(1, 0, 1000);
  EXPECT_EQ(a, epochPermutation(1, 0, 1000));
  EXPECT_NE(a, epochPermutation(1, 1, 1000));
  EXPECT_NE(a, epochPermutation(2, 0, 1000));
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i)
    EXPECT_EQ(sorted[size_t(i)], i);
  // Fixed values: the order must not change between versions, or resumed
  // runs would see other data.
  EXPECT_EQ(epochPermutation(0, 0, 6),
            (std::vector<int64_t>{1, 0, 4, 2, 5, 3}));
  EXPECT_EQ(epochPermutation(42, 3, 8),
            (std::vector<int64_t>{2, 7, 1, 5, 3, 4, 0, 6}));
  EXPECT_EQ(randomBits(1, RandomStream::TextWindows, 2, 3),
            13861329990936490393ull);
  EXPECT_EQ(randomBelow(~uint64_t(0), 10), 9u);
  EXPECT_EQ(randomBelow(0, 10), 0u);
}

TEST(BatchPrefetcher, DeliversTheBatchAskedFor) {
  TempDir dir;
  ModelDesc model = parseModelDescriptor(kTokenModel);
  std::vector<uint16_t> ids(400);
  std::iota(ids.begin(), ids.end(), uint16_t(0));
  writeFile(dir.file("t.u16"), raw(ids));
  std::unique_ptr<BatchSource> source = openDataSource(
      model,
      {{"source", "tokens"}, {"path", dir.file("t.u16")}, {"context", 4}},
      "data");
  alignas(64) uint8_t direct[128] = {}, prefetched[128] = {};
  BatchPrefetcher prefetcher(model, *source, 11);
  for (int64_t index = 0; index < 20; ++index) {
    prefetcher.request(index / 7, index % 7);
    prefetcher.deliver(prefetched);
    source->fill(BatchOrder::Training, 11, index / 7, index % 7,
                 BatchView::inArena(model, direct));
    EXPECT_EQ(std::memcmp(direct, prefetched, sizeof direct), 0) << index;
  }
}

TEST(BatchFile, IsOneBatchPerEpoch) {
  TempDir dir;
  ModelDesc model = parseModelDescriptor(kPairModel);
  float x[6] = {1, 2, 3, 4, 5, 6};
  int64_t y[2] = {7, 8};
  saveTensors(dir.file("b"),
              {{"x", DType::F32, {2, 3}, x}, {"y", DType::I64, {2}, y}});
  std::unique_ptr<BatchSource> source =
      openDataSource(model, dir.file("b"), "data");
  EXPECT_EQ(source->batchesPerEpoch(BatchOrder::Training), 1);
  alignas(64) uint8_t arena[128] = {};
  // Every epoch and seed gives the same batch.
  source->fill(BatchOrder::Training, 5, 3, 0, BatchView::inArena(model, arena));
  EXPECT_EQ(std::memcmp(arena, x, sizeof x), 0);
  EXPECT_EQ(std::memcmp(arena + 64, y, sizeof y), 0);
  EXPECT_EQ(
      errorOf([&] { openDataSource(model, "missing.safetensors", "data"); }),
      "missing.safetensors: cannot open: No such file or directory");
}
