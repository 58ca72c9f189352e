//===- ParamInit.h - Initial values of params and buffers -------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). Fills params and buffers from their
// descriptor initializers. The values depend only on the seed and the
// tensor's name: the same seed gives the same bytes on every run, and adding
// a parameter to a model does not change the others. The distributions are
// implemented here rather than taken from <random>, whose distributions
// differ between standard libraries.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_PARAMINIT_H
#define DLRT_PARAMINIT_H

#include "runtime/ModelDescriptor.h"

#include <cstdint>
#include <random>
#include <string>

namespace dlrt {

/// The random stream of one tensor: std::mt19937_64 seeded from a mix of
/// `seed` and a hash of `name`.
std::mt19937_64 tensorStream(uint64_t seed, const std::string &name);

/// A double uniform in [0, 1) from the top 53 bits of one draw.
double uniform01(std::mt19937_64 &stream);

/// Writes the initial value of `tensor` to `data` (tensor.bytes bytes):
/// constant a, uniform in [a, b), or normal with mean a and standard
/// deviation b (Box-Muller), each drawn in double and rounded to the dtype.
void initializeTensor(const TensorDesc &tensor, void *data, uint64_t seed);

/// Initializes every param and buffer of `model` inside `arena`.
void initializeParams(const ModelDesc &model, uint8_t *arena, uint64_t seed);

} // namespace dlrt

#endif // DLRT_PARAMINIT_H
