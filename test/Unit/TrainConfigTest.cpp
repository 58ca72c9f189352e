//===- TrainConfigTest.cpp - Tests of the train options and overrides -----===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "runtime/TrainConfig.h"
#include "runtime/Error.h"
#include "runtime/TrainFunctions.h"

#include <gtest/gtest.h>

using namespace dlrt;
using nlohmann::json;

namespace {

// An AdamW model whose step reads lr, the betas, eps, weight decay and the
// clip bound.
const char kAdamW[] = R"({
  "abi": 1, "model": "m", "batch": 2, "arena_bytes": 768,
  "outputs": ["loss"],
  "tensors": [
    {"name": "w", "role": "param", "dtype": "f32", "shape": [2],
     "offset": 0, "bytes": 8, "init": {"kind": "constant", "a": 0}},
    {"name": "x", "role": "input", "dtype": "f32", "shape": [2, 2],
     "offset": 64, "bytes": 16},
    {"name": "loss", "role": "output", "dtype": "f32", "shape": [],
     "offset": 128, "bytes": 4},
    {"name": "lr", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 192, "bytes": 4},
    {"name": "beta1", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 256, "bytes": 4},
    {"name": "beta2", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 320, "bytes": 4},
    {"name": "eps", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 384, "bytes": 4},
    {"name": "weight_decay", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 448, "bytes": 4},
    {"name": "max_grad_norm", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 512, "bytes": 4}
  ],
  "train": {"batch": 2, "epochs": 2, "clip": 1.0,
            "data": {"source": "text", "path": "a.txt", "context": 2},
            "optimizer": {"name": "adamw", "lr": 0.001, "betas": [0.9, 0.999],
                          "eps": 1e-08, "weight_decay": 0.01}}
})";

// A plain SGD model whose step reads no hyper at all and does not clip.
const char kFixed[] = R"({
  "abi": 1, "model": "fixed", "batch": 2, "arena_bytes": 192,
  "outputs": ["loss"],
  "tensors": [
    {"name": "w", "role": "param", "dtype": "f32", "shape": [2],
     "offset": 0, "bytes": 8, "init": {"kind": "constant", "a": 0}},
    {"name": "x", "role": "input", "dtype": "f32", "shape": [2, 2],
     "offset": 64, "bytes": 16},
    {"name": "loss", "role": "output", "dtype": "f32", "shape": [],
     "offset": 128, "bytes": 4}
  ],
  "train": {"batch": 2, "steps": 7, "precision": "f32",
            "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.0,
                          "nesterov": false, "weight_decay": 0.0}}
})";

std::string
overrideError(const ModelDesc &model,
              std::vector<std::pair<std::string, std::string>> overrides) {
  TrainConfig config(model);
  try {
    for (const auto &[name, value] : overrides)
      config.override(name, value);
  } catch (const UsageError &error) {
    return error.what();
  }
  return "";
}

} // namespace

TEST(TrainConfig, SettingsOfTheSection) {
  ModelDesc model = parseModelDescriptor(kAdamW);
  TrainSettings s = TrainConfig(model).settings();
  EXPECT_EQ(s.batch, 2);
  EXPECT_FALSE(s.steps);
  EXPECT_EQ(s.epochs, 2);
  EXPECT_EQ(s.seed, 0u);
  EXPECT_EQ(s.logEvery, 10);
  EXPECT_EQ(s.evalEvery, 0);
  EXPECT_EQ(s.checkpointEvery, 0);
  EXPECT_EQ(s.data["source"], "text");
  EXPECT_TRUE(s.eval.is_null());
  EXPECT_EQ(s.schedule.kind, Schedule::Kind::Constant);
  EXPECT_EQ(s.clip, 1.0);
  OptimizerHypers h = TrainConfig(model).hypers();
  EXPECT_EQ(h.lr, 0.001);
  EXPECT_EQ(h.beta2, 0.999);
  EXPECT_EQ(h.weightDecay, 0.01);
  EXPECT_EQ(h.maxGradNorm, 1.0);
}

TEST(TrainConfig, StepsAndEpochs) {
  ModelDesc model = parseModelDescriptor(kAdamW);
  TrainConfig config(model);
  config.override("steps", "30");
  EXPECT_EQ(config.settings().steps, 30);
  EXPECT_FALSE(config.options().contains("epochs"));
  EXPECT_EQ(overrideError(model, {{"steps", "3"}, {"epochs", "2"}}),
            "--steps and --epochs exclude each other");
  EXPECT_EQ(overrideError(model, {{"epochs", "0"}}),
            "--epochs: '0' is not an integer >= 1");
  EXPECT_EQ(overrideError(model, {{"log_every", "0"}}),
            "--log_every: '0' is not an integer >= 1");
  EXPECT_EQ(overrideError(model, {{"eval_every", "x"}}),
            "--eval_every: 'x' is not an integer >= 0");
  EXPECT_EQ(overrideError(model, {{"seed", "-1"}}),
            "--seed: '-1' is not an integer in [0, 2^64)");
  TrainConfig seeded(model);
  seeded.override("seed", "18446744073709551615");
  seeded.override("epochs", "5");
  EXPECT_EQ(seeded.settings().seed, 18446744073709551615ull);
  EXPECT_EQ(seeded.settings().epochs, 5);
}

TEST(TrainConfig, Schedules) {
  ModelDesc model = parseModelDescriptor(kAdamW);
  TrainConfig config(model);
  config.override("schedule", "cosine(warmup = 10)");
  EXPECT_EQ(config.options()["schedule"],
            json::parse(R"({"name": "cosine", "warmup": 10, "min_lr": 0.0})"));
  config.override("schedule.min_lr", "1e-5");
  EXPECT_EQ(config.settings().schedule.minLr, 1e-5);
  EXPECT_EQ(config.settings().schedule.warmup, 10);

  // Dotted forms apply to the schedule in effect, constant by default.
  EXPECT_EQ(overrideError(model, {{"schedule.warmup", "3"}}),
            "--schedule.warmup: constant(...) has no argument 'warmup'");
  EXPECT_EQ(
      overrideError(model, {{"schedule", "linear"}, {"schedule.bogus", "1"}}),
      "--schedule.bogus: linear(...) has no argument 'bogus'");
  EXPECT_EQ(overrideError(model, {{"schedule", "cosine(warmup = 1.5)"}}),
            "--schedule: 'warmup' must be an integer");
  EXPECT_EQ(overrideError(model, {{"schedule", "step(10)"}}),
            "--schedule: unknown schedule 'step' (expected constant, linear "
            "or cosine)");
}

TEST(TrainConfig, OptimizerArgumentsThatHyperTensorsCarry) {
  ModelDesc model = parseModelDescriptor(kAdamW);
  TrainConfig config(model);
  config.override("optimizer.lr", "0.5");
  config.override("optimizer.betas", "(0.8, 0.95)");
  OptimizerHypers h = config.hypers();
  EXPECT_EQ(h.lr, 0.5);
  EXPECT_EQ(h.beta1, 0.8);
  EXPECT_EQ(h.beta2, 0.95);
  config.override("optimizer", "adamw(lr = 0.2)");
  EXPECT_EQ(config.hypers().lr, 0.2);
  EXPECT_EQ(config.hypers().beta2, 0.999); // The default again.
  EXPECT_EQ(overrideError(model, {{"optimizer", "sgd(lr = 0.1)"}}),
            "--optimizer: the optimizer adamw is compiled into this program; "
            "change the train section and recompile with dlcc");
  EXPECT_EQ(overrideError(model, {{"optimizer.lr", "fast"}}),
            "--optimizer.lr: 'lr' must be a number");
}

TEST(TrainConfig, OptimizerArgumentsCompiledIn) {
  ModelDesc model = parseModelDescriptor(kFixed);
  EXPECT_EQ(overrideError(model, {{"optimizer.lr", "0.5"}}),
            "--optimizer: the optimizer's 'lr' (lr = 0.1) is compiled into "
            "this program; change the train section and recompile with dlcc");
  EXPECT_EQ(overrideError(model, {{"optimizer.nesterov", "true"}}),
            "--optimizer: the optimizer's 'nesterov' (nesterov = false) is "
            "compiled into this program; change the train section and "
            "recompile with dlcc");
  // The same value is no change.
  EXPECT_EQ(overrideError(model, {{"optimizer", "sgd(lr = 0.1)"}}), "");
  TrainConfig config(model);
  config.override("schedule", "cosine");
  EXPECT_THROW(config.checkTrainable(), UsageError);
}

TEST(TrainConfig, Clip) {
  ModelDesc adamw = parseModelDescriptor(kAdamW);
  TrainConfig config(adamw);
  config.override("clip", "0.5");
  EXPECT_EQ(config.hypers().maxGradNorm, 0.5);
  EXPECT_EQ(overrideError(adamw, {{"clip", "none"}}),
            "--clip: gradient clipping (clip = 1) is compiled into this "
            "program; change the train section and recompile with dlcc");
  EXPECT_EQ(overrideError(adamw, {{"clip", "-1"}}),
            "--clip: '-1' is not a number > 0 or none");
  ModelDesc fixed = parseModelDescriptor(kFixed);
  EXPECT_EQ(overrideError(fixed, {{"clip", "1"}}),
            "--clip: this program was compiled without gradient clipping; "
            "set clip in the train section and recompile with dlcc");
  EXPECT_EQ(overrideError(fixed, {{"clip", "none"}}), "");
}

TEST(TrainConfig, CompiledInOptions) {
  ModelDesc model = parseModelDescriptor(kFixed);
  EXPECT_EQ(overrideError(model, {{"batch", "4"}}),
            "--batch: examples per step (batch = 2) is compiled into this "
            "program; change the train section and recompile with dlcc (or "
            "give dlcc --batch N)");
  EXPECT_EQ(overrideError(model, {{"precision", "bf16"}}),
            "--precision: compute type (precision = f32) is compiled into "
            "this program; change the train section and recompile with dlcc");
  EXPECT_EQ(overrideError(model, {{"freeze", "\"fc.*\""}}),
            "--freeze: frozen parameters (freeze = none) is compiled "
            "into this program; change the train section and recompile with "
            "dlcc");
  EXPECT_EQ(overrideError(model, {{"bogus", "1"}}),
            "unknown option '--bogus' (see --help)");
}

TEST(TrainConfig, DataSources) {
  ModelDesc model = parseModelDescriptor(kAdamW);
  TrainConfig config(model);
  config.override("data", "text(path = \"b.txt\", context = 8)");
  EXPECT_EQ(config.settings().data,
            json::parse(R"({"source": "text", "path": "b.txt",
                            "context": 8})"));
  config.override("data.path", "c.txt");
  config.override("data.context", "4");
  EXPECT_EQ(config.settings().data["path"], "c.txt");
  EXPECT_EQ(config.settings().data["context"], 4);
  config.override("eval", "npy(x = \"x.npy\")");
  EXPECT_EQ(config.settings().eval,
            json::parse(R"({"source": "npy", "x": "x.npy"})"));
  config.override("eval", "none");
  EXPECT_TRUE(config.settings().eval.is_null());
  config.override("data", "batch.safetensors");
  EXPECT_EQ(config.settings().data, "batch.safetensors");

  EXPECT_EQ(overrideError(model, {{"data", "text(\"a.txt\")"}}),
            "--data: text(...) needs the argument 'context'");
  EXPECT_EQ(overrideError(model, {{"data", "tokens(\"a\", 8, dtype = u8)"}}),
            "--data: 'dtype' must be u16 or u32");
  EXPECT_EQ(overrideError(model, {{"data", "idx(images = \"a\""}}),
            "--data: expected ')' at column 17 of 'idx(images = \"a\"'");
  EXPECT_EQ(
      overrideError(model, {{"data", "f.safetensors"}, {"data.path", "x"}}),
      "--data.path: --data is not a function with arguments here "
      "(now: \"f.safetensors\")");
}

TEST(TrainConfig, HelpShowsTheValuesInEffect) {
  ModelDesc model = parseModelDescriptor(kAdamW);
  TrainConfig config(model);
  config.override("schedule", "cosine(warmup = 100)");
  std::string help = config.helpText();
  for (const char *text :
       {"  --epochs N", "now: 2\n", "now: none (epochs)\n",
        "now: text(path = \"a.txt\", context = 2)\n",
        "now: cosine(warmup = 100, min_lr = 0)\n",
        "now: adamw(lr = 0.001, betas = (0.9, 0.999), eps = 1e-08, "
        "weight_decay = 0.01)\n",
        "now: 1\n",
        "Compiled into the program (recompile with dlcc to "
        "change):\n  batch = 2, the optimizer adamw\n"})
    EXPECT_NE(help.find(text), std::string::npos) << text << "\n" << help;
}

TEST(TrainFunctions, FormatsValuesInDlSyntax) {
  EXPECT_EQ(formatConfigValue(json::parse(
                R"({"source": "idx", "labels": "l", "images": "i",
                    "scale": 0.00392156862745098, "mean": 0, "std": 1.0})")),
            "idx(images = \"i\", labels = \"l\", scale = 0.00392156862745098, "
            "mean = 0, std = 1)");
  EXPECT_EQ(formatConfigValue(json::parse(R"({"source": "npy", "y": "b",
                                              "x": "a"})")),
            "npy(x = \"a\", y = \"b\")");
  EXPECT_EQ(formatConfigValue(json(3e-4)), "0.0003");
  EXPECT_EQ(formatConfigValue(json("none")), "\"none\"");
}
