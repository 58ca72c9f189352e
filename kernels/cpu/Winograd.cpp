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

#include <algorithm>
#include <utility>
#include <vector>

using namespace dlcc::kernels;

namespace {

/// The 16 elements of a transformed 4x4 tile.
constexpr int kTileElements = 16;
/// Tiles x channels a chunk of images aims at: its transformed input, 16
/// floats a tile and channel (512 KiB), stays in a core's L2.
constexpr int64_t kChunkTileChannels = 8192;
/// Tiles per block of the products: the most any instruction set's
/// registers hold (three AVX-512 vectors).
constexpr int64_t kBlockTiles = 48;

/// Filters per block and vectors of tiles per block: filters x vectors
/// accumulators, plus the vectors loaded, fit the registers (32 with
/// AVX-512, 16 otherwise).
template <int B> constexpr int kFilterBlock = B == 64 ? 8 : 4;
template <int B> constexpr int kTileVectors = B == 64 ? 3 : 2;

/// The most lanes of a vector (AVX-512's floats).
constexpr int64_t kMaxLanes = 16;

/// The 2x2 output tiles of an image and the zero-padded plane they read.
/// The transforms work on whole vectors of tiles: lanes past the last tile
/// of a row are computed and dropped.
struct Tiling {
  int64_t rows, cols;

  explicit Tiling(const ConvGeometry &g)
      : rows((g.outHeight() + 1) / 2), cols((g.outWidth() + 1) / 2) {}
  int64_t perImage() const { return rows * cols; }
  /// Rows of the padded plane the tiles read, and the floats between them
  /// (with room for the vectors past the last tile).
  int64_t planeRows() const { return 2 * rows + 2; }
  int64_t planeStride() const {
    return 2 * roundUp(cols, kMaxLanes) + 2 * kMaxLanes;
  }
};

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
  Tiling tiling;
  int64_t batch;
  int64_t chunkImages;  // Images per chunk.
  int64_t tileStride;   // Floats between V's rows: a chunk's tiles, whole
                        // blocks of them, and a vector of slack.
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
      : plane(call.tiling.planeRows() * call.tiling.planeStride()),
        rows(kTileElements * call.tileStride),
        v(kTileElements * call.g.channels * call.tileStride),
        m(kTileElements * 8 * kBlockTiles) {}

  AlignedFloats plane; // One channel of one image, padded; zero where
                       // never written.
  AlignedFloats rows;  // rows[(j * 4 + r) * tileStride + tile] = (d B)[j]
                       // of row r of the tile d, one channel, the chunk's
                       // tiles.
  AlignedFloats v;     // v[(x * channels + c) * tileStride + tile].
  AlignedFloats m;     // m[(x * filterBlock + k) * kBlockTiles + tile].
};

/// The even (odd = 0) or odd (odd = 1) elements of a then b.
template <typename V, size_t... I>
DL_INLINE V alternate(const V &a, const V &b, std::index_sequence<I...>) {
  return __builtin_shufflevector(a, b, (2 * I)...);
}
template <typename V, size_t... I>
DL_INLINE V alternateOdd(const V &a, const V &b, std::index_sequence<I...>) {
  return __builtin_shufflevector(a, b, (2 * I + 1)...);
}

/// Copies channel c of an image into the padded plane.
template <int B>
DL_INLINE void loadPlane(const Call &call, float *plane, const float *image,
                         int64_t c) {
  using V = typename Vector<float, B>::Type;
  constexpr int64_t L = kLanes<float, B>;
  const ConvGeometry &g = call.g;
  for (int64_t y = 0; y < g.height; ++y) {
    const float *from = image + (c * g.height + y) * g.width;
    float *to = plane + (y + g.padTop) * call.tiling.planeStride() + g.padLeft;
    int64_t x = 0;
    for (; x + L <= g.width; x += L) {
      V row;
      loadVector(row, from + x);
      storeVector(to + x, row);
    }
    for (; x < g.width; ++x)
      to[x] = from[x];
  }
}

/// rows[j][r][base + tile] for every tile of one image's padded plane: d B
/// along each row of the plane (d0 - d2, d1 + d2, d2 - d1, d1 - d3 of the
/// columns 2 tx ... 2 tx + 3 under tile column tx), a vector of tiles of
/// a row at a time. Plane row p is row r = p - 2 ty of tiles ty = p / 2
/// and p / 2 - 1. A vector past a row's last tile writes into the next
/// row of tiles (written after it) or the slack past the chunk's tiles.
template <int B>
DL_INLINE void transformRows(const Call &call, const float *plane, float *rows,
                             int64_t base) {
  using V = typename Vector<float, B>::Type;
  constexpr int64_t L = kLanes<float, B>;
  constexpr auto lanes = std::make_index_sequence<L>();
  const Tiling &t = call.tiling;
  int64_t stride = call.tileStride;
  for (int64_t p = 0; p < t.planeRows(); ++p)
    for (int64_t tx = 0; tx < t.cols; tx += L) {
      const float *d = plane + p * t.planeStride() + 2 * tx;
      V a, b, a2, b2;
      loadVector(a, d);
      loadVector(b, d + L);
      loadVector(a2, d + 2);
      loadVector(b2, d + 2 + L);
      V d0 = alternate(a, b, lanes), d1 = alternateOdd(a, b, lanes),
        d2 = alternate(a2, b2, lanes), d3 = alternateOdd(a2, b2, lanes);
      V r[4] = {d0 - d2, d1 + d2, d2 - d1, d1 - d3};
      for (int64_t ty = p / 2 - 1; ty <= p / 2; ++ty) {
        if (ty < 0 || ty >= t.rows)
          continue;
        float *to = rows + (p - 2 * ty) * stride + base + ty * t.cols + tx;
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j)
          storeVector(to + j * 4 * stride, r[j]);
      }
    }
}

/// V[x][c][tile] = (B' d B)[x] for the chunk's tiles of channel c: B'
/// down the columns of each tile's rows.
template <int B>
DL_INLINE void transformColumns(const Call &call, const float *rows,
                                int64_t tiles, float *v) {
  using V = typename Vector<float, B>::Type;
  constexpr int64_t L = kLanes<float, B>;
  int64_t stride = call.tileStride;
  int64_t next = 4 * call.g.channels * stride; // From x to x + 4.
  for (int j = 0; j < 4; ++j)
    for (int64_t tile = 0; tile < tiles; tile += L) {
      const float *a = rows + j * 4 * stride + tile;
      V a0, a1, a2, a3;
      loadVector(a0, a);
      loadVector(a1, a + stride);
      loadVector(a2, a + 2 * stride);
      loadVector(a3, a + 3 * stride);
      float *to = v + j * call.g.channels * stride + tile;
      storeVector(to, a0 - a2);
      storeVector(to + next, a1 + a2);
      storeVector(to + 2 * next, a2 - a1);
      storeVector(to + 3 * next, a1 - a3);
    }
}

/// V[x][c][tile] = (B' d B)[x] for every tile d of the chunk's images.
template <int B>
DL_INLINE void transformChunk(const Call &call, Scratch &s, int64_t first,
                              int64_t images) {
  const ConvGeometry &g = call.g;
  int64_t perImage = call.tiling.perImage();
  for (int64_t c = 0; c < g.channels; ++c) {
    for (int64_t n = 0; n < images; ++n) {
      loadPlane<B>(call, s.plane.data(),
                   call.input + (first + n) * g.imageSize(), c);
      transformRows<B>(call, s.plane.data(), s.rows.data(), n * perImage);
    }
    transformColumns<B>(call, s.rows.data(), images * perImage,
                        s.v.data() + c * call.tileStride);
  }
}

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
    const float *v = s.v.data() + x * channels * call.tileStride + t0;
    float *mx = m + x * KO * kBlockTiles;
    if (vectors >= 3 && kTileVectors<B> >= 3)
      multiplyTiles<B, kTileVectors<B>>(u, v, channels, call.tileStride, mx);
    else if (vectors >= 2)
      multiplyTiles<B, 2>(u, v, channels, call.tileStride, mx);
    else
      multiplyTiles<B, 1>(u, v, channels, call.tileStride, mx);
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
      float y[4][L]; // (A' M) A: y00, y01, y10, y11.
#pragma GCC unroll 2
      for (int i = 0; i < 2; ++i) {
        V left = r[i][0] + r[i][1] + r[i][2] + bias;
        V right = r[i][1] - r[i][2] - r[i][3] + bias;
        storeVector(y[2 * i], left);
        storeVector(y[2 * i + 1], right);
      }
      for (int64_t l = 0, n = std::min(L, tiles - l0); l < n; ++l) {
        int64_t tile = t0 + l0 + l;
        float *o = plane + call.tileOffsets[tile];
        unsigned edges = call.tileEdges[tile];
        o[0] = y[0][l];
        if (edges & 1)
          o[1] = y[1][l];
        if (edges & 2) {
          o[outWidth] = y[2][l];
          if (edges & 1)
            o[outWidth + 1] = y[3][l];
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
  int64_t chunks = (call.batch + call.chunkImages - 1) / call.chunkImages;
  for (int64_t chunk = thread; chunk < chunks; chunk += threads) {
    int64_t first = chunk * call.chunkImages;
    int64_t images = std::min(call.chunkImages, call.batch - first);
    int64_t tiles = images * call.tiling.perImage();
    transformChunk<B>(call, s, first, images);
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
  return g.kernelHeight == 3 && g.kernelWidth == 3 && g.channels >= 8;
}

void dlcc::kernels::winogradConvolve(const ConvGeometry &g, int64_t batch,
                                     const float *input, const float *filters,
                                     const float *bias, float *output) {
  auto [chunks, block] = chunksForThisMachine();
  Tiling tiling(g);
  int64_t chunkImages = std::clamp<int64_t>(
      kChunkTileChannels / (g.channels * tiling.perImage()), 1, batch);
  int64_t chunkTiles = chunkImages * tiling.perImage();
  std::vector<float> u = transformFilters(g, filters, block);
  std::vector<int64_t> offsets(chunkTiles);
  std::vector<unsigned char> edges(chunkTiles);
  for (int64_t n = 0, tile = 0; n < chunkImages; ++n)
    for (int64_t ty = 0; ty < tiling.rows; ++ty)
      for (int64_t tx = 0; tx < tiling.cols; ++tx, ++tile) {
        offsets[tile] = n * g.outSize() + 2 * ty * g.outWidth() + 2 * tx;
        edges[tile] = (2 * tx + 1 < g.outWidth() ? 1 : 0) |
                      (2 * ty + 1 < g.outHeight() ? 2 : 0);
      }
  Call call{g,
            tiling,
            batch,
            chunkImages,
            (roundUp(chunkTiles, kBlockTiles) + kMaxLanes) | kMaxLanes,
            u.data(),
            (g.filters + block - 1) / block,
            bias,
            input,
            output,
            offsets.data(),
            edges.data()};
  onThreads(
      (batch + chunkImages - 1) / chunkImages,
      [&](int64_t thread, int64_t threads) { chunks(call, thread, threads); });
}
