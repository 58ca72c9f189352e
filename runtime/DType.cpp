//===- DType.cpp - Element types of the tensors a model uses --------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/DType.h"

#include <cmath>
#include <cstring>

namespace dlrt {

namespace {

uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

float bitsFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

struct DTypeInfo {
  const char *name;
  const char *safetensorsName;
  size_t size;
};

const DTypeInfo &info(DType type) {
  static const DTypeInfo table[] = {
      {"f32", "F32", 4}, {"f16", "F16", 2}, {"bf16", "BF16", 2},
      {"f64", "F64", 8}, {"i32", "I32", 4}, {"i64", "I64", 8},
  };
  return table[static_cast<size_t>(type)];
}

} // namespace

size_t dtypeSize(DType type) { return info(type).size; }
const char *dtypeName(DType type) { return info(type).name; }
const char *safetensorsDTypeName(DType type) {
  return info(type).safetensorsName;
}

std::optional<DType> parseDTypeName(std::string_view name) {
  for (DType type : kAllDTypes)
    if (name == info(type).name)
      return type;
  return std::nullopt;
}

std::optional<DType> parseSafetensorsDTypeName(std::string_view name) {
  for (DType type : kAllDTypes)
    if (name == info(type).safetensorsName)
      return type;
  return std::nullopt;
}

bool isFloatDType(DType type) {
  return type == DType::F32 || type == DType::F16 || type == DType::BF16 ||
         type == DType::F64;
}

float f16ToF32(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1f;
  uint32_t mantissa = bits & 0x3ff;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in f32.
    float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 31) // Infinity or NaN, payload kept.
    return bitsFloat(sign | 0x7f800000u | (mantissa << 13));
  return bitsFloat(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

uint16_t f32ToF16(float value) {
  uint32_t bits = floatBits(value);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  uint32_t magnitude = bits & 0x7fffffffu;

  if (magnitude >= 0x7f800000u) {
    if (magnitude == 0x7f800000u)
      return sign | 0x7c00; // Infinity.
    // NaN: keep the top of the payload, force it quiet so it stays a NaN.
    return sign | 0x7e00 | static_cast<uint16_t>((magnitude >> 13) & 0x3ff);
  }
  // 65520 is halfway between the largest f16 (65504) and 2^16, and ties to
  // the even neighbour, which is infinity.
  if (magnitude >= 0x477ff000u)
    return sign | 0x7c00;

  if (magnitude < 0x38800000u) {
    // Below the smallest normal f16 (2^-14): the result is a subnormal,
    // round(value / 2^-24). Anything up to 2^-25 (a tie to even) is zero.
    if (magnitude <= 0x33000000u)
      return sign;
    uint32_t exponent = magnitude >> 23; // In [102, 112].
    uint32_t mantissa = (magnitude & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126 - exponent; // value / 2^-24 = mantissa >> shift.
    uint32_t quotient = mantissa >> shift;
    uint32_t remainder = mantissa & ((1u << shift) - 1);
    uint32_t half = 1u << (shift - 1);
    if (remainder > half || (remainder == half && (quotient & 1)))
      ++quotient; // May carry into the smallest normal, which is correct.
    return sign | static_cast<uint16_t>(quotient);
  }

  // Normal: rebias the exponent and round away the low 13 mantissa bits; a
  // carry out of the mantissa correctly increments the exponent.
  uint32_t half = (magnitude >> 13) - ((127 - 15) << 10);
  uint32_t remainder = magnitude & 0x1fffu;
  if (remainder > 0x1000u || (remainder == 0x1000u && (half & 1)))
    ++half;
  return sign | static_cast<uint16_t>(half);
}

float bf16ToF32(uint16_t bits) { return bitsFloat(uint32_t(bits) << 16); }

uint16_t f32ToBF16(float value) {
  uint32_t bits = floatBits(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((bits >> 16) | 0x40); // Quiet NaN.
  uint32_t roundingBias = 0x7fffu + ((bits >> 16) & 1);
  return static_cast<uint16_t>((bits + roundingBias) >> 16);
}

double loadAsDouble(DType type, const void *data, size_t index) {
  const char *bytes = static_cast<const char *>(data) + index * dtypeSize(type);
  switch (type) {
  case DType::F32: {
    float v;
    std::memcpy(&v, bytes, sizeof v);
    return v;
  }
  case DType::F16:
  case DType::BF16: {
    uint16_t v;
    std::memcpy(&v, bytes, sizeof v);
    return type == DType::F16 ? f16ToF32(v) : bf16ToF32(v);
  }
  case DType::F64: {
    double v;
    std::memcpy(&v, bytes, sizeof v);
    return v;
  }
  case DType::I32: {
    int32_t v;
    std::memcpy(&v, bytes, sizeof v);
    return v;
  }
  case DType::I64: {
    int64_t v;
    std::memcpy(&v, bytes, sizeof v);
    return static_cast<double>(v);
  }
  }
  return 0;
}

void storeFromDouble(DType type, void *data, size_t index, double value) {
  if (!isFloatDType(type) && std::isnan(value))
    value = 0;
  char *bytes = static_cast<char *>(data) + index * dtypeSize(type);
  switch (type) {
  case DType::F32: {
    float v = static_cast<float>(value);
    std::memcpy(bytes, &v, sizeof v);
    return;
  }
  case DType::F16:
  case DType::BF16: {
    float f = static_cast<float>(value);
    uint16_t v = type == DType::F16 ? f32ToF16(f) : f32ToBF16(f);
    std::memcpy(bytes, &v, sizeof v);
    return;
  }
  case DType::F64:
    std::memcpy(bytes, &value, sizeof value);
    return;
  case DType::I32: {
    int32_t v = static_cast<int32_t>(
        std::fmin(std::fmax(std::nearbyint(value), INT32_MIN), INT32_MAX));
    std::memcpy(bytes, &v, sizeof v);
    return;
  }
  case DType::I64: {
    // 2^63 is the first double beyond int64; saturate rather than overflow.
    double rounded = std::nearbyint(value);
    int64_t v = rounded >= 0x1p63   ? INT64_MAX
                : rounded < -0x1p63 ? INT64_MIN
                                    : static_cast<int64_t>(rounded);
    std::memcpy(bytes, &v, sizeof v);
    return;
  }
  }
}

} // namespace dlrt
