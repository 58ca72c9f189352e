//===- DTypeTest.cpp - Tests of element types and 16-bit conversions ------===//
//
// Part of dlcc. The f16 and bf16 conversions are checked exhaustively on
// the 16-bit side and against an independent nearest-even reference on
// random f32 values.
//
//===----------------------------------------------------------------------===//

#include "runtime/DType.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace dlrt;

namespace {

uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

float floatOf(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

/// The nearest to `x` of two neighbouring 16-bit patterns `low` < `high`
/// of values lowValue < highValue, ties to the even pattern.
uint16_t nearestEven(double x, uint16_t low, uint16_t high, double lowValue,
                     double highValue) {
  double toLow = x - lowValue, toHigh = highValue - x;
  if (toLow < toHigh)
    return low;
  if (toHigh < toLow)
    return high;
  return (low & 1) ? high : low;
}

/// f32 -> f16 by search: the largest finite f16 magnitude not above |x|
/// and the next one up, then nearest-even between them.
uint16_t referenceF16(float x) {
  double magnitude = std::fabs(double(x));
  uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  if (magnitude >= 65520.0) // Halfway to 2^16 and beyond: infinity.
    return sign | 0x7c00;
  uint16_t low = 0, high = 0x7bff; // Binary search over finite magnitudes.
  while (low < high) {
    uint16_t mid = uint16_t((low + high + 1) / 2);
    if (f16ToF32(mid) <= magnitude)
      low = mid;
    else
      high = uint16_t(mid - 1);
  }
  if (f16ToF32(low) == magnitude)
    return sign | low;
  return sign | nearestEven(magnitude, low, uint16_t(low + 1), f16ToF32(low),
                            f16ToF32(uint16_t(low + 1)));
}

/// f32 -> bf16: the two bf16 neighbours are the truncation and the next.
uint16_t referenceBF16(float x) {
  uint32_t bits = bitsOf(x);
  uint16_t low = uint16_t(bits >> 16);
  if ((bits & 0xffff) == 0)
    return low;
  double magnitude = std::fabs(double(x));
  uint16_t sign = low & 0x8000;
  uint16_t lowMagnitude = low & 0x7fff;
  uint16_t highMagnitude = uint16_t(lowMagnitude + 1);
  // Past the largest finite value the next step up is 2^128, as if the
  // exponent went on; rounding up there gives infinity.
  double highValue =
      highMagnitude == 0x7f80 ? std::ldexp(1.0, 128) : bf16ToF32(highMagnitude);
  return sign | nearestEven(magnitude, lowMagnitude, highMagnitude,
                            bf16ToF32(lowMagnitude), highValue);
}

} // namespace

TEST(DType, NamesAndSizes) {
  EXPECT_EQ(dtypeSize(DType::F32), 4u);
  EXPECT_EQ(dtypeSize(DType::F16), 2u);
  EXPECT_EQ(dtypeSize(DType::BF16), 2u);
  EXPECT_EQ(dtypeSize(DType::F64), 8u);
  EXPECT_EQ(dtypeSize(DType::I32), 4u);
  EXPECT_EQ(dtypeSize(DType::I64), 8u);
  for (DType type : kAllDTypes) {
    EXPECT_EQ(parseDTypeName(dtypeName(type)), type);
    EXPECT_EQ(parseSafetensorsDTypeName(safetensorsDTypeName(type)), type);
  }
  EXPECT_STREQ(dtypeName(DType::BF16), "bf16");
  EXPECT_STREQ(safetensorsDTypeName(DType::BF16), "BF16");
  EXPECT_FALSE(parseDTypeName("F32"));
  EXPECT_FALSE(parseSafetensorsDTypeName("f32"));
  EXPECT_FALSE(parseSafetensorsDTypeName("U8"));
  EXPECT_TRUE(isFloatDType(DType::BF16));
  EXPECT_FALSE(isFloatDType(DType::I64));
}

TEST(DType, F16DecodesKnownValues) {
  EXPECT_EQ(f16ToF32(0x3c00), 1.0f);
  EXPECT_EQ(f16ToF32(0xc000), -2.0f);
  EXPECT_EQ(f16ToF32(0x7bff), 65504.0f);
  EXPECT_EQ(f16ToF32(0x0400), std::ldexp(1.0f, -14)); // Smallest normal.
  EXPECT_EQ(f16ToF32(0x0001), std::ldexp(1.0f, -24)); // Smallest subnormal.
  EXPECT_EQ(f16ToF32(0x03ff), std::ldexp(1023.0f, -24));
  EXPECT_EQ(bitsOf(f16ToF32(0x8000)), 0x80000000u); // -0.
  EXPECT_EQ(f16ToF32(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(f16ToF32(0x7e00)));
}

TEST(DType, F16RoundTripsEveryValue) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float value = f16ToF32(uint16_t(h));
    if (std::isnan(value))
      EXPECT_TRUE(std::isnan(f16ToF32(f32ToF16(value)))) << std::hex << h;
    else
      ASSERT_EQ(f32ToF16(value), h) << std::hex << h;
  }
}

TEST(DType, BF16RoundTripsEveryValue) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float value = bf16ToF32(uint16_t(h));
    EXPECT_EQ(bitsOf(value), h << 16);
    if (std::isnan(value))
      EXPECT_TRUE(std::isnan(bf16ToF32(f32ToBF16(value)))) << std::hex << h;
    else
      ASSERT_EQ(f32ToBF16(value), h) << std::hex << h;
  }
}

TEST(DType, F16RoundsToNearestEven) {
  const float ulpAtOne = std::ldexp(1.0f, -10);
  EXPECT_EQ(f32ToF16(1.0f + ulpAtOne / 2), 0x3c00);     // Tie, to even: 1.
  EXPECT_EQ(f32ToF16(1.0f + 3 * ulpAtOne / 2), 0x3c02); // Tie, to even: up.
  EXPECT_EQ(f32ToF16(std::nextafter(1.0f + ulpAtOne / 2, 2.0f)), 0x3c01);
  EXPECT_EQ(f32ToF16(std::nextafter(1.0f + ulpAtOne / 2, 0.0f)), 0x3c00);
  EXPECT_EQ(f32ToF16(-1.0f - ulpAtOne / 2), 0xbc00);
  // The top of the range: 65519 rounds down, 65520 (the tie) to infinity.
  EXPECT_EQ(f32ToF16(65519.0f), 0x7bff);
  EXPECT_EQ(f32ToF16(65520.0f), 0x7c00);
  EXPECT_EQ(f32ToF16(-1e10f), 0xfc00);
  // Subnormals: 2^-25 is a tie between 0 and the smallest subnormal.
  EXPECT_EQ(f32ToF16(std::ldexp(1.0f, -25)), 0x0000);
  EXPECT_EQ(f32ToF16(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(f32ToF16(std::ldexp(3.0f, -25)), 0x0002);    // 1.5 ulp: to even.
  EXPECT_EQ(f32ToF16(std::ldexp(1023.5f, -24)), 0x0400); // Into the normals.
  EXPECT_EQ(f32ToF16(std::ldexp(1.0f, -30)), 0x0000);
  EXPECT_EQ(f32ToF16(-std::ldexp(1.0f, -30)), 0x8000);
  EXPECT_EQ(f32ToF16(std::numeric_limits<float>::denorm_min()), 0x0000);
  EXPECT_EQ(f32ToF16(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_TRUE(std::isnan(f16ToF32(f32ToF16(std::nanf("")))));
  EXPECT_TRUE(std::isnan(f16ToF32(f32ToF16(floatOf(0x7f800001u))))); // sNaN.
}

TEST(DType, BF16RoundsToNearestEven) {
  const float ulpAtOne = std::ldexp(1.0f, -7);
  EXPECT_EQ(f32ToBF16(1.0f + ulpAtOne / 2), 0x3f80);
  EXPECT_EQ(f32ToBF16(1.0f + 3 * ulpAtOne / 2), 0x3f82);
  EXPECT_EQ(f32ToBF16(std::nextafter(1.0f + ulpAtOne / 2, 2.0f)), 0x3f81);
  EXPECT_EQ(f32ToBF16(std::numeric_limits<float>::max()), 0x7f80); // Inf.
  EXPECT_EQ(f32ToBF16(-std::numeric_limits<float>::infinity()), 0xff80);
  EXPECT_EQ(f32ToBF16(floatOf(0x7f800001u)) & 0x7fc0, 0x7fc0); // Quiet NaN.
  EXPECT_EQ(f32ToBF16(floatOf(0x00010000u)), 0x0001); // Subnormal, exact.
}

TEST(DType, ConversionsMatchAReferenceOnRandomValues) {
  std::mt19937 engine(12345);
  for (int i = 0; i < 200000; ++i) {
    float value = floatOf(engine());
    if (!std::isfinite(value))
      continue;
    ASSERT_EQ(f32ToBF16(value), referenceBF16(value)) << std::hexfloat << value;
    // Concentrate the f16 checks on its range (and a little beyond).
    int exponent;
    float scaled =
        std::ldexp(std::frexp(value, &exponent), int(engine() % 46) - 28);
    ASSERT_EQ(f32ToF16(scaled), referenceF16(scaled))
        << std::hexfloat << scaled;
  }
}

TEST(DType, LoadsAndStoresThroughDouble) {
  unsigned char buffer[8];
  for (DType type : kAllDTypes) {
    storeFromDouble(type, buffer, 0, -3.0);
    EXPECT_EQ(loadAsDouble(type, buffer, 0), -3.0) << dtypeName(type);
  }
  storeFromDouble(DType::I32, buffer, 0, 2.5); // Nearest, ties to even.
  EXPECT_EQ(loadAsDouble(DType::I32, buffer, 0), 2.0);
  storeFromDouble(DType::I32, buffer, 0, 1e12); // Saturates.
  EXPECT_EQ(loadAsDouble(DType::I32, buffer, 0), 2147483647.0);
  storeFromDouble(DType::I64, buffer, 0, -1e30);
  EXPECT_EQ(loadAsDouble(DType::I64, buffer, 0), -9223372036854775808.0);
  storeFromDouble(DType::I64, buffer, 0, std::nan(""));
  EXPECT_EQ(loadAsDouble(DType::I64, buffer, 0), 0.0);
  storeFromDouble(DType::BF16, buffer, 0, 0.1);
  uint16_t bits;
  std::memcpy(&bits, buffer, 2);
  EXPECT_EQ(bits, f32ToBF16(0.1f));
  float values[3] = {0, 0, 0};
  storeFromDouble(DType::F32, values, 2, 7.0);
  EXPECT_EQ(values[2], 7.0f);
  EXPECT_EQ(loadAsDouble(DType::F32, values, 2), 7.0);
}
