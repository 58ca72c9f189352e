//===- ParamInit.cpp - Initial values of params and buffers ---------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/ParamInit.h"

#include <cmath>

namespace dlrt {

namespace {

/// SplitMix64's finalizer: a bijective mix of all 64 bits.
uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// FNV-1a over the bytes of `text`.
uint64_t hashName(const std::string &text) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

constexpr double kTwoPi = 6.283185307179586476925286766559;

} // namespace

std::mt19937_64 tensorStream(uint64_t seed, const std::string &name) {
  return std::mt19937_64(mix64(mix64(seed) ^ hashName(name)));
}

double uniform01(std::mt19937_64 &stream) {
  return static_cast<double>(stream() >> 11) * 0x1p-53;
}

void initializeTensor(const TensorDesc &tensor, void *data, uint64_t seed) {
  const uint64_t count = tensor.numElements();
  const InitDesc &init = tensor.init;
  std::mt19937_64 stream = tensorStream(seed, tensor.name);
  switch (init.kind) {
  case InitDesc::Kind::None:
    return;
  case InitDesc::Kind::Constant:
    for (uint64_t i = 0; i < count; ++i)
      storeFromDouble(tensor.dtype, data, i, init.a);
    return;
  case InitDesc::Kind::Uniform:
    for (uint64_t i = 0; i < count; ++i) {
      double value = init.a + (init.b - init.a) * uniform01(stream);
      // a + (b - a) * u can round up to b; keep the interval half-open.
      if (value >= init.b && init.b > init.a)
        value = std::nextafter(init.b, init.a);
      storeFromDouble(tensor.dtype, data, i, value);
    }
    return;
  case InitDesc::Kind::Normal:
    // Box-Muller: two uniforms give two independent standard normals.
    for (uint64_t i = 0; i < count; i += 2) {
      double u1 = 1.0 - uniform01(stream); // In (0, 1]: log is finite.
      double u2 = uniform01(stream);
      double radius = std::sqrt(-2.0 * std::log(u1));
      storeFromDouble(tensor.dtype, data, i,
                      init.a + init.b * radius * std::cos(kTwoPi * u2));
      if (i + 1 < count)
        storeFromDouble(tensor.dtype, data, i + 1,
                        init.a + init.b * radius * std::sin(kTwoPi * u2));
    }
    return;
  }
}

void initializeParams(const ModelDesc &model, uint8_t *arena, uint64_t seed) {
  for (const TensorDesc *tensor : model.savedTensors())
    initializeTensor(*tensor, arena + tensor->offset, seed);
}

} // namespace dlrt
