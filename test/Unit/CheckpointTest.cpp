//===- CheckpointTest.cpp - Tests of training checkpoints -----------------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "TempDir.h"

#include "runtime/Checkpoint.h"
#include "runtime/Error.h"
#include "runtime/Safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>

using namespace dlrt;

namespace {

const char kModel[] = R"({
  "abi": 1, "model": "m", "batch": 2, "arena_bytes": 320,
  "outputs": ["loss"],
  "tensors": [
    {"name": "w", "role": "param", "dtype": "f32", "shape": [2],
     "offset": 0, "bytes": 8, "init": {"kind": "constant", "a": 0}},
    {"name": "running", "role": "buffer", "dtype": "f64", "shape": [],
     "offset": 64, "bytes": 8, "init": {"kind": "constant", "a": 0}},
    {"name": "w.exp_avg", "role": "state", "dtype": "f32", "shape": [2],
     "offset": 128, "bytes": 8},
    {"name": "x", "role": "input", "dtype": "f32", "shape": [2],
     "offset": 192, "bytes": 8},
    {"name": "loss", "role": "output", "dtype": "f32", "shape": [],
     "offset": 256, "bytes": 4}
  ]
})";

std::string errorOf(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const Error &e) {
    return e.what();
  }
  return "no error";
}

struct Filled {
  alignas(64) uint8_t arena[320] = {};
  Filled() {
    float w[2] = {1.5f, -2}, m[2] = {0.25f, 0.5f};
    double running = 3.25;
    std::memcpy(arena, w, 8);
    std::memcpy(arena + 64, &running, 8);
    std::memcpy(arena + 128, m, 8);
  }
};

TrainProgress someProgress() {
  TrainProgress p;
  p.step = 7;
  p.seed = 18446744073709551615ull;
  p.batchesPerEpoch = 3;
  p.windowSteps = 2;
  p.windowSums = {{"loss", 0.1 + 0.2}, {"grad_norm", 1e-300}};
  p.trainCurve = {{5, 2.5}, {7, 1.0 / 3}};
  p.evalCurve = {{6, 2.0}};
  return p;
}

} // namespace

TEST(Checkpoint, RoundTrip) {
  TempDir dir;
  ModelDesc model = parseModelDescriptor(kModel);
  Filled source;
  saveCheckpoint(dir.file("c"), model, source.arena, someProgress());

  SafetensorsFile file(dir.file("c"));
  ASSERT_EQ(file.tensors().size(), 3u);
  EXPECT_NE(file.find("w"), nullptr);
  EXPECT_NE(file.find("running"), nullptr);
  EXPECT_NE(file.find("optimizer.w.exp_avg"), nullptr);
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_EQ(file.metadata().at("step"), "7");
  EXPECT_EQ(file.metadata().at("epoch"), "2");
  EXPECT_EQ(file.metadata().at("batch_index"), "1");

  alignas(64) uint8_t arena[320] = {};
  TrainProgress p = loadCheckpoint(dir.file("c"), model, arena);
  EXPECT_EQ(std::memcmp(arena, source.arena, 192), 0);
  EXPECT_EQ(p.step, 7);
  EXPECT_EQ(p.seed, 18446744073709551615ull);
  EXPECT_EQ(p.batchesPerEpoch, 3);
  EXPECT_EQ(p.nextEpoch(), 2);
  EXPECT_EQ(p.nextIndex(), 1);
  EXPECT_EQ(p.windowSteps, 2);
  EXPECT_EQ(p.windowSums, someProgress().windowSums); // Exact doubles.
  EXPECT_EQ(p.trainCurve, someProgress().trainCurve);
  EXPECT_EQ(p.evalCurve, someProgress().evalCurve);
}

TEST(Checkpoint, RefusesOtherFiles) {
  TempDir dir;
  ModelDesc model = parseModelDescriptor(kModel);
  Filled source;
  alignas(64) uint8_t arena[320] = {};

  // Weights alone (what --save-params writes) are not a checkpoint.
  float w[2] = {};
  double running = 0;
  saveTensors(
      dir.file("weights"),
      {{"w", DType::F32, {2}, w}, {"running", DType::F64, {}, &running}},
      {{"format", "pt"}, {"model", "m"}});
  EXPECT_EQ(errorOf([&] { loadCheckpoint(dir.file("weights"), model, arena); }),
            dir.file("weights") +
                ": not a training checkpoint (no 'dlcc_checkpoint' in its "
                "metadata; to start from its weights, use --init)");

  ModelDesc other = parseModelDescriptor(std::string(kModel).replace(
      std::string(kModel).find("\"m\""), 3, "\"other\""));
  saveCheckpoint(dir.file("other"), other, source.arena, someProgress());
  EXPECT_EQ(errorOf([&] { loadCheckpoint(dir.file("other"), model, arena); }),
            dir.file("other") + ": a checkpoint of the model 'other', not of "
                                "'m'");

  // A checkpoint without its optimizer state.
  std::string good = dir.file("good");
  saveCheckpoint(good, model, source.arena, someProgress());
  SafetensorsFile file(good);
  std::vector<TensorData> partial;
  for (const SafetensorsEntry &entry : file.tensors())
    if (entry.name != "optimizer.w.exp_avg")
      partial.push_back({entry.name, entry.dtype, entry.shape, entry.data});
  saveTensors(dir.file("partial"), partial, file.metadata());
  EXPECT_EQ(errorOf([&] { loadCheckpoint(dir.file("partial"), model, arena); }),
            dir.file("partial") + ": tensor 'optimizer.w.exp_avg' is missing "
                                  "(the model expects F32 [2])");

  // Metadata that does not add up.
  std::map<std::string, std::string> metadata = file.metadata();
  metadata["batch_index"] = "2";
  std::vector<TensorData> all;
  for (const SafetensorsEntry &entry : file.tensors())
    all.push_back({entry.name, entry.dtype, entry.shape, entry.data});
  saveTensors(dir.file("inconsistent"), all, metadata);
  EXPECT_EQ(
      errorOf([&] { loadCheckpoint(dir.file("inconsistent"), model, arena); }),
      dir.file("inconsistent") + ": corrupt checkpoint: step 7 is not epoch "
                                 "2, batch 2 of 3");
  metadata = file.metadata();
  metadata["step"] = "seven";
  saveTensors(dir.file("word"), all, metadata);
  EXPECT_EQ(errorOf([&] { loadCheckpoint(dir.file("word"), model, arena); }),
            dir.file("word") + ": corrupt checkpoint: metadata 'step' is "
                               "'seven', not a count");

  // Nothing was copied by the failed loads.
  uint8_t zero[320] = {};
  EXPECT_EQ(std::memcmp(arena, zero, sizeof zero), 0);

  // A truncated file.
  std::string bytes = readFile(good);
  writeFile(dir.file("cut"), bytes.substr(0, bytes.size() - 4));
  EXPECT_NE(errorOf([&] {
              loadCheckpoint(dir.file("cut"), model, arena);
            }).find("lie outside the data"),
            std::string::npos);
}
