//===- DType.h - Element types of the tensors a model uses ------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). The six element types of the model
// descriptor, their names in the descriptor ("f32") and in safetensors files
// ("F32"), their sizes, and the conversions between f32 and the two 16-bit
// float formats.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_DTYPE_H
#define DLRT_DTYPE_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace dlrt {

/// An element type.
enum class DType : uint8_t { F32, F16, BF16, F64, I32, I64 };

/// Every DType, in declaration order.
constexpr DType kAllDTypes[] = {DType::F32, DType::F16, DType::BF16,
                                DType::F64, DType::I32, DType::I64};

/// Bytes per element.
size_t dtypeSize(DType type);

/// The name the model descriptor uses: "f32", "bf16", "i64", ...
const char *dtypeName(DType type);

/// The name safetensors files use: "F32", "BF16", "I64", ...
const char *safetensorsDTypeName(DType type);

/// Parses a descriptor name ("f32"); nullopt when it is not one.
std::optional<DType> parseDTypeName(std::string_view name);

/// Parses a safetensors name ("F32"); nullopt when it is not one we support.
std::optional<DType> parseSafetensorsDTypeName(std::string_view name);

/// True for f32, f16, bf16 and f64.
bool isFloatDType(DType type);

/// Converts an IEEE binary16 value to f32 (exact).
float f16ToF32(uint16_t bits);

/// Converts f32 to IEEE binary16, rounding to nearest even; values beyond the
/// f16 range become infinities and NaNs stay NaNs.
uint16_t f32ToF16(float value);

/// Converts a bfloat16 value to f32 (exact).
float bf16ToF32(uint16_t bits);

/// Converts f32 to bfloat16, rounding to nearest even; NaNs stay (quiet) NaNs.
uint16_t f32ToBF16(float value);

/// Reads element `index` of an array of `type` as a double.
double loadAsDouble(DType type, const void *data, size_t index);

/// Writes `value` to element `index` of an array of `type`: floats are
/// rounded to the type (through f32 for the 16-bit types, as a framework
/// would), integers to the nearest integer, saturating; NaN becomes 0.
void storeFromDouble(DType type, void *data, size_t index, double value);

} // namespace dlrt

#endif // DLRT_DTYPE_H
