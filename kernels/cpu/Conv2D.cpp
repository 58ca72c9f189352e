//===- Conv2D.cpp - 2-D convolutions (CPU) --------------------------------===//
//
// Part of dlcc's kernels. The entries hand 3x3 convolutions over enough
// channels to Winograd.h; the rest are direct, as follows. A padded image's
// planes are stored row after row, paddedWidth apart; output (y, x) of a
// stride-1 convolution reads the kernel's taps at y * paddedWidth + x + (i *
// paddedWidth + j) of each plane. So the outputs of one filter are a run of
// consecutive positions q = y * paddedWidth + x of the plane (the positions
// with x >= outWidth between rows are computed and dropped), and each tap
// adds a whole vector of positions, read at one offset: no im2col matrix. The
// forward keeps a block of filters x a few vectors of positions in registers
// over every tap of every channel (each tap: one load per vector, one
// broadcast per filter, filters x vectors fused multiply-adds). The weight
// gradient is a sum over positions instead: registers hold filters x taps of
// one kernel row, vectors of dy rows times vectors of the input shifted by
// each tap. Each thread copies one image at a time into a padded scratch
// buffer of its own (channels x paddedHeight x paddedWidth floats, plus a
// vector block); the weight gradient's thread also keeps its filters' sums,
// lane by lane, until the last image. Every output element is computed by one
// thread in a fixed order: results do not depend on the number of threads.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/Conv2D.h"
#include "kernels/cpu/Conv2DGeometry.h"
#include "kernels/cpu/Parallel.h"
#include "kernels/cpu/Simd.h"
#include "kernels/cpu/Winograd.h"

#include <algorithm>
#include <vector>

using namespace dlcc::kernels;

namespace {

using Geometry = ConvGeometry;

/// The most floats a block of positions spans (three AVX-512 vectors).
constexpr int64_t kMaxBlock = 64;

/// One image at a time, padded with zeros; past the last plane, zeros for
/// the blocks of positions that run beyond the last output.
class PaddedImage {
public:
  explicit PaddedImage(const Geometry &g)
      : g(g), padded(g.channels * g.plane() + kMaxBlock + g.kernelWidth) {}

  void load(const float *image) {
    for (int64_t c = 0; c < g.channels; ++c)
      for (int64_t y = 0; y < g.height; ++y)
        copyFloats<16>(padded.data() + c * g.plane() +
                           (y + g.padTop) * g.paddedWidth() + g.padLeft,
                       image + (c * g.height + y) * g.width, g.width);
  }
  const float *data() const { return padded.data(); }

private:
  Geometry g;
  AlignedFloats padded; // Zero where load() never writes.
};

/// Filters in blocks of `block`: packed[((b * taps) + t) * block + k] is
/// tap t = (c, i, j) of filter b * block + k, 0 past the last filter.
/// `filter(f, c, i, j)` reads the filters.
template <typename Filter>
std::vector<float> packFilters(const Geometry &g, int64_t block,
                               Filter filter) {
  int64_t blocks = (g.filters + block - 1) / block;
  std::vector<float> packed(blocks * g.taps() * block, 0.0f);
  for (int64_t f = 0; f < g.filters; ++f)
    for (int64_t c = 0; c < g.channels; ++c)
      for (int64_t i = 0; i < g.kernelHeight; ++i)
        for (int64_t j = 0; j < g.kernelWidth; ++j) {
          int64_t t = (c * g.kernelHeight + i) * g.kernelWidth + j;
          packed[((f / block) * g.taps() + t) * block + f % block] =
              filter(f, c, i, j);
        }
  return packed;
}

/// Where tap (c, i, j) reads, from a position of the padded image.
std::vector<int64_t> tapOffsets(const Geometry &g) {
  std::vector<int64_t> offsets;
  for (int64_t c = 0; c < g.channels; ++c)
    for (int64_t i = 0; i < g.kernelHeight; ++i)
      for (int64_t j = 0; j < g.kernelWidth; ++j)
        offsets.push_back(c * g.plane() + i * g.paddedWidth() + j);
  return offsets;
}

//===----------------------------------------------------------------------===//
// Forward (and input gradient): per instruction set, vectors of B bytes.
//===----------------------------------------------------------------------===//

struct ForwardCall {
  Geometry g;
  const float *packed; // packFilters(g, kFilterBlock<B>, ...)
  const int64_t *offsets;
  const float *bias;
  float *output;
};

/// Filters per block and vectors of positions per block: filters x vectors
/// accumulators, plus the vectors loaded, fit the registers (32 with
/// AVX-512, 16 otherwise).
template <int B> constexpr int kFilterBlock = B == 64 ? 8 : 4;
template <int B> constexpr int kPositionVectors = B == 64 ? 3 : 2;

/// tile[k][l] = sum over taps t of packed[t][k] * padded[q0 + l + offset t]
/// for the block's filters k and its positions l.
template <int B>
DL_INLINE void forwardBlock(const ForwardCall &call, const float *padded,
                            const float *packed, int64_t q0, float *tile) {
  using V = typename Vector<float, B>::Type;
  constexpr int KO = kFilterBlock<B>, XV = kPositionVectors<B>;
  constexpr int64_t L = kLanes<float, B>;
  V acc[KO][XV];
#pragma GCC unroll 8
  for (int k = 0; k < KO; ++k)
#pragma GCC unroll 4
    for (int v = 0; v < XV; ++v)
      acc[k][v] = V{};
  const float *start = padded + q0;
  for (int64_t t = 0, taps = call.g.taps(); t < taps; ++t) {
    const float *in = start + call.offsets[t];
    V x[XV];
#pragma GCC unroll 4
    for (int v = 0; v < XV; ++v)
      loadVector(x[v], in + v * L);
    const float *w = packed + t * KO;
#pragma GCC unroll 8
    for (int k = 0; k < KO; ++k)
#pragma GCC unroll 4
      for (int v = 0; v < XV; ++v)
        acc[k][v] += w[k] * x[v];
  }
#pragma GCC unroll 8
  for (int k = 0; k < KO; ++k)
#pragma GCC unroll 4
    for (int v = 0; v < XV; ++v)
      storeVector(tile + k * XV * L + v * L, acc[k][v]);
}

/// Writes the tile of positions [q0, q0 + width) of filters [f0, f0 +
/// filters) to image n's output, plus the bias, dropping the positions
/// between rows and past the last output. Inlined into forwardImage<B>, so
/// that its copies use that instruction set's vectors.
DL_INLINE void writeTile(const ForwardCall &call, int64_t n, int64_t f0,
                         int64_t filters, int64_t q0, int64_t width,
                         const float *tile) {
  const Geometry &g = call.g;
  int64_t rowLength = g.paddedWidth(), outWidth = g.outWidth();
  int64_t end = std::min(q0 + width, g.span());
  float *image = call.output + n * g.outSize();
  for (int64_t k = 0; k < filters; ++k) {
    int64_t f = f0 + k;
    float bias = call.bias ? call.bias[f] : 0.0f;
    const float *row = tile + k * width;
    float *plane = image + f * g.outHeight() * outWidth;
    for (int64_t q = q0; q < end;) {
      int64_t y = q / rowLength, x = q - y * rowLength;
      int64_t rowEnd = std::min(end, (y + 1) * rowLength);
      int64_t last = std::min(outWidth, rowEnd - y * rowLength);
      float *out = plane + y * outWidth;
      for (; x < last; ++x)
        out[x] = row[y * rowLength + x - q0] + bias;
      q = rowEnd;
    }
  }
}

template <int B>
DL_INLINE void forwardImage(const ForwardCall &call, const float *padded,
                            int64_t n) {
  constexpr int KO = kFilterBlock<B>;
  constexpr int64_t width = kPositionVectors<B> * kLanes<float, B>;
  const Geometry &g = call.g;
  float tile[KO * width];
  for (int64_t f0 = 0; f0 < g.filters; f0 += KO) {
    const float *packed = call.packed + f0 * g.taps();
    for (int64_t q0 = 0; q0 < g.span(); q0 += width) {
      forwardBlock<B>(call, padded, packed, q0, tile);
      writeTile(call, n, f0, std::min<int64_t>(KO, g.filters - f0), q0, width,
                tile);
    }
  }
}

using ForwardImage = void (*)(const ForwardCall &, const float *, int64_t);

void forwardImageSSE(const ForwardCall &call, const float *padded, int64_t n) {
  forwardImage<16>(call, padded, n);
}
#if DL_HAVE_WIDE_VECTORS
DL_TARGET_AVX2 void forwardImageAVX2(const ForwardCall &call,
                                     const float *padded, int64_t n) {
  forwardImage<32>(call, padded, n);
}
DL_TARGET_AVX512 void forwardImageAVX512(const ForwardCall &call,
                                         const float *padded, int64_t n) {
  forwardImage<64>(call, padded, n);
}
#endif

/// The forward for this machine's widest vectors, and its filter block.
std::pair<ForwardImage, int> forwardForThisMachine() {
  switch (widestInstructionSet()) {
#if DL_HAVE_WIDE_VECTORS
  case InstructionSet::AVX512:
    return {forwardImageAVX512, kFilterBlock<64>};
  case InstructionSet::AVX2:
    return {forwardImageAVX2, kFilterBlock<32>};
#endif
  default:
    return {forwardImageSSE, kFilterBlock<16>};
  }
}

/// output[n] = input[n] (*) filter + bias for every image n, one image per
/// task.
template <typename Filter>
void convolve(const Geometry &g, int64_t batch, const float *input,
              Filter filter, const float *bias, float *output) {
  if (winogradApplies(g)) {
    std::vector<float> filters(g.filters * g.taps());
    for (int64_t f = 0; f < g.filters; ++f)
      for (int64_t c = 0; c < g.channels; ++c)
        for (int64_t i = 0; i < 3; ++i)
          for (int64_t j = 0; j < 3; ++j)
            filters[((f * g.channels + c) * 3 + i) * 3 + j] =
                filter(f, c, i, j);
    winogradConvolve(g, batch, input, filters.data(), bias, output);
    return;
  }
  auto [image, block] = forwardForThisMachine();
  std::vector<float> packed = packFilters(g, block, filter);
  std::vector<int64_t> offsets = tapOffsets(g);
  ForwardCall call{g, packed.data(), offsets.data(), bias, output};
  onThreads(batch, [&](int64_t thread, int64_t threads) {
    PaddedImage padded(g);
    for (int64_t n = thread; n < batch; n += threads) {
      padded.load(input + n * g.imageSize());
      image(call, padded.data(), n);
    }
  });
}

//===----------------------------------------------------------------------===//
// Weight gradient.
//===----------------------------------------------------------------------===//

/// The gradient of one image's output, its rows paddedWidth apart as the
/// positions of the forward, zero between rows and past the last, and
/// zero rows up to a whole block of filters.
class PaddedGradient {
public:
  PaddedGradient(const Geometry &g, int64_t filterBlock, int64_t lanes)
      : g(g), rowLength(roundUp(g.span(), lanes)),
        padded(roundUp(g.filters, filterBlock) * rowLength) {}

  void load(const float *dy) {
    for (int64_t f = 0; f < g.filters; ++f)
      for (int64_t y = 0; y < g.outHeight(); ++y)
        copyFloats<16>(padded.data() + f * rowLength + y * g.paddedWidth(),
                       dy + (f * g.outHeight() + y) * g.outWidth(),
                       g.outWidth());
  }
  const float *row(int64_t f) const { return padded.data() + f * rowLength; }
  /// Positions per row: span() rounded up to whole vectors.
  int64_t length() const { return rowLength; }

private:
  Geometry g;
  int64_t rowLength;
  AlignedFloats padded; // Rows at 64-byte boundaries.
};

struct WeightCall {
  Geometry g;
  int64_t filterBlock; // Filters per unit of work.
};

/// Registers for the accumulators: filters x taps of them.
template <int B> constexpr int kAccumulators = B == 64 ? 24 : 12;

/// sums[j][k] += sum over positions q of dy[k][q] * in[q + j] lane by lane,
/// for KO filters and TAPS taps of one kernel row.
template <int B, int KO, int TAPS>
DL_INLINE void weightTaps(const PaddedGradient &dy, int64_t f0, const float *in,
                          float *sums, int64_t filterBlock) {
  using V = typename Vector<float, B>::Type;
  constexpr int64_t L = kLanes<float, B>;
  V acc[KO][TAPS];
#pragma GCC unroll 8
  for (int k = 0; k < KO; ++k)
#pragma GCC unroll 8
    for (int j = 0; j < TAPS; ++j)
      loadVector(acc[k][j], sums + (j * filterBlock + k) * L);
  const float *rows[KO];
#pragma GCC unroll 8
  for (int k = 0; k < KO; ++k)
    rows[k] = dy.row(f0 + k);
  for (int64_t q = 0, n = dy.length(); q < n; q += L) {
    V x[TAPS];
#pragma GCC unroll 8
    for (int j = 0; j < TAPS; ++j)
      loadVector(x[j], in + q + j);
#pragma GCC unroll 8
    for (int k = 0; k < KO; ++k) {
      V d;
      loadVector(d, rows[k] + q);
      // In a register: GCC would otherwise load d again for each tap, as
      // the operand of its multiply-add (three loads where one does).
      asm("" : "+v"(d));
#pragma GCC unroll 8
      for (int j = 0; j < TAPS; ++j)
        acc[k][j] += d * x[j];
    }
  }
#pragma GCC unroll 8
  for (int k = 0; k < KO; ++k)
#pragma GCC unroll 8
    for (int j = 0; j < TAPS; ++j)
      storeVector(sums + (j * filterBlock + k) * L, acc[k][j]);
}

/// The filters of a unit, KO at a time: as many as the accumulators allow
/// next to TAPS taps, a power of two.
template <int B, int TAPS>
DL_INLINE void weightTapsOfUnit(const PaddedGradient &dy, int64_t f0,
                                const float *in, float *sums,
                                int64_t filterBlock) {
  constexpr int budget = kAccumulators<B> / TAPS;
  constexpr int KO = std::min(kFilterBlock<B>, budget >= 8   ? 8
                                               : budget >= 4 ? 4
                                               : budget >= 2 ? 2
                                                             : 1);
  static_assert(kFilterBlock<B> % KO == 0, "sub-blocks must tile a unit");
  constexpr int64_t L = kLanes<float, B>;
  for (int64_t k = 0; k < filterBlock; k += KO)
    weightTaps<B, KO, TAPS>(dy, f0 + k, in, sums + k * L, filterBlock);
}

/// Adds one image's share to the lane sums of unit (filter block, channel
/// c): sums[(i * kernelWidth + j) * filterBlock + k] for tap (i, j) of
/// filter f0 + k.
template <int B>
DL_INLINE void weightUnit(const WeightCall &call, const float *padded,
                          const PaddedGradient &dy, int64_t f0, int64_t c,
                          float *sums) {
  const Geometry &g = call.g;
  constexpr int64_t L = kLanes<float, B>;
  for (int64_t i = 0; i < g.kernelHeight; ++i)
    for (int64_t j0 = 0; j0 < g.kernelWidth; j0 += 8) {
      const float *in = padded + c * g.plane() + i * g.paddedWidth() + j0;
      float *at = sums + (i * g.kernelWidth + j0) * call.filterBlock * L;
      switch (std::min<int64_t>(8, g.kernelWidth - j0)) {
#define DL_TAPS_CASE(n)                                                        \
  case n:                                                                      \
    weightTapsOfUnit<B, n>(dy, f0, in, at, call.filterBlock);                  \
    break;
        DL_TAPS_CASE(1)
        DL_TAPS_CASE(2)
        DL_TAPS_CASE(3)
        DL_TAPS_CASE(4)
        DL_TAPS_CASE(5)
        DL_TAPS_CASE(6)
        DL_TAPS_CASE(7)
        DL_TAPS_CASE(8)
#undef DL_TAPS_CASE
      }
    }
}

using WeightUnit = void (*)(const WeightCall &, const float *,
                            const PaddedGradient &, int64_t, int64_t, float *);

void weightUnitSSE(const WeightCall &call, const float *padded,
                   const PaddedGradient &dy, int64_t f0, int64_t c,
                   float *sums) {
  weightUnit<16>(call, padded, dy, f0, c, sums);
}
#if DL_HAVE_WIDE_VECTORS
DL_TARGET_AVX2 void weightUnitAVX2(const WeightCall &call, const float *padded,
                                   const PaddedGradient &dy, int64_t f0,
                                   int64_t c, float *sums) {
  weightUnit<32>(call, padded, dy, f0, c, sums);
}
DL_TARGET_AVX512 void weightUnitAVX512(const WeightCall &call,
                                       const float *padded,
                                       const PaddedGradient &dy, int64_t f0,
                                       int64_t c, float *sums) {
  weightUnit<64>(call, padded, dy, f0, c, sums);
}
#endif

struct WeightKernel {
  WeightUnit unit;
  int64_t filterBlock, lanes;
};

WeightKernel weightForThisMachine() {
  switch (widestInstructionSet()) {
#if DL_HAVE_WIDE_VECTORS
  case InstructionSet::AVX512:
    return {weightUnitAVX512, kFilterBlock<64>, kLanes<float, 64>};
  case InstructionSet::AVX2:
    return {weightUnitAVX2, kFilterBlock<32>, kLanes<float, 32>};
#endif
  default:
    return {weightUnitSSE, kFilterBlock<16>, kLanes<float, 16>};
  }
}

/// dw = the sum over images of dy[n] correlated with padded x[n]. Units of
/// work are (filter block, channel) pairs; each thread takes every
/// threads-th unit, goes through the images in order, and keeps its units'
/// sums lane by lane until the last image.
void filterGradient(const Geometry &g, int64_t batch, const float *x,
                    const float *dy, float *dw) {
  WeightKernel kernel = weightForThisMachine();
  WeightCall call{g, kernel.filterBlock};
  int64_t blocks = (g.filters + kernel.filterBlock - 1) / kernel.filterBlock;
  int64_t units = blocks * g.channels;
  int64_t taps = g.kernelHeight * g.kernelWidth;
  int64_t unitSums = taps * kernel.filterBlock * kernel.lanes;
  onThreads(units, [&](int64_t thread, int64_t threads) {
    PaddedImage padded(g);
    PaddedGradient gradient(g, kernel.filterBlock, kernel.lanes);
    int64_t mine = (units - thread + threads - 1) / threads;
    std::vector<float> sums(mine * unitSums, 0.0f);
    for (int64_t n = 0; n < batch; ++n) {
      padded.load(x + n * g.imageSize());
      gradient.load(dy + n * g.outSize());
      for (int64_t u = thread, m = 0; u < units; u += threads, ++m)
        kernel.unit(call, padded.data(), gradient,
                    (u / g.channels) * kernel.filterBlock, u % g.channels,
                    sums.data() + m * unitSums);
    }
    for (int64_t u = thread, m = 0; u < units; u += threads, ++m) {
      int64_t f0 = (u / g.channels) * kernel.filterBlock, c = u % g.channels;
      for (int64_t k = 0; k < kernel.filterBlock && f0 + k < g.filters; ++k)
        for (int64_t t = 0; t < taps; ++t) {
          const float *lanes = sums.data() + m * unitSums +
                               (t * kernel.filterBlock + k) * kernel.lanes;
          float sum = 0.0f;
          for (int64_t l = 0; l < kernel.lanes; ++l)
            sum += lanes[l];
          dw[((f0 + k) * g.channels + c) * taps + t] = sum;
        }
    }
  });
}

} // namespace

extern "C" void dl_conv2d_fwd_f32(const float *x, const float *w,
                                  const float *bias, float *y, int64_t batch,
                                  int64_t channels, int64_t height,
                                  int64_t width, int64_t filters,
                                  int64_t kernelHeight, int64_t kernelWidth,
                                  int64_t padTop, int64_t padLeft) {
  Geometry g{channels,     height,      width,  filters,
             kernelHeight, kernelWidth, padTop, padLeft};
  convolve(
      g, batch, x,
      [&](int64_t f, int64_t c, int64_t i, int64_t j) {
        return w[((f * channels + c) * kernelHeight + i) * kernelWidth + j];
      },
      bias, y);
}

extern "C" void
dl_conv2d_grad_input_f32(const float *dy, const float *w, float *dx,
                         int64_t batch, int64_t channels, int64_t height,
                         int64_t width, int64_t filters, int64_t kernelHeight,
                         int64_t kernelWidth, int64_t padTop, int64_t padLeft) {
  int64_t outHeight = height + 2 * padTop - kernelHeight + 1;
  int64_t outWidth = width + 2 * padLeft - kernelWidth + 1;
  // dy's channels are the filters, dx's the filters' channels.
  Geometry g{filters,
             outHeight,
             outWidth,
             channels,
             kernelHeight,
             kernelWidth,
             kernelHeight - 1 - padTop,
             kernelWidth - 1 - padLeft};
  convolve(
      g, batch, dy,
      [&](int64_t c, int64_t f, int64_t i, int64_t j) {
        return w[((f * channels + c) * kernelHeight + kernelHeight - 1 - i) *
                     kernelWidth +
                 kernelWidth - 1 - j];
      },
      nullptr, dx);
}

extern "C" void dl_conv2d_grad_weight_f32(
    const float *x, const float *dy, float *dw, int64_t batch, int64_t channels,
    int64_t height, int64_t width, int64_t filters, int64_t kernelHeight,
    int64_t kernelWidth, int64_t padTop, int64_t padLeft) {
  Geometry g{channels,     height,      width,  filters,
             kernelHeight, kernelWidth, padTop, padLeft};
  if (winogradApplies(g))
    winogradFilterGradient(g, batch, x, dy, dw);
  else
    filterGradient(g, batch, x, dy, dw);
}
