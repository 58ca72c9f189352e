//===- IdxDatasetTest.cpp - Tests of IDX files and their batches ----------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "TempDir.h"
#include "runtime/Error.h"
#include "runtime/IdxBatchSource.h"
#include "runtime/ModelDescriptor.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>

using namespace dlrt;

namespace {

std::vector<uint8_t> idxBytes(uint8_t dims, std::vector<uint32_t> shape,
                              const std::vector<uint8_t> &data) {
  std::vector<uint8_t> out{0, 0, 0x08, dims};
  for (uint32_t d : shape)
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(uint8_t(d >> shift));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

void writeRaw(const std::string &path, const std::vector<uint8_t> &bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
}

void writeGzip(const std::string &path, const std::vector<uint8_t> &bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), unsigned(bytes.size()));
  gzclose(f);
}

/// Images of 2x2 pixels valued 10*i + pixel, labels i % 3.
std::vector<uint8_t> images(int count) {
  std::vector<uint8_t> data;
  for (int i = 0; i < count; ++i)
    for (int p = 0; p < 4; ++p)
      data.push_back(uint8_t(10 * i + p));
  return idxBytes(3, {uint32_t(count), 2, 2}, data);
}
std::vector<uint8_t> labels(int count) {
  std::vector<uint8_t> data;
  for (int i = 0; i < count; ++i)
    data.push_back(uint8_t(i % 3));
  return idxBytes(1, {uint32_t(count)}, data);
}

ModelDesc model(int batch, const char *imageDtype = "f32") {
  std::string json = R"({"abi": 1, "model": "m", "batch": )" +
                     std::to_string(batch) + R"(, "arena_bytes": 256,
    "outputs": [], "tensors": [
      {"name": "image", "role": "input", "dtype": ")" +
                     imageDtype + R"(", "shape": [)" + std::to_string(batch) +
                     R"(, 4], "offset": 0, "bytes": )" +
                     std::to_string(batch * 16) + R"(},
      {"name": "label", "role": "input", "dtype": "i32", "shape": [)" +
                     std::to_string(batch) + R"(], "offset": 128, "bytes": )" +
                     std::to_string(batch * 4) + R"(}]})";
  return parseModelDescriptor(json);
}

std::string errorOf(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const Error &e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST(Idx, ReadsGzipAndRawFiles) {
  TempDir dir;
  writeGzip(dir.file("images.gz"), images(5));
  writeRaw(dir.file("images"), images(5));
  for (const char *name : {"images.gz", "images"}) {
    IdxArray a = readIdx(dir.file(name));
    EXPECT_EQ(a.count, 5);
    EXPECT_EQ(a.itemShape, (std::vector<int64_t>{2, 2}));
    ASSERT_EQ(a.data.size(), 20u);
    EXPECT_EQ(a.data[4 * 3 + 2], 32);
  }
}

TEST(Idx, RejectsAWrongMagicNumber) {
  TempDir dir;
  std::vector<uint8_t> bytes = images(2);
  bytes[2] = 0x0D; // float data
  writeRaw(dir.file("bad"), bytes);
  EXPECT_NE(errorOf([&] {
              readIdx(dir.file("bad"));
            }).find("not an IDX file of unsigned bytes"),
            std::string::npos);
}

TEST(Idx, RejectsATruncatedGzip) {
  TempDir dir;
  writeGzip(dir.file("full.gz"), images(50));
  std::ifstream in(dir.file("full.gz"), std::ios::binary);
  std::vector<char> gz((std::istreambuf_iterator<char>(in)), {});
  gz.resize(gz.size() / 2);
  std::ofstream(dir.file("half.gz"), std::ios::binary)
      .write(gz.data(), gz.size());
  std::string error = errorOf([&] { readIdx(dir.file("half.gz")); });
  EXPECT_NE(error.find("half.gz"), std::string::npos) << error;
  EXPECT_TRUE(error.find("ends before") != std::string::npos ||
              error.find("corrupt or truncated") != std::string::npos)
      << error;
}

TEST(Idx, RejectsTrailingBytesAndMissingFiles) {
  TempDir dir;
  std::vector<uint8_t> bytes = labels(3);
  bytes.push_back(7);
  writeRaw(dir.file("long"), bytes);
  EXPECT_NE(errorOf([&] { readIdx(dir.file("long")); }).find("has bytes after"),
            std::string::npos);
  EXPECT_NE(
      errorOf([&] { readIdx(dir.file("none")); }).find("cannot open the file"),
      std::string::npos);
}

TEST(Idx, DatasetNeedsAsManyLabelsAsImages) {
  TempDir dir;
  writeRaw(dir.file("i"), images(4));
  writeRaw(dir.file("l"), labels(3));
  EXPECT_NE(errorOf([&] {
              loadIdxDataset(dir.file("i"), dir.file("l"), {});
            }).find("holds 4 images but"),
            std::string::npos);
}

TEST(IdxBatchSource, FillsNormalizedBatchesInFileOrderForEvaluation) {
  TempDir dir;
  writeGzip(dir.file("i.gz"), images(5));
  writeGzip(dir.file("l.gz"), labels(5));
  ModelDesc desc = model(2);
  IdxBatchSource source(desc, loadIdxDataset(dir.file("i.gz"), dir.file("l.gz"),
                                             {0.5, 1.0, 2.0}));
  EXPECT_EQ(source.skipped(BatchOrder::Evaluation), 1);
  // The partial last batch is left out.
  EXPECT_EQ(source.batchesPerEpoch(BatchOrder::Evaluation), 2);
  alignas(64) uint8_t arena[256] = {};
  source.fill(BatchOrder::Evaluation, 0, 0, 1, // examples 2 and 3
              BatchView::inArena(desc, arena));
  float pixels[8];
  int32_t classes[2];
  std::memcpy(pixels, arena, sizeof pixels);
  std::memcpy(classes, arena + 128, sizeof classes);
  // (value * 0.5 - 1) / 2 for value 20 + p, then 30 + p.
  EXPECT_FLOAT_EQ(pixels[0], (20 * 0.5 - 1) / 2);
  EXPECT_FLOAT_EQ(pixels[7], (33 * 0.5 - 1) / 2);
  EXPECT_EQ(classes[0], 2);
  EXPECT_EQ(classes[1], 0);
}

TEST(IdxBatchSource, ShufflesEachEpochForTraining) {
  TempDir dir;
  writeRaw(dir.file("i"), images(7));
  writeRaw(dir.file("l"), labels(7));
  ModelDesc desc = model(2);
  IdxBatchSource source(desc, loadIdxDataset(dir.file("i"), dir.file("l"), {}));
  ASSERT_EQ(source.batchesPerEpoch(BatchOrder::Training), 3);
  alignas(64) uint8_t arena[256] = {};
  // The examples of an epoch, by their first pixel / 10.
  auto epoch = [&](uint64_t seed, int64_t e) {
    std::vector<int> order;
    for (int64_t b = 0; b < 3; ++b) {
      source.fill(BatchOrder::Training, seed, e, b,
                  BatchView::inArena(desc, arena));
      float pixels[8];
      int32_t classes[2];
      std::memcpy(pixels, arena, sizeof pixels);
      std::memcpy(classes, arena + 128, sizeof classes);
      for (int row = 0; row < 2; ++row) {
        int example = int(pixels[4 * row]) / 10;
        EXPECT_EQ(classes[row], example % 3); // Labels follow their images.
        order.push_back(example);
      }
    }
    return order;
  };
  std::vector<int> first = epoch(5, 0);
  std::vector<int> sorted = first;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_TRUE(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end())
      << "an example twice in one epoch";
  EXPECT_EQ(epoch(5, 0), first); // The same seed and epoch: the same order.
  EXPECT_NE(epoch(5, 1), first); // Another epoch: another order.
  EXPECT_NE(epoch(6, 0), first); // Another seed: another order.
}

TEST(IdxBatchSource, ChecksTheModelInputs) {
  TempDir dir;
  writeRaw(dir.file("i"), images(5));
  writeRaw(dir.file("l"), labels(5));
  IdxDataset data = loadIdxDataset(dir.file("i"), dir.file("l"), {});
  // Two integer inputs: no float input for the images.
  EXPECT_NE(
      errorOf([&] { IdxBatchSource(model(2, "i32"), data); }).find("has more"),
      std::string::npos);
  EXPECT_NE(errorOf([&] {
              IdxBatchSource(model(8), data);
            }).find("fewer than one batch of 8"),
            std::string::npos);
}
