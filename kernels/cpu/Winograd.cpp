//===- Winograd.cpp - 3x3 convolutions by Winograd's F(MxM, 3x3) ----------===//
//
// Part of dlcc's kernels. F(MxM, 3x3) (WinogradTransforms.h) computes each
// MxM tile of outputs from the TxT tile of padded input under it (T = M +
// 2): Y = A' [(G g G') . (B' d B)] A. Summed over channels the elementwise
// products become T x T matrix products, one for each element x of the
// transformed tile:
//   M[x][f][tile] = sum over channels c of U[x][f][c] * V[x][c][tile],
// U = G g G' (the filters, transformed once a call) and V = B' d B (the
// input tiles). With M = 4 that is 36 multiply-adds per 16 outputs, filter
// and channel where the direct kernels do 144: 4x fewer.
//
// The images are split into chunks of a few images. A thread
// transforms a chunk's tiles into its V (T x T x channels x tiles floats,
// within the core's L2), then, for each block of filters and block of
// tiles, multiplies all x into a small buffer with filters x vectors of
// tiles in registers over the channels, as the direct forward, and
// transforms it into outputs at once. Threads take chunks (images split
// as evenly as whole images allow) as they finish them. Every output is
// computed by one thread, the same way in any chunk: results do not depend
// on the number of threads.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/Winograd.h"
#include "kernels/cpu/Parallel.h"
#include "kernels/cpu/Simd.h"
#include "kernels/cpu/WinogradInput.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <utility>
#include <vector>

using namespace dlcc::kernels;
using namespace dlcc::kernels::winograd;

namespace {

/// Filters per block and vectors of tiles per block: filters x vectors
/// accumulators, plus the vectors loaded, fit the registers (32 with
/// AVX-512, 16 otherwise).
template <int B> constexpr int kFilterBlock = B == 64 ? 8 : 4;
template <int B> constexpr int kTileVectors = B == 64 ? 3 : 2;

/// u[((x * blocks + b) * channels + c) * block + k] = (G g G')[x] for
/// filter b * block + k of channel c, zero past the last filter; the
/// filters in the inner loops.
template <int M>
DL_TARGET_CLONES void transformChannel(const ConvGeometry &g,
                                       const float *filters, int64_t block,
                                       int64_t c, float *u) {
  constexpr int T = M + 2;
  constexpr auto &G = WinogradTransform<M>::G;
  int64_t blocks = (g.filters + block - 1) / block, fs = blocks * block;
  std::vector<float> taps(9 * fs, 0.0f), t(T * 3 * fs, 0.0f),
      ut(T * T * fs, 0.0f);
  for (int64_t f = 0; f < g.filters; ++f)
    for (int e = 0; e < 9; ++e)
      taps[e * fs + f] = filters[(f * g.channels + c) * 9 + e];
  for (int i = 0; i < T; ++i) // t = G g
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k)
        if (float coefficient = G[i][k])
          for (int64_t f = 0; f < fs; ++f)
            t[(i * 3 + j) * fs + f] += coefficient * taps[(k * 3 + j) * fs + f];
  for (int i = 0; i < T; ++i) // ut = t G'
    for (int j = 0; j < T; ++j)
      for (int k = 0; k < 3; ++k)
        if (float coefficient = G[j][k])
          for (int64_t f = 0; f < fs; ++f)
            ut[(i * T + j) * fs + f] += coefficient * t[(i * 3 + k) * fs + f];
  for (int x = 0; x < T * T; ++x)
    for (int64_t b = 0; b < blocks; ++b)
      copyFloats<16>(u + ((x * blocks + b) * g.channels + c) * block,
                     ut.data() + x * fs + b * block, block);
}

/// Every channel's transformChannel, a channel per task.
template <int M>
std::vector<float> transformFilters(const ConvGeometry &g, const float *filters,
                                    int64_t block) {
  int64_t blocks = (g.filters + block - 1) / block;
  std::vector<float> u(Tiling<M>::kElements * blocks * block * g.channels);
  forEachTask(g.channels, [&](int64_t c) {
    transformChannel<M>(g, filters, block, c, u.data());
  });
  return u;
}

/// Tiles of a vector that are side by side in a row of tiles: each row of
/// their outputs is `length` floats in a row of the image.
struct OutputRun {
  int64_t offset; // Of the first output, from the chunk's first output.
  int64_t tile;   // The first tile, in the chunk.
  int64_t lane;   // The first tile's lane in the vector.
  int64_t length; // Floats in each row of outputs, up to the image's edge.
  int64_t rows;   // Rows of outputs inside the image.
};

template <int M> struct Call {
  ConvGeometry g;
  Chunks<M> chunks;
  const float *u;       // transformFilters(g, ..., kFilterBlock<B>)
  int64_t filterBlocks; // Blocks of kFilterBlock<B> filters.
  const float *bias;    // Or null.
  const float *input;
  float *output;
  // The output runs of each vector of a full chunk's tiles: runs[first[v]]
  // to runs[first[v + 1]] for vector v.
  const OutputRun *runs;
  const int64_t *firstRun;
  // The next chunk that no thread has taken: threads take chunks as they
  // finish them (a chunk's outputs do not depend on which thread).
  std::atomic<int64_t> *nextChunk;
};

/// A thread's buffers.
template <int M> struct Scratch {
  static constexpr int kElements = Tiling<M>::kElements;

  explicit Scratch(const Call<M> &call)
      : input(call.g, call.chunks),
        v(kElements * call.g.channels * call.chunks.tileStride,
          AlignedFloats::kUninitialized),
        m(kElements * 8 * kBlockTiles, AlignedFloats::kUninitialized) {}

  InputTransform<M> input;
  // Written before they are read: v for every vector of a chunk's tiles
  // (from the transform's zeroed rows past the last tile), m for every
  // vector of a block.
  AlignedFloats v; // v[(x * channels + c) * tileStride + tile].
  AlignedFloats m; // m[(x * filterBlock + k) * kBlockTiles + tile].
};

/// m[k][tile] = sum over channels c of u[c][k] * v[c][tile], for the
/// block's filters k and XV vectors of tiles.
template <int B, int XV>
DL_INLINE void multiplyTiles(const float *u, const float *v, int64_t channels,
                             int64_t stride, float *m) {
  using V = typename Vector<float, B>::Type;
  constexpr int KO = kFilterBlock<B>;
  constexpr int64_t L = kLanes<float, B>;
  V acc[KO][XV];
#pragma GCC unroll 8
  for (int k = 0; k < KO; ++k)
#pragma GCC unroll 4
    for (int x = 0; x < XV; ++x)
      acc[k][x] = V{};
  for (int64_t c = 0; c < channels; ++c) {
    V in[XV];
#pragma GCC unroll 4
    for (int x = 0; x < XV; ++x)
      loadVector(in[x], v + c * stride + x * L);
    const float *w = u + c * KO;
#pragma GCC unroll 8
    for (int k = 0; k < KO; ++k)
#pragma GCC unroll 4
      for (int x = 0; x < XV; ++x)
        acc[k][x] += w[k] * in[x];
  }
#pragma GCC unroll 8
  for (int k = 0; k < KO; ++k)
#pragma GCC unroll 4
    for (int x = 0; x < XV; ++x)
      storeVector(m + k * kBlockTiles + x * L, acc[k][x]);
}

/// The products of every x for a block of tiles: `vectors` of them.
template <int B, int M>
DL_INLINE void multiplyBlock(const Call<M> &call, const Scratch<M> &s,
                             int64_t b, int64_t t0, int64_t vectors, float *m) {
  constexpr int KO = kFilterBlock<B>;
  int64_t channels = call.g.channels;
  for (int x = 0; x < Tiling<M>::kElements; ++x) {
    const float *u = call.u + (x * call.filterBlocks + b) * channels * KO;
    const float *v = s.v.data() + x * channels * call.chunks.tileStride + t0;
    float *mx = m + x * KO * kBlockTiles;
    if (vectors >= 3 && kTileVectors<B> >= 3)
      multiplyTiles<B, kTileVectors<B>>(u, v, channels, call.chunks.tileStride,
                                        mx);
    else if (vectors >= 2)
      multiplyTiles<B, 2>(u, v, channels, call.chunks.tileStride, mx);
    else
      multiplyTiles<B, 1>(u, v, channels, call.chunks.tileStride, mx);
  }
}

/// out[l * M + j] = y[j][l]: each tile's M outputs side by side.
template <int M, typename V>
DL_INLINE void interleaveTiles(const V (&y)[M], float *out) {
  constexpr int64_t L = sizeof(V) / sizeof(float);
  V o[M];
  if constexpr (M == 2) {
    interleaveLanes(y[0], y[1], o[0], o[1]);
  } else {
    static_assert(M == 4);
    V evens[2], odds[2]; // y0 y2 ..., y1 y3 ...
    interleaveLanes(y[0], y[2], evens[0], evens[1]);
    interleaveLanes(y[1], y[3], odds[0], odds[1]);
    interleaveLanes(evens[0], odds[0], o[0], o[1]);
    interleaveLanes(evens[1], odds[1], o[2], o[3]);
  }
#pragma GCC unroll 4
  for (int j = 0; j < M; ++j)
    storeVector(out + j * L, o[j]);
}

/// Y = A' M A plus the bias for the block's `filters` filters and `tiles`
/// tiles from chunk tile t0, written to the chunk's outputs.
template <int B, int M>
DL_INLINE void writeOutputs(const Call<M> &call, const float *m, int64_t f0,
                            int64_t filters, int64_t t0, int64_t tiles,
                            float *out) {
  using V = typename Vector<float, B>::Type;
  using Transform = WinogradTransform<M>;
  constexpr int KO = kFilterBlock<B>, T = M + 2;
  constexpr int64_t L = kLanes<float, B>;
  int64_t outWidth = call.g.outWidth(), outPlane = call.g.outPlane();
  for (int64_t k = 0; k < filters; ++k) {
    float bias = call.bias ? call.bias[f0 + k] : 0.0f;
    float *plane = out + (f0 + k) * outPlane;
    for (int64_t l0 = 0; l0 < tiles; l0 += L) {
      V r[M][T]; // A' M, column by column.
#pragma GCC unroll 6
      for (int j = 0; j < T; ++j) {
        V column[T], y[M];
#pragma GCC unroll 6
        for (int i = 0; i < T; ++i)
          loadVector(column[i], m + ((i * T + j) * KO + k) * kBlockTiles + l0);
        Transform::output(column, y);
#pragma GCC unroll 4
        for (int i = 0; i < M; ++i)
          r[i][j] = y[i];
      }
      // (A' M) A, each tile's outputs of a row side by side.
      alignas(64) float rows[M][M * L];
#pragma GCC unroll 4
      for (int i = 0; i < M; ++i) {
        V y[M];
        Transform::output(r[i], y);
#pragma GCC unroll 4
        for (int j = 0; j < M; ++j)
          y[j] += bias;
        interleaveTiles<M>(y, rows[i]);
      }
      int64_t vector = (t0 + l0) / L;
      for (int64_t r = call.firstRun[vector]; r < call.firstRun[vector + 1];
           ++r) {
        const OutputRun &run = call.runs[r];
        if (run.tile >= t0 + tiles) // Of an image past a short chunk.
          break;
        for (int64_t i = 0; i < run.rows; ++i)
          copyFloats<B>(plane + run.offset + i * outWidth,
                        rows[i] + M * run.lane, run.length);
      }
    }
  }
}

/// Chunks until none is left.
template <int B, int M> DL_INLINE void convolveChunks(const Call<M> &call) {
  constexpr int KO = kFilterBlock<B>;
  constexpr int64_t L = kLanes<float, B>;
  const ConvGeometry &g = call.g;
  Scratch<M> s(call);
  for (int64_t chunk;
       (chunk = call.nextChunk->fetch_add(1, std::memory_order_relaxed)) <
       call.chunks.count();) {
    int64_t first = call.chunks.first(chunk);
    int64_t tiles = call.chunks.imagesOf(chunk) * call.chunks.tiling.perImage();
    s.input.template transform<B>(call.input, chunk, s.v.data());
    float *out = call.output + first * g.outSize();
    // The chunk's vectors of tiles in blocks of as even sizes as allow
    // kTileVectors<B> at most: 3 + 2 + 2 rather than 3 + 3 + 1 (a block
    // of one vector does a load per multiply-add).
    int64_t vectors = (tiles + L - 1) / L;
    int64_t blocks = (vectors + kTileVectors<B> - 1) / kTileVectors<B>;
    for (int64_t b = 0; b < call.filterBlocks; ++b)
      for (int64_t block = 0, v0 = 0; block < blocks; ++block) {
        int64_t size = (vectors - v0 + blocks - block - 1) / (blocks - block);
        int64_t t0 = v0 * L, blockSize = std::min(size * L, tiles - t0);
        multiplyBlock<B>(call, s, b, t0, size, s.m.data());
        writeOutputs<B>(call, s.m.data(), b * KO,
                        std::min<int64_t>(KO, g.filters - b * KO), t0,
                        blockSize, out);
        v0 += size;
      }
  }
}

template <int M> using ConvolveChunks = void (*)(const Call<M> &);

template <int M> void convolveChunksSSE(const Call<M> &call) {
  convolveChunks<16>(call);
}
#if DL_HAVE_WIDE_VECTORS
template <int M> DL_TARGET_AVX2 void convolveChunksAVX2(const Call<M> &call) {
  convolveChunks<32>(call);
}
template <int M>
DL_TARGET_AVX512 void convolveChunksAVX512(const Call<M> &call) {
  convolveChunks<64>(call);
}
#endif

/// The version for this machine's widest vectors, its filter block and
/// its lanes.
template <int M> struct Version {
  ConvolveChunks<M> convolveChunks;
  int filterBlock;
  int64_t lanes;
};
template <int M> Version<M> versionForThisMachine() {
  switch (widestInstructionSet()) {
#if DL_HAVE_WIDE_VECTORS
  case InstructionSet::AVX512:
    return {convolveChunksAVX512<M>, kFilterBlock<64>, kLanes<float, 64>};
  case InstructionSet::AVX2:
    return {convolveChunksAVX2<M>, kFilterBlock<32>, kLanes<float, 32>};
#endif
  default:
    return {convolveChunksSSE<M>, kFilterBlock<16>, kLanes<float, 16>};
  }
}

/// The output runs of a full chunk's tiles, vector by vector, and where
/// each vector's start (firstRun, one past the last vector too).
template <int M>
void outputRuns(const ConvGeometry &g, const Chunks<M> &chunks, int64_t lanes,
                std::vector<OutputRun> &runs, std::vector<int64_t> &firstRun) {
  const Tiling<M> &t = chunks.tiling;
  int64_t tiles = chunks.images * t.perImage();
  for (int64_t tile = 0; tile < tiles; ++tile) {
    int64_t n = tile / t.perImage(), ty = tile % t.perImage() / t.cols,
            tx = tile % t.cols, lane = tile % lanes;
    if (lane == 0)
      firstRun.push_back(int64_t(runs.size()));
    if (lane > 0 && tx > 0) { // The run goes on to this tile.
      OutputRun &run = runs.back();
      int64_t firstColumn = M * (tx - (tile - run.tile));
      run.length = std::min(M * (tx + 1), g.outWidth()) - firstColumn;
      continue;
    }
    runs.push_back({n * g.outSize() + M * ty * g.outWidth() + M * tx, tile,
                    lane, std::min<int64_t>(M, g.outWidth() - M * tx),
                    std::min<int64_t>(M, g.outHeight() - M * ty)});
  }
  firstRun.push_back(int64_t(runs.size()));
}

template <int M>
void convolve(const ConvGeometry &g, int64_t batch, const float *input,
              const float *filters, const float *bias, float *output) {
  Version<M> version = versionForThisMachine<M>();
  int64_t block = version.filterBlock;
  Chunks<M> chunks(g, batch, Tiling<M>::kElements * g.channels);
  std::vector<float> u = transformFilters<M>(g, filters, block);
  std::vector<OutputRun> runs;
  std::vector<int64_t> firstRun;
  outputRuns(g, chunks, version.lanes, runs, firstRun);
  std::atomic<int64_t> nextChunk{0};
  Call<M> call{g,
               chunks,
               u.data(),
               (g.filters + block - 1) / block,
               bias,
               input,
               output,
               runs.data(),
               firstRun.data(),
               &nextChunk};
  onThreads(chunks.count(),
            [&](int64_t, int64_t) { version.convolveChunks(call); });
}

} // namespace

bool dlcc::kernels::winogradApplies(const ConvGeometry &g) {
  return g.kernelHeight == 3 && g.kernelWidth == 3 && g.channels >= 8 &&
         g.filters >= 8;
}

int dlcc::kernels::winogradTileSize(const ConvGeometry &g) {
  if (const char *forced = std::getenv("DLCC_WINOGRAD_TILE"))
    if (int m = std::atoi(forced); m == 2 || m == 4)
      return m;
  // F(4x4) does 36 products per tile, F(2x2) 16, and F(4x4)'s tiles
  // cover more padding past the outputs. F(4x4)'s transforms cost more a
  // product: it pays when it does under 3/4 of the products (14x14
  // outputs, at 0.73, ran as fast both ways; 28x28, 0.56, 25 % faster).
  Tiling<2> two(g);
  Tiling<4> four(g);
  return 3 * four.perImage() < two.perImage() ? 4 : 2;
}

void dlcc::kernels::winogradConvolve(const ConvGeometry &g, int64_t batch,
                                     const float *input, const float *filters,
                                     const float *bias, float *output) {
  if (winogradTileSize(g) == 4)
    convolve<4>(g, batch, input, filters, bias, output);
  else
    convolve<2>(g, batch, input, filters, bias, output);
}
