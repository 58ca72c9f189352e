//===- Winograd.cpp - 3x3 convolutions by Winograd's F(2x2, 3x3) ----------===//
//
// Part of dlcc's kernels. F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016) computes each 2x2 tile of outputs
// from the 4x4 tile of padded input under it (tiles overlap by 2):
//   Y = A' [(G g G') . (B' d B)] A,
// g a 3x3 filter, d the input tile, '.' elementwise. Summed over channels
// the elementwise products become 16 matrix products, one for each element
// x of the 4x4 transformed tile:
//   M[x][f][tile] = sum over channels c of U[x][f][c] * V[x][c][tile],
// U = G g G' (the filters, transformed once a call) and V = B' d B (the
// input tiles). That is 16 multiply-adds per tile, filter and channel where
// the direct kernels do 36: 2.25x fewer.
//
// The images are split into chunks of a few images. A thread
// transforms a chunk's tiles into its V (16 x channels x tiles floats,
// within the core's L2), then, for each block of filters and block of
// tiles, multiplies all 16 x into a small buffer (L1) with filters x
// vectors of tiles in registers over the channels, as the direct forward,
// and transforms it into outputs at once. Every output is computed by one
// thread, the same way in any chunk: results do not depend on the number
// of threads.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/Winograd.h"
#include "kernels/cpu/Parallel.h"
#include "kernels/cpu/Simd.h"
#include "kernels/cpu/WinogradInput.h"

#include <algorithm>
#include <cstring>
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

/// U[((x * blocks + b) * channels + c) * block + k] = (G g G')[x] for
/// filter b * block + k and channel c, zero past the last filter.
std::vector<float> transformFilters(const ConvGeometry &g, const float *filters,
                                    int64_t block) {
  int64_t blocks = (g.filters + block - 1) / block;
  std::vector<float> u(kTileElements * blocks * g.channels * block, 0.0f);
  for (int64_t f = 0; f < g.filters; ++f)
    for (int64_t c = 0; c < g.channels; ++c) {
      const float *w = filters + (f * g.channels + c) * 9;
      float t[4][3]; // G g
      for (int j = 0; j < 3; ++j) {
        t[0][j] = w[j];
        t[1][j] = 0.5f * (w[j] + w[3 + j] + w[6 + j]);
        t[2][j] = 0.5f * (w[j] - w[3 + j] + w[6 + j]);
        t[3][j] = w[6 + j];
      }
      for (int i = 0; i < 4; ++i) {
        float row[4] = {t[i][0], 0.5f * (t[i][0] + t[i][1] + t[i][2]),
                        0.5f * (t[i][0] - t[i][1] + t[i][2]), t[i][2]};
        for (int j = 0; j < 4; ++j)
          u[(((i * 4 + j) * blocks + f / block) * g.channels + c) * block +
            f % block] = row[j];
      }
    }
  return u;
}

struct Call {
  ConvGeometry g;
  Chunks chunks;
  const float *u;       // transformFilters(g, ..., kFilterBlock<B>)
  int64_t filterBlocks; // Blocks of kFilterBlock<B> filters.
  const float *bias;    // Or null.
  const float *input;
  float *output;
  // For each tile of a full chunk: where its output (0, 0) goes from the
  // chunk's first output, and whether it has a second column (bit 0) and
  // a second row (bit 1) inside the image.
  const int64_t *tileOffsets;
  const unsigned char *tileEdges;
};

/// A thread's buffers.
struct Scratch {
  explicit Scratch(const Call &call)
      : input(call.g, call.chunks),
        v(kTileElements * call.g.channels * call.chunks.tileStride),
        m(kTileElements * 8 * kBlockTiles) {}

  InputTransform input;
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

/// The products of the 16 x for a block of tiles: `vectors` of them.
template <int B>
DL_INLINE void multiplyBlock(const Call &call, const Scratch &s, int64_t b,
                             int64_t t0, int64_t vectors, float *m) {
  constexpr int KO = kFilterBlock<B>;
  int64_t channels = call.g.channels;
  for (int x = 0; x < kTileElements; ++x) {
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

/// Y = A' M A plus the bias for the block's `filters` filters and `tiles`
/// tiles from chunk tile t0, written to the chunk's outputs.
template <int B>
DL_INLINE void writeOutputs(const Call &call, const float *m, int64_t f0,
                            int64_t filters, int64_t t0, int64_t tiles,
                            float *out) {
  using V = typename Vector<float, B>::Type;
  constexpr int KO = kFilterBlock<B>;
  constexpr int64_t L = kLanes<float, B>;
  int64_t outWidth = call.g.outWidth(), outPlane = call.g.outPlane();
  for (int64_t k = 0; k < filters; ++k) {
    float bias = call.bias ? call.bias[f0 + k] : 0.0f;
    float *plane = out + (f0 + k) * outPlane;
    for (int64_t l0 = 0; l0 < tiles; l0 += L) {
      V e[4][4];
#pragma GCC unroll 4
      for (int i = 0; i < 4; ++i)
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j)
          loadVector(e[i][j], m + ((i * 4 + j) * KO + k) * kBlockTiles + l0);
      V r[2][4]; // A' M
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) {
        r[0][j] = e[0][j] + e[1][j] + e[2][j];
        r[1][j] = e[1][j] - e[2][j] - e[3][j];
      }
      // (A' M) A: each tile's two outputs of the top row side by side,
      // then those of the bottom row.
      float pairs[2][2 * L];
#pragma GCC unroll 2
      for (int i = 0; i < 2; ++i) {
        V left = r[i][0] + r[i][1] + r[i][2] + bias;
        V right = r[i][1] - r[i][2] - r[i][3] + bias;
        V first, second;
        interleaveLanes(left, right, first, second);
        storeVector(pairs[i], first);
        storeVector(pairs[i] + L, second);
      }
      for (int64_t l = 0, n = std::min(L, tiles - l0); l < n; ++l) {
        int64_t tile = t0 + l0 + l;
        float *o = plane + call.tileOffsets[tile];
        unsigned edges = call.tileEdges[tile];
        if (edges == 3) {
          std::memcpy(o, pairs[0] + 2 * l, 2 * sizeof(float));
          std::memcpy(o + outWidth, pairs[1] + 2 * l, 2 * sizeof(float));
          continue;
        }
        o[0] = pairs[0][2 * l];
        if (edges & 1)
          o[1] = pairs[0][2 * l + 1];
        if (edges & 2) {
          o[outWidth] = pairs[1][2 * l];
          if (edges & 1)
            o[outWidth + 1] = pairs[1][2 * l + 1];
        }
      }
    }
  }
}

/// The thread's chunks: thread, thread + threads, ...
template <int B>
DL_INLINE void convolveChunks(const Call &call, int64_t thread,
                              int64_t threads) {
  constexpr int KO = kFilterBlock<B>;
  constexpr int64_t L = kLanes<float, B>;
  constexpr int64_t blockTiles = kTileVectors<B> * L;
  const ConvGeometry &g = call.g;
  Scratch s(call);
  for (int64_t chunk = thread; chunk < call.chunks.count(); chunk += threads) {
    int64_t first = call.chunks.first(chunk);
    int64_t tiles = call.chunks.imagesOf(chunk) * call.chunks.tiling.perImage();
    s.input.transform<B>(call.input, chunk, s.v.data());
    float *out = call.output + first * g.outSize();
    for (int64_t b = 0; b < call.filterBlocks; ++b)
      for (int64_t t0 = 0; t0 < tiles; t0 += blockTiles) {
        int64_t blockSize = std::min(blockTiles, tiles - t0);
        multiplyBlock<B>(call, s, b, t0, (blockSize + L - 1) / L, s.m.data());
        writeOutputs<B>(call, s.m.data(), b * KO,
                        std::min<int64_t>(KO, g.filters - b * KO), t0,
                        blockSize, out);
      }
  }
}

using ConvolveChunks = void (*)(const Call &, int64_t, int64_t);

void convolveChunksSSE(const Call &call, int64_t thread, int64_t threads) {
  convolveChunks<16>(call, thread, threads);
}
#if DL_HAVE_WIDE_VECTORS
DL_TARGET_AVX2 void convolveChunksAVX2(const Call &call, int64_t thread,
                                       int64_t threads) {
  convolveChunks<32>(call, thread, threads);
}
DL_TARGET_AVX512 void convolveChunksAVX512(const Call &call, int64_t thread,
                                           int64_t threads) {
  convolveChunks<64>(call, thread, threads);
}
#endif

/// The version for this machine's widest vectors, and its filter block.
std::pair<ConvolveChunks, int> chunksForThisMachine() {
  switch (widestInstructionSet()) {
#if DL_HAVE_WIDE_VECTORS
  case InstructionSet::AVX512:
    return {convolveChunksAVX512, kFilterBlock<64>};
  case InstructionSet::AVX2:
    return {convolveChunksAVX2, kFilterBlock<32>};
#endif
  default:
    return {convolveChunksSSE, kFilterBlock<16>};
  }
}

} // namespace

bool dlcc::kernels::winogradApplies(const ConvGeometry &g) {
  return g.kernelHeight == 3 && g.kernelWidth == 3 && g.channels >= 8 &&
         g.filters >= 8;
}

void dlcc::kernels::winogradConvolve(const ConvGeometry &g, int64_t batch,
                                     const float *input, const float *filters,
                                     const float *bias, float *output) {
  auto [convolveChunks, block] = chunksForThisMachine();
  Chunks chunks(g, batch, kTileElements * g.channels);
  Tiling tiling = chunks.tiling;
  int64_t chunkTiles = chunks.images * tiling.perImage();
  std::vector<float> u = transformFilters(g, filters, block);
  std::vector<int64_t> offsets(chunkTiles);
  std::vector<unsigned char> edges(chunkTiles);
  for (int64_t n = 0, tile = 0; n < chunks.images; ++n)
    for (int64_t ty = 0; ty < tiling.rows; ++ty)
      for (int64_t tx = 0; tx < tiling.cols; ++tx, ++tile) {
        offsets[tile] = n * g.outSize() + 2 * ty * g.outWidth() + 2 * tx;
        edges[tile] = (2 * tx + 1 < g.outWidth() ? 1 : 0) |
                      (2 * ty + 1 < g.outHeight() ? 2 : 0);
      }
  Call call{g,           chunks, u.data(), (g.filters + block - 1) / block,
            bias,        input,  output,   offsets.data(),
            edges.data()};
  onThreads(chunks.count(), [&](int64_t thread, int64_t threads) {
    convolveChunks(call, thread, threads);
  });
}
