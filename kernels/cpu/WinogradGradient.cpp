//===- WinogradGradient.cpp - 3x3 filter gradients by F(2x2, 3x3) ---------===//
//
// Part of dlcc's kernels. The forward of Winograd.cpp computes each 2x2
// output tile as Y = A' M A, M = U . V summed over channels, U = G g G',
// V = B' d B. Its gradient with respect to the filters is
//   dM = A dY A'                       (16 elements x per tile and filter)
//   dU[x][c][f] = sum over tiles of V[x][c][tile] * dM[x][tile][f]
//   dg = G' dU G                        (the 3x3 filter gradient)
// 16 products with a long sum (every tile of every image) where the direct
// kernel does 36 multiply-adds per tile position, filter and channel.
//
// dM is kept with the filters in vector lanes ([x][tile][filter]): the
// products then keep filters x channels in registers over a chunk's tiles
// and add them to memory once a chunk, with no sum across lanes. dy is
// turned from [filter][y][x] into [y][x][filter] an image at a time by
// transposing square blocks in registers.
//
// The chunks of images are dealt round-robin into a fixed number of groups
// (not the number of threads); each group sums its chunks in order into
// its own dU, and the groups' dU are added in order at the end: results do
// not depend on the number of threads.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/Parallel.h"
#include "kernels/cpu/Simd.h"
#include "kernels/cpu/Winograd.h"
#include "kernels/cpu/WinogradInput.h"

#include <algorithm>
#include <utility>
#include <vector>

using namespace dlcc::kernels;
using namespace dlcc::kernels::winograd;

namespace {

/// Groups of chunks, each summed into its own dU (the most threads used).
constexpr int64_t kGroups = 8;

/// Vectors of filters x channels per block of the products: accumulators
/// plus the vectors loaded fit the registers (32 with AVX-512, 16
/// otherwise).
constexpr int kFilterVectors = 2;
template <int B> constexpr int kChannelBlock = B == 64 ? 8 : 6;
/// Filters rounded up to whole blocks of the widest vectors.
int64_t paddedFilters(int64_t filters) {
  return roundUp(filters, kFilterVectors * kMaxLanes);
}

struct Call {
  ConvGeometry g;
  Chunks chunks;
  int64_t filterStride; // paddedFilters(g.filters).
  const float *x, *dy;
  float *groupSums; // dU of each group: [group][x][channel][filterStride].
};

/// a and b with their blocks of H lanes crossed: a's odd blocks become b's
/// even ones, and b's even blocks a's odd ones.
template <int64_t H, typename V, size_t... I>
DL_INLINE void crossBlocks(V &a, V &b, std::index_sequence<I...>) {
  constexpr int64_t L = sizeof...(I);
  V upper = __builtin_shufflevector(a, b, ((I & H) ? L + I - H : I)...);
  b = __builtin_shufflevector(a, b, ((I & H) ? L + I : I + H)...);
  a = upper;
}

/// m[r][l] becomes m[l][r]: the off-diagonal blocks of H x H swapped, for
/// H = L / 2 down to 1.
template <int64_t L, int64_t H, typename V>
DL_INLINE void transposeFrom(V (&m)[L]) {
  if constexpr (H >= 1) {
    constexpr auto lanes = std::make_index_sequence<L>();
#pragma GCC unroll 16
    for (int64_t i = 0; i < L; ++i)
      if (!(i & H))
        crossBlocks<H>(m[i], m[i + H], lanes);
    transposeFrom<L, H / 2>(m);
  }
}

/// A thread's buffers.
struct Scratch {
  explicit Scratch(const Call &call)
      : input(call.g, call.chunks),
        v(kTileElements * call.g.channels * call.chunks.tileStride),
        dyT(4 * call.chunks.tiling.perImage() * call.filterStride),
        dm(kTileElements * call.chunks.tileStride * call.filterStride) {}

  InputTransform input;
  AlignedFloats v;   // v[(x * channels + c) * tileStride + tile].
  AlignedFloats dyT; // One image's dy as [y][x][filter], 2 rows x 2 cols
                     // positions (zero past the outputs).
  AlignedFloats dm;  // dm[(x * tileStride + tile) * filterStride + f].
};

/// Scratch::dyT from image n's dy, L x L blocks of (filters, positions)
/// transposed in registers.
template <int B>
DL_INLINE void transposeGradient(const Call &call, Scratch &s, int64_t n) {
  using V = typename Vector<float, B>::Type;
  constexpr int64_t L = kLanes<float, B>;
  const ConvGeometry &g = call.g;
  int64_t outWidth = g.outWidth(), rowLength = 2 * call.chunks.tiling.cols;
  const float *image = call.dy + n * g.outSize();
  const float *end = call.dy + call.chunks.batch * g.outSize();
  for (int64_t y = 0; y < g.outHeight(); ++y)
    for (int64_t x0 = 0; x0 < outWidth; x0 += L) {
      int64_t positions = std::min(L, outWidth - x0);
      for (int64_t f0 = 0; f0 < g.filters; f0 += L) {
        V m[L];
#pragma GCC unroll 16
        for (int64_t r = 0; r < L; ++r) {
          m[r] = V{};
          if (f0 + r >= g.filters)
            continue;
          const float *row = image + (f0 + r) * g.outPlane() + y * outWidth;
          // A vector past the row reads on into the next (its lanes are not
          // stored), where that is still dy.
          if (row + x0 + L <= end)
            loadVector(m[r], row + x0);
          else
            for (int64_t l = 0; l < positions; ++l)
              m[r][l] = row[x0 + l];
        }
        transposeFrom<L, L / 2>(m);
        for (int64_t l = 0; l < positions; ++l)
          storeVector(s.dyT.data() +
                          ((y * rowLength + x0 + l) * call.filterStride + f0),
                      m[l]);
      }
    }
}

/// dm[x][base + tile][f] = (A dY A')[x] for each tile of one image (dyT).
template <int B>
DL_INLINE void transformGradient(const Call &call, Scratch &s, int64_t base) {
  using V = typename Vector<float, B>::Type;
  constexpr int64_t L = kLanes<float, B>;
  const Tiling &t = call.chunks.tiling;
  int64_t fs = call.filterStride, rowLength = 2 * t.cols;
  int64_t next = call.chunks.tileStride * fs; // From x to x + 1.
  for (int64_t ty = 0; ty < t.rows; ++ty)
    for (int64_t tx = 0; tx < t.cols; ++tx) {
      const float *top = s.dyT.data() + (2 * ty * rowLength + 2 * tx) * fs;
      const float *bottom = top + rowLength * fs;
      float *to = s.dm.data() + (base + ty * t.cols + tx) * fs;
      for (int64_t f = 0; f < fs; f += L) {
        V y00, y01, y10, y11;
        loadVector(y00, top + f);
        loadVector(y01, top + fs + f);
        loadVector(y10, bottom + f);
        loadVector(y11, bottom + fs + f);
        // A dY: rows y0, y0 + y1, y0 - y1, -y1; then each row (a, b) A':
        // a, a + b, a - b, -b.
        V e[4][2] = {{y00, y01},
                     {y00 + y10, y01 + y11},
                     {y00 - y10, y01 - y11},
                     {-y10, -y11}};
#pragma GCC unroll 4
        for (int i = 0; i < 4; ++i) {
          V a = e[i][0], b = e[i][1];
          float *row = to + 4 * i * next + f;
          storeVector(row, a);
          storeVector(row + next, a + b);
          storeVector(row + 2 * next, a - b);
          storeVector(row + 3 * next, -b);
        }
      }
    }
}

/// sums[c][f] += sum over tiles of v[c][tile] * dm[tile][f] for CO
/// channels and kFilterVectors vectors of filters, one x.
template <int B, int CO>
DL_INLINE void multiplyBlock(const float *v, int64_t tileStride,
                             const float *dm, int64_t filterStride,
                             int64_t tiles, float *sums) {
  using V = typename Vector<float, B>::Type;
  constexpr int FV = kFilterVectors;
  constexpr int64_t L = kLanes<float, B>;
  V acc[CO][FV];
#pragma GCC unroll 8
  for (int c = 0; c < CO; ++c)
#pragma GCC unroll 2
    for (int f = 0; f < FV; ++f)
      acc[c][f] = V{};
  for (int64_t t = 0; t < tiles; ++t) {
    V d[FV];
#pragma GCC unroll 2
    for (int f = 0; f < FV; ++f)
      loadVector(d[f], dm + t * filterStride + f * L);
#pragma GCC unroll 8
    for (int c = 0; c < CO; ++c) {
      float in = v[c * tileStride + t];
#pragma GCC unroll 2
      for (int f = 0; f < FV; ++f)
        acc[c][f] += in * d[f];
    }
  }
#pragma GCC unroll 8
  for (int c = 0; c < CO; ++c)
#pragma GCC unroll 2
    for (int f = 0; f < FV; ++f) {
      V sum;
      loadVector(sum, sums + c * filterStride + f * L);
      storeVector(sums + c * filterStride + f * L, sum + acc[c][f]);
    }
}

/// The products of one chunk (in v and dm) added to a group's dU.
template <int B>
DL_INLINE void multiplyChunk(const Call &call, const Scratch &s, int64_t tiles,
                             float *sums) {
  constexpr int CO = kChannelBlock<B>;
  constexpr int64_t filtersPerBlock = kFilterVectors * kLanes<float, B>;
  int64_t channels = call.g.channels, ts = call.chunks.tileStride,
          fs = call.filterStride;
  for (int x = 0; x < kTileElements; ++x)
    for (int64_t f0 = 0; f0 < fs; f0 += filtersPerBlock)
      for (int64_t c0 = 0; c0 < channels; c0 += CO) {
        const float *v = s.v.data() + (x * channels + c0) * ts;
        const float *dm = s.dm.data() + x * ts * fs + f0;
        float *to = sums + (x * channels + c0) * fs + f0;
        switch (std::min<int64_t>(CO, channels - c0)) {
#define DL_CHANNELS_CASE(n)                                                    \
  case n:                                                                      \
    if constexpr (n <= CO)                                                     \
      multiplyBlock<B, n>(v, ts, dm, fs, tiles, to);                           \
    break;
          DL_CHANNELS_CASE(1)
          DL_CHANNELS_CASE(2)
          DL_CHANNELS_CASE(3)
          DL_CHANNELS_CASE(4)
          DL_CHANNELS_CASE(5)
          DL_CHANNELS_CASE(6)
          DL_CHANNELS_CASE(7)
          DL_CHANNELS_CASE(8)
#undef DL_CHANNELS_CASE
        }
      }
}

/// The groups of one thread: thread, thread + threads, ...
template <int B>
DL_INLINE void sumGroups(const Call &call, int64_t thread, int64_t threads,
                         int64_t groups) {
  const ConvGeometry &g = call.g;
  int64_t perImage = call.chunks.tiling.perImage();
  int64_t groupSize = kTileElements * g.channels * call.filterStride;
  Scratch s(call);
  for (int64_t group = thread; group < groups; group += threads)
    for (int64_t chunk = group; chunk < call.chunks.count(); chunk += groups) {
      s.input.transform<B>(call.x, chunk, s.v.data());
      int64_t first = call.chunks.first(chunk);
      int64_t images = call.chunks.imagesOf(chunk);
      for (int64_t n = 0; n < images; ++n) {
        transposeGradient<B>(call, s, first + n);
        transformGradient<B>(call, s, n * perImage);
      }
      multiplyChunk<B>(call, s, images * perImage,
                       call.groupSums + group * groupSize);
    }
}

using SumGroups = void (*)(const Call &, int64_t, int64_t, int64_t);

void sumGroupsSSE(const Call &call, int64_t thread, int64_t threads,
                  int64_t groups) {
  sumGroups<16>(call, thread, threads, groups);
}
#if DL_HAVE_WIDE_VECTORS
DL_TARGET_AVX2 void sumGroupsAVX2(const Call &call, int64_t thread,
                                  int64_t threads, int64_t groups) {
  sumGroups<32>(call, thread, threads, groups);
}
DL_TARGET_AVX512 void sumGroupsAVX512(const Call &call, int64_t thread,
                                      int64_t threads, int64_t groups) {
  sumGroups<64>(call, thread, threads, groups);
}
#endif

SumGroups sumGroupsForThisMachine() {
  switch (widestInstructionSet()) {
#if DL_HAVE_WIDE_VECTORS
  case InstructionSet::AVX512:
    return sumGroupsAVX512;
  case InstructionSet::AVX2:
    return sumGroupsAVX2;
#endif
  default:
    return sumGroupsSSE;
  }
}

/// dw[f][c] = G' dU[c][f] G for every filter f and channel c.
void transformBack(const ConvGeometry &g, const float *du, int64_t filterStride,
                   float *dw) {
  for (int64_t f = 0; f < g.filters; ++f)
    for (int64_t c = 0; c < g.channels; ++c) {
      float u[4][4];
      for (int x = 0; x < kTileElements; ++x)
        u[x / 4][x % 4] = du[(x * g.channels + c) * filterStride + f];
      float t[3][4]; // G' dU
      for (int j = 0; j < 4; ++j) {
        t[0][j] = u[0][j] + 0.5f * u[1][j] + 0.5f * u[2][j];
        t[1][j] = 0.5f * u[1][j] - 0.5f * u[2][j];
        t[2][j] = 0.5f * u[1][j] + 0.5f * u[2][j] + u[3][j];
      }
      float *w = dw + (f * g.channels + c) * 9;
      for (int i = 0; i < 3; ++i) {
        w[3 * i] = t[i][0] + 0.5f * t[i][1] + 0.5f * t[i][2];
        w[3 * i + 1] = 0.5f * t[i][1] - 0.5f * t[i][2];
        w[3 * i + 2] = 0.5f * t[i][1] + 0.5f * t[i][2] + t[i][3];
      }
    }
}

} // namespace

void dlcc::kernels::winogradFilterGradient(const ConvGeometry &g, int64_t batch,
                                           const float *x, const float *dy,
                                           float *dw) {
  int64_t filterStride = paddedFilters(g.filters);
  Chunks chunks(g, batch, kTileElements * (g.channels + filterStride));
  int64_t groups = std::min(kGroups, chunks.count());
  int64_t groupSize = kTileElements * g.channels * filterStride;
  std::vector<float> sums(groups * groupSize, 0.0f);
  Call call{g, chunks, filterStride, x, dy, sums.data()};
  SumGroups sumGroups = sumGroupsForThisMachine();
  onThreads(groups, [&](int64_t thread, int64_t threads) {
    sumGroups(call, thread, threads, groups);
  });
  for (int64_t group = 1; group < groups; ++group)
    for (int64_t e = 0; e < groupSize; ++e)
      sums[e] += sums[group * groupSize + e];
  transformBack(g, sums.data(), filterStride, dw);
}
