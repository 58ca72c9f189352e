//===- DriverTest.cpp - Tests of the main program of compiled models ------===//
//
// Part of dlcc. runProgram driven in-process with a model defined here,
// checking exit statuses and what is printed.
//
//===----------------------------------------------------------------------===//

#include "TempDir.h"

#include "runtime/Driver.h"
#include "runtime/EvalMode.h"
#include "runtime/Safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

using namespace dlrt;

namespace {

// total = sum(x) * scale; count = the number of elements of x (an i64).
const char kDescriptor[] = R"({
  "abi": 1, "model": "sum", "batch": 2, "arena_bytes": 320,
  "outputs": ["total", "count", "x_copy"],
  "tensors": [
    {"name": "scale", "role": "param", "dtype": "f32", "shape": [],
     "offset": 0, "bytes": 4, "init": {"kind": "constant", "a": 0.5}},
    {"name": "x", "role": "input", "dtype": "f32", "shape": [2, 2],
     "offset": 64, "bytes": 16},
    {"name": "total", "role": "output", "dtype": "f32", "shape": [],
     "offset": 128, "bytes": 4},
    {"name": "count", "role": "output", "dtype": "i64", "shape": [],
     "offset": 192, "bytes": 8},
    {"name": "x_copy", "role": "output", "dtype": "f32", "shape": [2, 2],
     "offset": 256, "bytes": 16}
  ]
})";

void sumStep(uint8_t *arena) {
  float scale, x[4];
  std::memcpy(&scale, arena, 4);
  std::memcpy(x, arena + 64, 16);
  float total = (x[0] + x[1] + x[2] + x[3]) * scale;
  int64_t count = 4;
  std::memcpy(arena + 128, &total, 4);
  std::memcpy(arena + 192, &count, 8);
  std::memcpy(arena + 256, x, 16);
}

// The same model with the gradient of total with respect to scale,
// sum(x), written to "scale.grad" by the gradient step.
const char kGradientDescriptor[] = R"({
  "abi": 1, "model": "sum", "batch": 2, "arena_bytes": 384,
  "outputs": ["total", "count", "x_copy"],
  "tensors": [
    {"name": "scale", "role": "param", "dtype": "f32", "shape": [],
     "offset": 0, "bytes": 4, "init": {"kind": "constant", "a": 0.5}},
    {"name": "x", "role": "input", "dtype": "f32", "shape": [2, 2],
     "offset": 64, "bytes": 16},
    {"name": "total", "role": "output", "dtype": "f32", "shape": [],
     "offset": 128, "bytes": 4},
    {"name": "count", "role": "output", "dtype": "i64", "shape": [],
     "offset": 192, "bytes": 8},
    {"name": "x_copy", "role": "output", "dtype": "f32", "shape": [2, 2],
     "offset": 256, "bytes": 16},
    {"name": "scale.grad", "role": "grad", "dtype": "f32", "shape": [],
     "offset": 320, "bytes": 4}
  ]
})";

void sumGradientStep(uint8_t *arena) {
  sumStep(arena);
  float x[4];
  std::memcpy(x, arena + 64, 16);
  float grad = x[0] + x[1] + x[2] + x[3];
  std::memcpy(arena + 320, &grad, 4);
}

struct RunResult {
  int status;
  std::string out, err;
};

RunResult run(std::vector<std::string> args,
              const char *descriptor = kDescriptor,
              void (*gradientStep)(uint8_t *) = nullptr) {
  args.insert(args.begin(), "/some/dir/sum-model");
  std::vector<const char *> argv;
  for (const std::string &arg : args)
    argv.push_back(arg.c_str());
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  int status = runProgram(int(argv.size()), argv.data(),
                          {descriptor, sumStep, gradientStep});
  std::string out = testing::internal::GetCapturedStdout();
  return {status, out, testing::internal::GetCapturedStderr()};
}

std::string writeBatch(const TempDir &dir, std::vector<float> x,
                       Shape shape = {2, 2}) {
  std::string path = dir.file("batch.safetensors");
  saveTensors(path, {{"x", DType::F32, shape, x.data()}});
  return path;
}

} // namespace

TEST(Driver, EvaluatesOneBatch) {
  TempDir dir;
  std::string batch = writeBatch(dir, {1, 2, 3, 4.25f});
  RunResult r = run({"--eval", "--data", batch, "--outputs", dir.file("out"),
                     "--save-params", dir.file("params")});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "total: 5.125\ncount: 4\n"); // Scalars only, in order.
  EXPECT_EQ(r.err, "");

  SafetensorsFile outputs(dir.file("out"));
  EXPECT_EQ(outputs.tensors().size(), 3u);
  float x[4];
  std::memcpy(x, outputs.expect("x_copy", DType::F32, {2, 2}).data, 16);
  EXPECT_EQ(x[3], 4.25f);
  EXPECT_EQ(outputs.metadata().at("model"), "sum");
  SafetensorsFile params(dir.file("params"));
  ASSERT_EQ(params.tensors().size(), 1u);
  float scale;
  std::memcpy(&scale, params.expect("scale", DType::F32, {}).data, 4);
  EXPECT_EQ(scale, 0.5f);
}

TEST(Driver, LoadsInitialWeights) {
  TempDir dir;
  std::string batch = writeBatch(dir, {1, 1, 1, 1});
  float scale = 3;
  saveTensors(dir.file("w"), {{"scale", DType::F32, {}, &scale}});
  RunResult r = run({"--eval", "--data", batch, "--init", dir.file("w")});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "total: 12\ncount: 4\n");
}

TEST(Driver, WritesGradients) {
  TempDir dir;
  std::string batch = writeBatch(dir, {1, 2, 3, 4.25f});
  RunResult r = run({"--gradients", dir.file("grads"), "--data", batch},
                    kGradientDescriptor, sumGradientStep);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "total: 5.125\ncount: 4\n"); // As --eval prints them.
  SafetensorsFile grads(dir.file("grads"));
  ASSERT_EQ(grads.tensors().size(), 1u);
  float grad;
  std::memcpy(&grad, grads.expect("scale.grad", DType::F32, {}).data, 4);
  EXPECT_EQ(grad, 10.25f);
  EXPECT_EQ(grads.metadata().at("model"), "sum");
}

TEST(Driver, SaysWhenCompiledWithoutGradients) {
  TempDir dir;
  std::string batch = writeBatch(dir, {1, 2, 3, 4});
  RunResult r = run({"--gradients", dir.file("grads"), "--data", batch});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "sum-model: error: this program was compiled without "
                   "gradients (compile the model with 'dlcc --gradients' to "
                   "use --gradients)\n");
  EXPECT_FALSE(std::ifstream(dir.file("grads")).good());
}

TEST(Driver, EvalWithoutDataNeedsTheModelsEvalData) {
  RunResult r = run({"--eval"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no data to evaluate: give --data FILE"),
            std::string::npos)
      << r.err;
}

TEST(Driver, HelpExitsWithZero) {
  RunResult r = run({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out.rfind("Usage: sum-model [--name=value ...]", 0), 0u);
  EXPECT_NE(r.out.find("Runs the model 'sum', compiled by dlcc."),
            std::string::npos);
}

TEST(Driver, AModelWithEveryParamFrozenHasNothingToTrain) {
  std::string frozen = kDescriptor;
  std::string init = R"("init": {"kind": "constant", "a": 0.5})";
  frozen.replace(frozen.find(init), init.size(), init + R"(, "frozen": true)");
  RunResult r = run({}, frozen.c_str());
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "sum-model: error: the model 'sum' has no trained "
                   "parameters: there is nothing to train (use --eval to run "
                   "it)\n");
}

TEST(Driver, TrainingNeedsATrainingStep) {
  RunResult r = run({});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "sum-model: error: this program has no training step "
                   "(dl_train_step); recompile the model 'sum' with dlcc\n");
}

TEST(Driver, UsageErrorsExitWithTwo) {
  RunResult r = run({"--eval", "--frobnicate"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "sum-model: error: unknown option '--frobnicate' (see --help)\n");
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(run({"--eval", "--data"}).status, 2);
  EXPECT_EQ(run({"--eval", "--batch=3"}).status, 2);
}

TEST(Driver, FileErrorsExitWithOne) {
  TempDir dir;
  RunResult r = run({"--eval", "--data", dir.file("missing.safetensors")});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "sum-model: error: " + dir.file("missing.safetensors") +
                       ": cannot open: No such file or directory\n");

  std::string batch = writeBatch(dir, {1, 2, 3, 4, 5, 6}, {3, 2});
  r = run({"--eval", "--data", batch});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "sum-model: error: " + batch +
                       ": tensor 'x' has shape [3, 2] but the model expects "
                       "[2, 2]\n");
  EXPECT_EQ(r.out, "");
}

TEST(Driver, ExtraTensorsAreErrors) {
  TempDir dir;
  std::string batch = writeBatch(dir, {1, 2, 3, 4});
  float s = 1, t = 2, u = 3;
  saveTensors(dir.file("w"), {{"scale", DType::F32, {}, &s},
                              {"shift", DType::F32, {}, &t},
                              {"bias", DType::F32, {}, &u}});
  RunResult r = run({"--eval", "--data", batch, "--init", dir.file("w")});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "sum-model: error: " + dir.file("w") +
                       ": tensors 'bias', 'shift' are not among the params "
                       "and buffers of the model 'sum'\n");

  std::vector<float> x(4), y(1);
  saveTensors(batch, {{"x", DType::F32, {2, 2}, x.data()},
                      {"y", DType::F32, {1}, y.data()}});
  r = run({"--eval", "--data", batch});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "sum-model: error: " + batch +
                       ": tensor 'y' is not among the inputs of the model "
                       "'sum'\n");
}

TEST(Driver, BadDescriptorIsAnErrorNotACrash) {
  TempDir dir;
  std::string batch = writeBatch(dir, {1, 2, 3, 4});
  RunResult r = run({"--eval", "--data", batch}, R"({"abi": 1})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "sum-model: error: model descriptor: missing field "
                   "'model'\n");
  EXPECT_EQ(run({"--help"}, "not json").status, 0);
}

TEST(Driver, WriteErrorsExitWithOne) {
  TempDir dir;
  std::string batch = writeBatch(dir, {1, 2, 3, 4});
  RunResult r = run(
      {"--eval", "--data", batch, "--outputs", dir.file("no/such/dir/out")});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot create"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "total: 5\ncount: 4\n"); // Printed before the write.
}

TEST(Driver, FormatsScalarsToRoundTrip) {
  float third = 1.0f / 3;
  EXPECT_EQ(formatScalar(DType::F32, &third), "0.333333343");
  double tenth = 0.1;
  EXPECT_EQ(formatScalar(DType::F64, &tenth), "0.10000000000000001");
  int32_t minus = -5;
  EXPECT_EQ(formatScalar(DType::I32, &minus), "-5");
  uint16_t half = f32ToBF16(1.5f);
  EXPECT_EQ(formatScalar(DType::BF16, &half), "1.5");
}
