//===- WinogradInput.h - Transformed input tiles of F(MxM, 3x3) -*- C++ -*-===//
//
// Part of dlcc's kernels. The forward (Winograd.cpp) and the weight gradient
// (WinogradGradient.cpp) of a 3x3 convolution by Winograd's F(MxM, 3x3)
// both start from the transformed input tiles V = B' d B: each MxM tile of
// outputs reads the TxT tile d of the padded input under it (T = M + 2:
// tiles overlap by 2), and V has T x T elements x for each tile and
// channel.
//
// The images are taken a chunk of a few at a time; V holds a chunk's tiles,
// V[x][c][tile], tiles of a row after another, image after image. The
// transforms work on whole vectors of tiles: lanes past the last tile of a
// row are computed and dropped.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CPU_WINOGRADINPUT_H
#define DLCC_KERNELS_CPU_WINOGRADINPUT_H

#include "kernels/cpu/Conv2DGeometry.h"
#include "kernels/cpu/Simd.h"
#include "kernels/cpu/WinogradTransforms.h"

#include <algorithm>
#include <utility>

namespace dlcc::kernels::winograd {

/// The most lanes of a vector (AVX-512's floats).
constexpr int64_t kMaxLanes = 16;
/// Tiles per block of the forward's products: the most any instruction
/// set's registers hold (three AVX-512 vectors).
constexpr int64_t kBlockTiles = 48;
/// Floats per chunk that a thread's transformed data aims at (512 KiB): it
/// stays in a core's L2.
constexpr int64_t kChunkFloats = 16 * 8192;

/// The MxM output tiles of an image and the zero-padded plane they read.
template <int M> struct Tiling {
  /// The elements of a transformed tile.
  static constexpr int kElements = (M + 2) * (M + 2);

  int64_t rows, cols;

  explicit Tiling(const ConvGeometry &g)
      : rows((g.outHeight() + M - 1) / M), cols((g.outWidth() + M - 1) / M) {}
  int64_t perImage() const { return rows * cols; }
  /// Rows of the padded plane the tiles read, and the floats between them
  /// (with room for the vectors past the last tile).
  int64_t planeRows() const { return M * rows + 2; }
  int64_t planeStride() const {
    return M * roundUp(cols, kMaxLanes) + 2 * kMaxLanes;
  }
};

/// How a call's images are split into chunks: as evenly as whole images
/// allow, each at most `images` of them.
template <int M> struct Chunks {
  /// Chunks whose data takes about `floatsPerTile` floats a tile, of at
  /// least a block of tiles (fewer make the work per chunk, its sums in
  /// the weight gradient, outweigh the products).
  Chunks(const ConvGeometry &g, int64_t batch, int64_t floatsPerTile)
      : tiling(g), batch(batch),
        chunks((batch + largest(floatsPerTile) - 1) / largest(floatsPerTile)),
        images((batch + chunks - 1) / chunks),
        tileStride(
            (roundUp(images * tiling.perImage(), kBlockTiles) + kMaxLanes) |
            kMaxLanes) {}

  int64_t count() const { return chunks; }
  int64_t first(int64_t chunk) const { return chunk * batch / chunks; }
  int64_t imagesOf(int64_t chunk) const {
    return first(chunk + 1) - first(chunk);
  }

  Tiling<M> tiling;
  int64_t batch, chunks;
  int64_t images; // The most images of a chunk.
  /// Floats between rows of a chunk's tiles: whole blocks of tiles and a
  /// vector of slack, an odd number of 64-byte lines (rows a multiple of
  /// 4 KiB apart made loads wait on unrelated stores).
  int64_t tileStride;

private:
  /// The most images a chunk may hold.
  int64_t largest(int64_t floatsPerTile) const {
    int64_t perImage = tiling.perImage();
    return std::clamp<int64_t>(
        std::max(kChunkFloats / (floatsPerTile * perImage),
                 (kBlockTiles + perImage - 1) / perImage),
        1, batch);
  }
};

/// to = from's lanes 1, 2, ..., then lane `Lane` of `next`.
template <int Lane, typename V, size_t... I>
DL_INLINE void shiftIn(const V &from, const V &next, V &to,
                       std::index_sequence<I...>) {
  constexpr size_t L = sizeof...(I);
  to =
      __builtin_shufflevector(from, next, (I + 1 + (I == L - 1 ? Lane : 0))...);
}
template <int Lane, typename V>
DL_INLINE void shiftIn(const V &from, const V &next, V &to) {
  shiftIn<Lane>(from, next, to,
                std::make_index_sequence<sizeof(V) / sizeof(float)>());
}

/// d[k] = the plane's element M * tile + k of a row, for a vector of tiles
/// from `row` (the first tile's first column): every M-th element and the
/// next M + 1 after each.
template <int M, typename V>
DL_INLINE void loadTileColumns(const float *row, V (&d)[M + 2]) {
  constexpr int64_t L = sizeof(V) / sizeof(float);
  if constexpr (M == 2) {
    V a, b;
    loadVector(a, row);
    loadVector(b, row + L);
    splitLanes(a, b, d[0], d[1]);
  } else {
    static_assert(M == 4);
    V a[4], even[2], odd[2];
    for (int k = 0; k < 4; ++k)
      loadVector(a[k], row + k * L);
    splitLanes(a[0], a[1], even[0], odd[0]);
    splitLanes(a[2], a[3], even[1], odd[1]);
    splitLanes(even[0], even[1], d[0], d[2]);
    splitLanes(odd[0], odd[1], d[1], d[3]);
  }
  // Columns M and M + 1 of a tile are columns 0 and 1 of the next: d[0]
  // and d[1] a lane on, the last lane's from the elements after the vector.
  V next;
  loadVector(next, row + M * L);
  shiftIn<0>(d[0], next, d[M]);
  shiftIn<1>(d[1], next, d[M + 1]);
}

/// A thread's buffers for V = B' d B, and the transform of a chunk.
template <int M> class InputTransform {
public:
  static constexpr int T = M + 2;

  InputTransform(const ConvGeometry &g, const Chunks<M> &chunks)
      : g(g), chunks(chunks),
        plane(chunks.tiling.planeRows() * chunks.tiling.planeStride()),
        rows(T * T * chunks.tileStride) {}

  /// v[(x * channels + c) * tileStride + tile] = (B' d B)[x] for every tile
  /// d of the chunk's images.
  template <int B>
  DL_INLINE void transform(const float *input, int64_t chunk, float *v) {
    int64_t perImage = chunks.tiling.perImage();
    int64_t first = chunks.first(chunk), images = chunks.imagesOf(chunk);
    for (int64_t c = 0; c < g.channels; ++c) {
      for (int64_t n = 0; n < images; ++n) {
        loadPlane<B>(input + (first + n) * g.imageSize(), c);
        // Vectors no wider than a row of tiles, as far as B allows.
        if (B >= 32 && chunks.tiling.cols > 4 && chunks.tiling.cols <= 8)
          transformRows<32>(n * perImage);
        else if (B >= 32 && chunks.tiling.cols <= 4)
          transformRows<16>(n * perImage);
        else
          transformRows<B>(n * perImage);
      }
      transformColumns<B>(images * perImage, v + c * chunks.tileStride);
    }
  }

private:
  /// Copies channel c of an image into the padded plane, row by row in
  /// vectors (copyFloats: nothing past a row is read or written, so the
  /// padding stays zero).
  template <int B> DL_INLINE void loadPlane(const float *image, int64_t c) {
    for (int64_t y = 0; y < g.height; ++y)
      copyFloats<B>(plane.data() +
                        (y + g.padTop) * chunks.tiling.planeStride() +
                        g.padLeft,
                    image + (c * g.height + y) * g.width, g.width);
  }

  /// rows[j][r][base + tile] for every tile of the plane (one image): d B
  /// along each row of the plane, a vector of tiles at a time. Plane row p
  /// is row r = p - M ty of the tiles of the rows ty it crosses. A vector
  /// past a row's last tile writes into the next row of tiles (written
  /// after it) or the slack past the chunk's tiles.
  template <int B> DL_INLINE void transformRows(int64_t base) {
    using V = typename Vector<float, B>::Type;
    constexpr int64_t L = kLanes<float, B>;
    const Tiling<M> &t = chunks.tiling;
    int64_t stride = chunks.tileStride;
    for (int64_t p = 0; p < t.planeRows(); ++p)
      for (int64_t tx = 0; tx < t.cols; tx += L) {
        V d[T], r[T];
        loadTileColumns<M>(plane.data() + p * t.planeStride() + M * tx, d);
        WinogradTransform<M>::input(d, r);
        for (int64_t ty = std::min(p / M, t.rows - 1);
             ty >= 0 && p - M * ty < T; --ty) {
          float *to =
              rows.data() + (p - M * ty) * stride + base + ty * t.cols + tx;
#pragma GCC unroll 6
          for (int j = 0; j < T; ++j)
            storeVector(to + j * T * stride, r[j]);
        }
      }
  }

  /// v[x][tile] for the chunk's tiles of one channel: B' down the columns
  /// of each tile's rows. Whole aligned vectors: one store per line.
  template <int B> DL_INLINE void transformColumns(int64_t tiles, float *v) {
    using V = typename Vector<float, B>::Type;
    constexpr int64_t L = kLanes<float, B>;
    int64_t stride = chunks.tileStride;
    int64_t next = T * g.channels * stride; // From x to x + T.
    for (int j = 0; j < T; ++j)
      for (int64_t tile = 0; tile < tiles; tile += L) {
        V a[T], r[T];
#pragma GCC unroll 6
        for (int i = 0; i < T; ++i)
          loadVector(a[i], rows.data() + (j * T + i) * stride + tile);
        WinogradTransform<M>::input(a, r);
        float *to = v + j * g.channels * stride + tile;
#pragma GCC unroll 6
        for (int i = 0; i < T; ++i)
          storeVector(to + i * next, r[i]);
      }
  }

  ConvGeometry g;
  Chunks<M> chunks;
  AlignedFloats plane; // One channel of one image, padded; zero where
                       // never written.
  AlignedFloats rows;  // rows[(j * T + r) * tileStride + tile] = (d B)[j]
                       // of row r of the tile, one channel.
};

} // namespace dlcc::kernels::winograd

#endif // DLCC_KERNELS_CPU_WINOGRADINPUT_H
