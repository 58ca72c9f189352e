//===- ParamInitTest.cpp - Tests of param and buffer initialization -------===//
//
// Part of dlcc. Initial values are deterministic per (seed, tensor name) and
// follow their distributions.
//
//===----------------------------------------------------------------------===//

#include "runtime/ParamInit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

using namespace dlrt;

namespace {

TensorDesc makeTensor(const std::string &name, DType dtype, Shape shape,
                      InitDesc::Kind kind, double a, double b = 0) {
  TensorDesc tensor;
  tensor.name = name;
  tensor.role = TensorRole::Param;
  tensor.dtype = dtype;
  tensor.shape = std::move(shape);
  tensor.bytes = *shapeBytes(tensor.shape, dtypeSize(dtype));
  tensor.init = {kind, a, b};
  return tensor;
}

std::vector<double> sample(const TensorDesc &tensor, uint64_t seed) {
  std::vector<unsigned char> bytes(tensor.bytes);
  initializeTensor(tensor, bytes.data(), seed);
  std::vector<double> values(tensor.numElements());
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = loadAsDouble(tensor.dtype, bytes.data(), i);
  return values;
}

struct Moments {
  double mean = 0, std = 0;
};

Moments moments(const std::vector<double> &values) {
  Moments m;
  for (double v : values)
    m.mean += v;
  m.mean /= double(values.size());
  for (double v : values)
    m.std += (v - m.mean) * (v - m.mean);
  m.std = std::sqrt(m.std / double(values.size() - 1));
  return m;
}

constexpr int64_t kSamples = 100000;

} // namespace

// These first values are part of the contract: a change here changes the
// initial weights of every model, so it must be deliberate. The uniforms are
// exact; the normals go through log, sqrt and cos, allowed an ulp or two.
TEST(ParamInit, StreamIsStable) {
  std::mt19937_64 stream = tensorStream(0, "fc1.weight");
  EXPECT_EQ(uniform01(stream), 0.57707964704443715);
  EXPECT_EQ(uniform01(stream), 0.92657028024925259);
  EXPECT_EQ(uniform01(stream), 0.46798571128171451);

  TensorDesc tensor =
      makeTensor("fc1.weight", DType::F64, {3}, InitDesc::Kind::Normal, 0, 1);
  std::vector<double> values = sample(tensor, 0);
  EXPECT_NEAR(values[0], 1.1747516664577791, 1e-15);
  EXPECT_NEAR(values[1], -0.58403881656503442, 1e-15);
  EXPECT_NEAR(values[2], -0.35908313865053099, 1e-15);

  EXPECT_NE(tensorStream(0, "fc1.weight")(), tensorStream(1, "fc1.weight")());
  EXPECT_NE(tensorStream(0, "fc1.weight")(), tensorStream(0, "fc2.weight")());
}

TEST(ParamInit, SameSeedGivesSameBytes) {
  for (InitDesc::Kind kind :
       {InitDesc::Kind::Uniform, InitDesc::Kind::Normal}) {
    TensorDesc tensor = makeTensor("w", DType::F32, {64, 33}, kind, -1, 1);
    std::vector<unsigned char> first(tensor.bytes), second(tensor.bytes),
        other(tensor.bytes);
    initializeTensor(tensor, first.data(), 42);
    initializeTensor(tensor, second.data(), 42);
    initializeTensor(tensor, other.data(), 43);
    EXPECT_EQ(first, second);
    EXPECT_NE(first, other);
  }
}

TEST(ParamInit, AddingATensorLeavesTheOthersAlone) {
  ModelDesc small, large;
  TensorDesc weight =
      makeTensor("fc.weight", DType::F32, {8, 8}, InitDesc::Kind::Normal, 0, 1);
  TensorDesc extra =
      makeTensor("aaa.bias", DType::F32, {8}, InitDesc::Kind::Uniform, -1, 1);
  weight.offset = 0;
  small.tensors = {weight};
  extra.offset = 0;
  weight.offset = 64;
  large.tensors = {extra, weight};
  std::vector<uint8_t> arenaSmall(256), arenaLarge(320);
  initializeParams(small, arenaSmall.data(), 7);
  initializeParams(large, arenaLarge.data(), 7);
  EXPECT_EQ(std::memcmp(arenaSmall.data(), arenaLarge.data() + 64, 256), 0);
}

TEST(ParamInit, InitializesOnlyParamsAndBuffers) {
  ModelDesc model;
  TensorDesc param =
      makeTensor("p", DType::F32, {4}, InitDesc::Kind::Constant, 1.5);
  TensorDesc buffer =
      makeTensor("b", DType::I64, {2}, InitDesc::Kind::Constant, 3);
  buffer.role = TensorRole::Buffer;
  buffer.offset = 64;
  TensorDesc input = makeTensor("x", DType::F32, {4}, InitDesc::Kind::None, 0);
  input.role = TensorRole::Input;
  input.offset = 128;
  model.tensors = {param, buffer, input};
  std::vector<uint8_t> arena(192, 0xab);
  initializeParams(model, arena.data(), 0);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(loadAsDouble(DType::F32, arena.data(), i), 1.5);
  EXPECT_EQ(loadAsDouble(DType::I64, arena.data() + 64, 1), 3.0);
  for (int i = 128; i < 144; ++i)
    EXPECT_EQ(arena[i], 0xab) << "the input was written";
  EXPECT_EQ(arena[16], 0xab) << "bytes past the param were written";
}

TEST(ParamInit, ConstantRoundsToTheDType) {
  for (DType type : kAllDTypes) {
    TensorDesc tensor =
        makeTensor("c", type, {5}, InitDesc::Kind::Constant, 0.1);
    for (double v : sample(tensor, 0)) {
      double expected = type == DType::F64    ? 0.1
                        : type == DType::F32  ? double(0.1f)
                        : type == DType::F16  ? f16ToF32(f32ToF16(0.1f))
                        : type == DType::BF16 ? bf16ToF32(f32ToBF16(0.1f))
                                              : 0.0;
      EXPECT_EQ(v, expected) << dtypeName(type);
    }
  }
}

TEST(ParamInit, UniformStaysInBoundsWithTheRightMoments) {
  const double a = -0.25, b = 0.75;
  for (DType type : {DType::F32, DType::F64, DType::BF16}) {
    std::vector<double> values = sample(
        makeTensor("u", type, {kSamples}, InitDesc::Kind::Uniform, a, b), 3);
    for (double v : values) {
      ASSERT_GE(v, a) << dtypeName(type);
      ASSERT_LE(v, b) << dtypeName(type);
    }
    Moments m = moments(values);
    double std = (b - a) / std::sqrt(12.0);
    // Five standard errors of the mean; the std to about 1%.
    EXPECT_NEAR(m.mean, (a + b) / 2, 5 * std / std::sqrt(double(kSamples)));
    EXPECT_NEAR(m.std, std, 0.01 * std) << dtypeName(type);
  }
  // In double the interval is half-open.
  for (double v : sample(makeTensor("u", DType::F64, {kSamples},
                                    InitDesc::Kind::Uniform, a, b),
                         4))
    ASSERT_LT(v, b);
}

TEST(ParamInit, NormalHasTheRightMoments) {
  const double mean = 0.5, std = 0.02;
  std::vector<double> values =
      sample(makeTensor("n", DType::F32, {kSamples}, InitDesc::Kind::Normal,
                        mean, std),
             11);
  Moments m = moments(values);
  EXPECT_NEAR(m.mean, mean, 5 * std / std::sqrt(double(kSamples)));
  EXPECT_NEAR(m.std, std, 0.01 * std);
  // The shape of a normal: about 68.27% within one std, 95.45% within two.
  double within1 = 0, within2 = 0;
  for (double v : values) {
    within1 += std::fabs(v - mean) < std;
    within2 += std::fabs(v - mean) < 2 * std;
  }
  EXPECT_NEAR(within1 / kSamples, 0.6827, 0.01);
  EXPECT_NEAR(within2 / kSamples, 0.9545, 0.005);
}

TEST(ParamInit, NormalFillsAnOddCountWithoutOverrun) {
  TensorDesc tensor =
      makeTensor("n", DType::F16, {3}, InitDesc::Kind::Normal, 0, 1);
  std::vector<unsigned char> bytes(tensor.bytes + 4, 0xcd);
  initializeTensor(tensor, bytes.data(), 0);
  for (size_t i = tensor.bytes; i < bytes.size(); ++i)
    EXPECT_EQ(bytes[i], 0xcd);
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(std::isfinite(loadAsDouble(DType::F16, bytes.data(), i)));
}

TEST(ParamInit, ZeroStdIsTheMean) {
  for (double v : sample(
           makeTensor("n", DType::F64, {9}, InitDesc::Kind::Normal, 2, 0), 0))
    EXPECT_EQ(v, 2.0);
}
