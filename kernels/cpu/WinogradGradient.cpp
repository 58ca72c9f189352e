//===- WinogradGradient.cpp - 3x3 filter gradients by F(MxM, 3x3) ---------===//
//
// Part of dlcc's kernels. The forward of Winograd.cpp computes each MxM
// output tile as Y = A' M A, M = U . V summed over channels, U = G g G',
// V = B' d B. Its gradient with respect to the filters is
//   dM = A dY A'                  (T x T elements x per tile and filter)
//   dU[x][c][f] = sum over tiles of V[x][c][tile] * dM[x][tile][f]
//   dg = G' dU G                   (the 3x3 filter gradient)
// T x T products with a long sum (every tile of every image) where the
// direct kernel does 9 M^2 multiply-adds per tile, filter and channel.
//
// dM is kept with the filters in vector lanes ([x][tile][filter]): the
// products then keep filters x channels in registers over a chunk's tiles
// and add them to memory once a chunk, with no sum across lanes. dy is
// turned from [filter][y][x] into [y][x][filter] an image at a time by
// transposing square blocks in registers.
//
// The chunks of images are dealt round-robin into a fixed number of groups
// (not the number of threads), which threads take as they finish them;
// each group sums its chunks in order into its own dU, and the groups' dU
// are added in order at the end: results do not depend on the number of
// threads.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/Parallel.h"
#include "kernels/cpu/Simd.h"
#include "kernels/cpu/Winograd.h"
#include "kernels/cpu/WinogradInput.h"

#include <algorithm>
#include <atomic>
#include <memory>
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

template <int M> struct Call {
  ConvGeometry g;
  Chunks<M> chunks;
  int64_t filterStride; // paddedFilters(g.filters).
  const float *x, *dy;
  float *groupSums; // dU of each group: [group][x][channel][filterStride].
  std::atomic<int64_t> *nextGroup; // The next group no thread has taken.
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
template <int M> struct Scratch {
  static constexpr int kElements = Tiling<M>::kElements;

  explicit Scratch(const Call<M> &call)
      : input(call.g, call.chunks),
        v(kElements * call.g.channels * call.chunks.tileStride,
          AlignedFloats::kUninitialized),
        dyT(M * M * call.chunks.tiling.perImage() * call.filterStride),
        dm(kElements * call.chunks.tileStride * call.filterStride,
           AlignedFloats::kUninitialized) {}

  InputTransform<M> input;
  // v and dm are written before they are read (the products read only a
  // chunk's tiles); dyT is zero past the outputs, where it is never written.
  AlignedFloats v;   // v[(x * channels + c) * tileStride + tile].
  AlignedFloats dyT; // One image's dy as [y][x][filter], M rows x M cols
                     // positions.
  AlignedFloats dm;  // dm[(x * tileStride + tile) * filterStride + f].
};

/// Scratch::dyT from image n's dy, L x L blocks of (filters, positions)
/// transposed in registers.
template <int B, int M>
DL_INLINE void transposeGradient(const Call<M> &call, Scratch<M> &s,
                                 int64_t n) {
  using V = typename Vector<float, B>::Type;
  constexpr int64_t L = kLanes<float, B>;
  const ConvGeometry &g = call.g;
  int64_t outWidth = g.outWidth(), rowLength = M * call.chunks.tiling.cols;
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
template <int B, int M>
DL_INLINE void transformGradient(const Call<M> &call, Scratch<M> &s,
                                 int64_t base) {
  using V = typename Vector<float, B>::Type;
  using Transform = WinogradTransform<M>;
  constexpr int64_t L = kLanes<float, B>;
  constexpr int T = M + 2;
  const Tiling<M> &t = call.chunks.tiling;
  int64_t fs = call.filterStride, rowLength = M * t.cols;
  int64_t next = call.chunks.tileStride * fs; // From x to x + 1.
  for (int64_t ty = 0; ty < t.rows; ++ty)
    for (int64_t tx = 0; tx < t.cols; ++tx) {
      const float *dy = s.dyT.data() + (M * ty * rowLength + M * tx) * fs;
      float *to = s.dm.data() + (base + ty * t.cols + tx) * fs;
      for (int64_t f = 0; f < fs; f += L) {
        V e[T][M]; // A dY, column by column.
#pragma GCC unroll 4
        for (int j = 0; j < M; ++j) {
          V column[M], dm[T];
#pragma GCC unroll 4
          for (int i = 0; i < M; ++i)
            loadVector(column[i], dy + (i * rowLength + j) * fs + f);
          Transform::outputGradient(column, dm);
#pragma GCC unroll 6
          for (int i = 0; i < T; ++i)
            e[i][j] = dm[i];
        }
#pragma GCC unroll 6
        for (int i = 0; i < T; ++i) {
          V dm[T];
          Transform::outputGradient(e[i], dm);
          float *row = to + T * i * next + f;
#pragma GCC unroll 6
          for (int j = 0; j < T; ++j)
            storeVector(row + j * next, dm[j]);
        }
      }
    }
}

/// sums[c][f] += sum over tiles of v[c][tile] * dm[tile][f] for CO
/// channels and kFilterVectors vectors of filters, one x; = where `start`.
template <int B, int CO>
DL_INLINE void multiplyBlock(const float *v, int64_t tileStride,
                             const float *dm, int64_t filterStride,
                             int64_t tiles, bool start, float *sums) {
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
      float *to = sums + c * filterStride + f * L;
      if (start) {
        storeVector(to, acc[c][f]);
        continue;
      }
      V sum;
      loadVector(sum, to);
      storeVector(to, sum + acc[c][f]);
    }
}

/// The products of one chunk (in v and dm) added to a group's dU, or its
/// first value where `start`.
template <int B, int M>
DL_INLINE void multiplyChunk(const Call<M> &call, const Scratch<M> &s,
                             int64_t tiles, bool start, float *sums) {
  constexpr int CO = kChannelBlock<B>;
  constexpr int64_t filtersPerBlock = kFilterVectors * kLanes<float, B>;
  int64_t channels = call.g.channels, ts = call.chunks.tileStride,
          fs = call.filterStride;
  for (int x = 0; x < Tiling<M>::kElements; ++x)
    for (int64_t f0 = 0; f0 < fs; f0 += filtersPerBlock)
      for (int64_t c0 = 0; c0 < channels; c0 += CO) {
        const float *v = s.v.data() + (x * channels + c0) * ts;
        const float *dm = s.dm.data() + x * ts * fs + f0;
        float *to = sums + (x * channels + c0) * fs + f0;
        switch (std::min<int64_t>(CO, channels - c0)) {
#define DL_CHANNELS_CASE(n)                                                    \
  case n:                                                                      \
    if constexpr (n <= CO)                                                     \
      multiplyBlock<B, n>(v, ts, dm, fs, tiles, start, to);                    \
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

/// Groups until none is left: threads take them as they finish them (a
/// group's sums do not depend on which thread).
template <int B, int M>
DL_INLINE void sumGroups(const Call<M> &call, int64_t groups) {
  const ConvGeometry &g = call.g;
  int64_t perImage = call.chunks.tiling.perImage();
  int64_t groupSize = Tiling<M>::kElements * g.channels * call.filterStride;
  Scratch<M> s(call);
  for (int64_t group; (group = call.nextGroup->fetch_add(
                           1, std::memory_order_relaxed)) < groups;)
    for (int64_t chunk = group; chunk < call.chunks.count(); chunk += groups) {
      s.input.template transform<B>(call.x, chunk, s.v.data());
      int64_t first = call.chunks.first(chunk);
      int64_t images = call.chunks.imagesOf(chunk);
      for (int64_t n = 0; n < images; ++n) {
        transposeGradient<B>(call, s, first + n);
        transformGradient<B>(call, s, n * perImage);
      }
      multiplyChunk<B>(call, s, images * perImage, chunk == group,
                       call.groupSums + group * groupSize);
    }
}

template <int M> using SumGroups = void (*)(const Call<M> &, int64_t);

template <int M> void sumGroupsSSE(const Call<M> &call, int64_t groups) {
  sumGroups<16>(call, groups);
}
#if DL_HAVE_WIDE_VECTORS
template <int M>
DL_TARGET_AVX2 void sumGroupsAVX2(const Call<M> &call, int64_t groups) {
  sumGroups<32>(call, groups);
}
template <int M>
DL_TARGET_AVX512 void sumGroupsAVX512(const Call<M> &call, int64_t groups) {
  sumGroups<64>(call, groups);
}
#endif

template <int M> SumGroups<M> sumGroupsForThisMachine() {
  switch (widestInstructionSet()) {
#if DL_HAVE_WIDE_VECTORS
  case InstructionSet::AVX512:
    return sumGroupsAVX512<M>;
  case InstructionSet::AVX2:
    return sumGroupsAVX2<M>;
#endif
  default:
    return sumGroupsSSE<M>;
  }
}

/// dw[f][c] = G' dU[c][f] G for every filter f of channel c, dU the sum of
/// the groups' in order; the filters in the inner loops.
template <int M>
DL_TARGET_CLONES void
transformBackChannel(const ConvGeometry &g, const float *sums, int64_t groups,
                     int64_t filterStride, int64_t c, float *dw) {
  constexpr int T = M + 2;
  constexpr auto &G = WinogradTransform<M>::G;
  int64_t fs = filterStride, groupSize = T * T * g.channels * fs;
  std::vector<float> du(T * T * fs), t(3 * T * fs, 0.0f), w(9 * fs, 0.0f);
  for (int x = 0; x < T * T; ++x) {
    const float *from = sums + (x * g.channels + c) * fs;
    float *to = du.data() + x * fs;
    std::copy_n(from, fs, to);
    for (int64_t group = 1; group < groups; ++group)
      for (int64_t f = 0; f < fs; ++f)
        to[f] += from[group * groupSize + f];
  }
  for (int i = 0; i < 3; ++i) // t = G' dU
    for (int j = 0; j < T; ++j)
      for (int k = 0; k < T; ++k)
        if (float coefficient = G[k][i])
          for (int64_t f = 0; f < fs; ++f)
            t[(i * T + j) * fs + f] += coefficient * du[(k * T + j) * fs + f];
  for (int i = 0; i < 3; ++i) // w = t G
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < T; ++k)
        if (float coefficient = G[k][j])
          for (int64_t f = 0; f < fs; ++f)
            w[(i * 3 + j) * fs + f] += coefficient * t[(i * T + k) * fs + f];
  for (int64_t f = 0; f < g.filters; ++f)
    for (int e = 0; e < 9; ++e)
      dw[(f * g.channels + c) * 9 + e] = w[e * fs + f];
}

/// Every channel's transformBackChannel, a channel per task.
template <int M>
void transformBack(const ConvGeometry &g, const float *sums, int64_t groups,
                   int64_t filterStride, float *dw) {
  forEachTask(g.channels, [&](int64_t c) {
    transformBackChannel<M>(g, sums, groups, filterStride, c, dw);
  });
}

template <int M>
void filterGradient(const ConvGeometry &g, int64_t batch, const float *x,
                    const float *dy, float *dw) {
  constexpr int kElements = Tiling<M>::kElements;
  int64_t filterStride = paddedFilters(g.filters);
  Chunks<M> chunks(g, batch, kElements * (g.channels + filterStride));
  int64_t groups = std::min(kGroups, chunks.count());
  int64_t groupSize = kElements * g.channels * filterStride;
  // Each group's first chunk writes all of its sums.
  std::unique_ptr<float[]> sums(new float[groups * groupSize]);
  std::atomic<int64_t> nextGroup{0};
  Call<M> call{g, chunks, filterStride, x, dy, sums.get(), &nextGroup};
  SumGroups<M> sumGroups = sumGroupsForThisMachine<M>();
  onThreads(groups, [&](int64_t, int64_t) { sumGroups(call, groups); });
  transformBack<M>(g, sums.get(), groups, filterStride, dw);
}

} // namespace

void dlcc::kernels::winogradFilterGradient(const ConvGeometry &g, int64_t batch,
                                           const float *x, const float *dy,
                                           float *dw) {
  if (winogradTileSize(g) == 4)
    filterGradient<4>(g, batch, x, dy, dw);
  else
    filterGradient<2>(g, batch, x, dy, dw);
}
