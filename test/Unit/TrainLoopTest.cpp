//===- TrainLoopTest.cpp - Tests of the training loop, in process ---------===//
//
// Part of dlcc. runProgram trains a probe model defined here whose step
// copies every hyper tensor it receives into an output, so that the tests
// see exactly what the runtime wrote before each step.
//
//===----------------------------------------------------------------------===//

#include "TempDir.h"

#include "runtime/Driver.h"
#include "runtime/Safetensors.h"
#include "runtime/Schedule.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <stdexcept>

using namespace dlrt;
using nlohmann::json;

namespace {

// loss = w * mean(x); the step subtracts lr * jump from w, adds 1 to its
// state, and writes the hypers it read to the outputs seen_*.
const char kProbe[] = R"({
  "abi": 1, "model": "probe", "batch": 2, "arena_bytes": 1280,
  "outputs": ["loss", "seen_step", "seen_seed", "seen_lr", "seen_wd",
              "seen_beta2", "seen_clip"],
  "tensors": [
    {"name": "w", "role": "param", "dtype": "f32", "shape": [],
     "offset": 0, "bytes": 4, "init": {"kind": "constant", "a": 1}},
    {"name": "w.exp_avg", "role": "state", "dtype": "f32", "shape": [],
     "offset": 64, "bytes": 4},
    {"name": "x", "role": "input", "dtype": "f32", "shape": [2],
     "offset": 128, "bytes": 8},
    {"name": "loss", "role": "output", "dtype": "f32", "shape": [],
     "offset": 192, "bytes": 4},
    {"name": "seen_step", "role": "output", "dtype": "i64", "shape": [],
     "offset": 256, "bytes": 8},
    {"name": "seen_seed", "role": "output", "dtype": "i64", "shape": [],
     "offset": 320, "bytes": 8},
    {"name": "seen_lr", "role": "output", "dtype": "f32", "shape": [],
     "offset": 384, "bytes": 4},
    {"name": "seen_wd", "role": "output", "dtype": "f32", "shape": [],
     "offset": 448, "bytes": 4},
    {"name": "seen_beta2", "role": "output", "dtype": "f32", "shape": [],
     "offset": 512, "bytes": 4},
    {"name": "seen_clip", "role": "output", "dtype": "f32", "shape": [],
     "offset": 576, "bytes": 4},
    {"name": "step", "role": "hyper", "dtype": "i64", "shape": [],
     "offset": 640, "bytes": 8},
    {"name": "seed", "role": "hyper", "dtype": "i64", "shape": [],
     "offset": 704, "bytes": 8},
    {"name": "lr", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 768, "bytes": 4},
    {"name": "weight_decay", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 832, "bytes": 4},
    {"name": "beta2", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 896, "bytes": 4},
    {"name": "max_grad_norm", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 960, "bytes": 4},
    {"name": "grad_norm", "role": "stat", "dtype": "f32", "shape": [],
     "offset": 1024, "bytes": 4}
  ],
  "train": {"batch": 2, "steps": 6, "log_every": 1, "clip": 2.0,
            "optimizer": {"name": "adamw", "lr": 0.5, "betas": [0.9, 0.95],
                          "eps": 1e-08, "weight_decay": 0.1},
            "schedule": {"name": "linear", "warmup": 2}}
})";

float jump = 1.0f;        // What a step multiplies lr by before subtracting it.
bool onDevice = false;    // Steps run on a MirrorDevice.
int64_t failAtStep = 0;   // A step that throws, as if the process died there.
bool poisonState = false; // Steps write a NaN into the optimizer state.

template <typename T> T &at(uint8_t *arena, size_t offset) {
  return *reinterpret_cast<T *>(arena + offset);
}

void probeEval(uint8_t *arena) {
  at<float>(arena, 192) =
      at<float>(arena, 0) * (at<float>(arena, 128) + at<float>(arena, 132)) / 2;
}

void probeTrain(uint8_t *arena) {
  if (at<int64_t>(arena, 640) == failAtStep)
    throw std::runtime_error("interrupted");
  probeEval(arena);
  at<int64_t>(arena, 256) = at<int64_t>(arena, 640);
  at<int64_t>(arena, 320) = at<int64_t>(arena, 704);
  at<float>(arena, 384) = at<float>(arena, 768);
  at<float>(arena, 448) = at<float>(arena, 832);
  at<float>(arena, 512) = at<float>(arena, 896);
  at<float>(arena, 576) = at<float>(arena, 960);
  at<float>(arena, 1024) = 0.5f * float(at<int64_t>(arena, 640));
  at<float>(arena, 0) -= at<float>(arena, 768) * jump;
  at<float>(arena, 64) += poisonState ? NAN : 1.0f;
}

/// A device whose memory is a host buffer of its own: the runtime sees
/// only what it copies back, as with a GPU.
class MirrorDevice final : public Device {
public:
  std::string describe() const override { return "a mirror device"; }
  void allocateArena(size_t bytes) override { memory.assign(bytes, 0); }
  void copyToDevice(size_t offset, const uint8_t *from,
                    size_t bytes) override {
    ASSERT_LE(offset + bytes, memory.size());
    std::memcpy(memory.data() + offset, from, bytes);
  }
  void copyToHost(uint8_t *to, size_t offset, size_t bytes) override {
    ASSERT_LE(offset + bytes, memory.size());
    std::memcpy(to, memory.data() + offset, bytes);
  }
  void run(StepFunction step) override { step(memory.data()); }
  size_t bytesInUse() const override { return memory.size(); }

private:
  std::vector<uint8_t> memory;
};

std::unique_ptr<Device> openMirror() {
  return std::make_unique<MirrorDevice>();
}

struct RunResult {
  int status;
  std::string out, err;
};

RunResult train(const TempDir &dir, std::vector<std::string> args) {
  float x[2] = {1, 3};
  saveTensors(dir.file("batch"), {{"x", DType::F32, {2}, x}});
  args.insert(args.begin(), {"/bin/probe", "--data", dir.file("batch"),
                             "--checkpoint", dir.file("probe.ckpt")});
  std::vector<const char *> argv;
  for (const std::string &arg : args)
    argv.push_back(arg.c_str());
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  int status =
      runProgram(int(argv.size()), argv.data(),
                 {kProbe, probeEval, nullptr, probeTrain,
                  onDevice ? openMirror : nullptr});
  std::string out = testing::internal::GetCapturedStdout();
  return {status, out, testing::internal::GetCapturedStderr()};
}

std::vector<json> readLog(const std::string &path) {
  std::vector<json> records;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    records.push_back(json::parse(line));
  return records;
}

} // namespace

TEST(TrainLoop, WritesTheHyperTensorsBeforeEachStep) {
  TempDir dir;
  jump = 1;
  RunResult r = train(dir, {"--seed=18446744073709551615", "--log",
                            dir.file("log.jsonl"), "--optimizer.lr=0.25"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<json> log = readLog(dir.file("log.jsonl"));
  ASSERT_EQ(log.size(), 6u);
  Schedule linear{Schedule::Kind::Linear, 2, 0};
  for (int64_t step = 1; step <= 6; ++step) {
    const json &record = log[size_t(step - 1)];
    EXPECT_EQ(record["event"], "train");
    EXPECT_EQ(record["step"], step);
    EXPECT_EQ(record["epoch"], step); // A batch file is one batch an epoch.
    const json &seen = record["metrics"];
    EXPECT_EQ(seen["seen_step"], double(step));
    EXPECT_EQ(seen["seen_seed"], -1.0); // 2^64 - 1 as an i64.
    float lr = float(scheduledLr(linear, 0.25, step - 1, 6));
    EXPECT_EQ(seen["seen_lr"], double(lr)) << step;
    EXPECT_EQ(record["lr"], double(lr));
    EXPECT_EQ(seen["seen_wd"], double(0.1f));
    EXPECT_EQ(seen["seen_beta2"], double(0.95f));
    EXPECT_EQ(seen["seen_clip"], 2.0);
    EXPECT_EQ(record["grad_norm"], 0.5 * double(step));
    EXPECT_TRUE(record["time"].contains("elapsed_s"));
  }
  // lr of steps 1..6: 0, 0.125, 0.25, 0.1875, 0.125, 0.0625.
  EXPECT_EQ(log[1]["lr"], 0.125);
  EXPECT_EQ(log[3]["lr"], 0.1875);

  // The checkpoint of the end: 6 steps, the param moved by the sum of the
  // rates, the state counted each step.
  SafetensorsFile ckpt(dir.file("probe.ckpt"));
  EXPECT_EQ(ckpt.metadata().at("step"), "6");
  EXPECT_EQ(ckpt.metadata().at("seed"), "18446744073709551615");
  float w, state;
  std::memcpy(&w, ckpt.expect("w", DType::F32, {}).data, 4);
  std::memcpy(&state, ckpt.expect("optimizer.w.exp_avg", DType::F32, {}).data,
              4);
  EXPECT_FLOAT_EQ(w, 1 - 0.75f);
  EXPECT_EQ(state, 6);

  // The plain progress lines.
  EXPECT_NE(r.out.find("step 2/6  epoch 2  loss 2  seen_step 2  seen_seed -1  "
                       "seen_lr 0.125  seen_wd 0.1  seen_beta2 0.95  "
                       "seen_clip 2  lr 0.125  grad_norm 1  ("),
            std::string::npos)
      << r.out;
}

TEST(TrainLoop, LogsTheMeanSinceTheLastLoggedStep) {
  TempDir dir;
  jump = 1;
  RunResult r = train(dir, {"--log_every=4", "--log", dir.file("log.jsonl"),
                            "--schedule=constant", "--steps=6"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<json> log = readLog(dir.file("log.jsonl"));
  ASSERT_EQ(log.size(), 2u); // Steps 4 and 6 (the last).
  EXPECT_EQ(log[0]["metrics"]["seen_step"], 2.5);
  EXPECT_EQ(log[1]["metrics"]["seen_step"], 5.5);
  // w = 1, 0.5, 0, -0.5 over steps 1..4, times mean(x) = 2.
  EXPECT_EQ(log[0]["loss"], 0.5);
}

TEST(TrainLoop, ResumesWhereTheCheckpointStopped) {
  TempDir dir;
  jump = 1;
  std::vector<std::string> common = {"--log_every=4", "--checkpoint_every=3"};
  auto with = [&](std::vector<std::string> more) {
    more.insert(more.begin(), common.begin(), common.end());
    return more;
  };
  RunResult full = train(dir, with({"--log", dir.file("full.jsonl")}));
  ASSERT_EQ(full.status, 0) << full.err;
  std::string fullCheckpoint = readFile(dir.file("probe.ckpt"));

  // Stop in step 5: the checkpoint is of step 3, the log has the line of
  // step 4 (whose mean covers steps 1 to 4).
  failAtStep = 5;
  RunResult broken = train(dir, with({"--log", dir.file("part.jsonl")}));
  failAtStep = 0;
  EXPECT_EQ(broken.status, 1);
  EXPECT_EQ(broken.err, "probe: error: internal error: interrupted\n");
  ASSERT_EQ(readLog(dir.file("part.jsonl")).size(), 1u);
  SafetensorsFile stopped(dir.file("probe.ckpt"));
  EXPECT_EQ(stopped.metadata().at("step"), "3");

  RunResult resumed = train(dir, with({"--log", dir.file("part.jsonl"),
                                       "--resume", dir.file("probe.ckpt")}));
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("resuming from " + dir.file("probe.ckpt") +
                             " after step 3"),
            std::string::npos);
  std::vector<json> a = readLog(dir.file("full.jsonl"));
  std::vector<json> b = readLog(dir.file("part.jsonl"));
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i].erase("time");
    b[i].erase("time");
    EXPECT_EQ(a[i], b[i]);
  }
  EXPECT_EQ(readFile(dir.file("probe.ckpt")), fullCheckpoint);

  // Resuming a finished run trains nothing.
  RunResult again = train(dir, {"--resume", dir.file("probe.ckpt")});
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.out.find("nothing to train: " + dir.file("probe.ckpt") +
                           " is at step 6 of 6"),
            std::string::npos);
  // Another seed than the checkpoint's is a contradiction.
  RunResult seeded =
      train(dir, {"--resume", dir.file("probe.ckpt"), "--seed=4"});
  EXPECT_EQ(seeded.status, 2);
  EXPECT_EQ(seeded.err, "probe: error: --seed=4: " + dir.file("probe.ckpt") +
                            " continues a run with seed 0\n");
}

TEST(TrainLoop, StopsOnANonFiniteLoss) {
  TempDir dir;
  jump = 1e38f;
  RunResult r = train(dir, {"--schedule=constant", "--optimizer.lr=10"});
  jump = 1;
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "probe: error: step 2: the loss is -inf; training stopped; "
                   "the first non-finite tensor is the param 'w'; no "
                   "checkpoint was written\n");
  EXPECT_FALSE(std::ifstream(dir.file("probe.ckpt")).good());
}

TEST(TrainLoop, WritesNoCheckpointWithNaNs) {
  TempDir dir;
  jump = 1;
  poisonState = true;
  RunResult r = train(dir, {"--checkpoint_every=2"});
  poisonState = false;
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "probe: error: step 2: the state 'w.exp_avg' holds a "
                   "non-finite value; training stopped without writing a "
                   "checkpoint\n");
  EXPECT_FALSE(std::ifstream(dir.file("probe.ckpt")).good());
}

TEST(TrainLoop, NeedsData) {
  TempDir dir;
  const char *args[] = {"/bin/probe"};
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  int status = runProgram(1, args, {kProbe, probeEval, nullptr, probeTrain});
  testing::internal::GetCapturedStdout();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(status, 2);
  EXPECT_EQ(err, "probe: error: no training data: the train section of "
                 "'probe' names none; give --data=SOURCE (see --help)\n");
}

// On a device the runtime sees only what it copies: the same run must give
// the same log and the same checkpoint, a resumed run must continue from
// the checkpoint's state, and a non-finite loss must name the tensor.
TEST(TrainLoop, RunsTheSameOnADevice) {
  TempDir dir;
  jump = 1;
  std::vector<std::string> common = {"--checkpoint_every=3",
                                     "--seed=7", "--report-memory"};
  auto with = [&](std::vector<std::string> more) {
    more.insert(more.begin(), common.begin(), common.end());
    return more;
  };
  RunResult host = train(dir, with({"--log", dir.file("host.jsonl")}));
  ASSERT_EQ(host.status, 0) << host.err;
  std::string hostCheckpoint = readFile(dir.file("probe.ckpt"));

  onDevice = true;
  RunResult device = train(dir, with({"--log", dir.file("device.jsonl")}));
  ASSERT_EQ(device.status, 0) << device.err;
  EXPECT_NE(device.out.find("running on a mirror device"), std::string::npos);
  EXPECT_NE(device.out.find("device memory held 1,280 bytes"),
            std::string::npos)
      << device.out;
  EXPECT_EQ(readFile(dir.file("probe.ckpt")), hostCheckpoint);
  std::vector<json> a = readLog(dir.file("host.jsonl"));
  std::vector<json> b = readLog(dir.file("device.jsonl"));
  ASSERT_EQ(a.size(), 6u);
  ASSERT_EQ(b.size(), 6u);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i].erase("time");
    b[i].erase("time");
    EXPECT_EQ(a[i], b[i]);
  }

  // Stopped in step 5 and resumed: the device gets the checkpoint's state.
  failAtStep = 5;
  RunResult broken = train(dir, with({"--log", dir.file("part.jsonl")}));
  failAtStep = 0;
  EXPECT_EQ(broken.status, 1);
  RunResult resumed = train(dir, with({"--log", dir.file("part.jsonl"),
                                       "--resume", dir.file("probe.ckpt")}));
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_EQ(readFile(dir.file("probe.ckpt")), hostCheckpoint);

  jump = 1e38f;
  RunResult diverged =
      train(dir, {"--schedule=constant", "--optimizer.lr=10"});
  jump = 1;
  onDevice = false;
  EXPECT_EQ(diverged.status, 1);
  EXPECT_NE(diverged.err.find("the first non-finite tensor is the param 'w'"),
            std::string::npos)
      << diverged.err;
}
