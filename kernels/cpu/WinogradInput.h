//===- WinogradInput.h - Input tiles of F(2x2, 3x3), transformed -*- C++
//-*-===//
//
// Part of dlcc's kernels. The forward (Winograd.cpp) and the weight gradient
// (WinogradGradient.cpp) of a 3x3 convolution by Winograd's F(2x2, 3x3)
// both start from the transformed input tiles V = B' d B: each 2x2 tile of
// outputs reads the 4x4 tile d of the padded input under it (tiles overlap
// by 2), and V has 16 elements x for each tile and channel.
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

#include <algorithm>

namespace dlcc::kernels::winograd {

/// The 16 elements of a transformed 4x4 tile.
constexpr int kTileElements = 16;
/// The most lanes of a vector (AVX-512's floats).
constexpr int64_t kMaxLanes = 16;
/// Tiles per block of the forward's products: the most any instruction
/// set's registers hold (three AVX-512 vectors).
constexpr int64_t kBlockTiles = 48;
/// Floats per chunk that a thread's transformed data aims at (512 KiB): it
/// stays in a core's L2.
constexpr int64_t kChunkFloats = 16 * 8192;

/// The 2x2 output tiles of an image and the zero-padded plane they read.
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

/// How a call's images are split into chunks.
struct Chunks {
  /// Chunks whose data takes `floatsPerTile` floats a tile.
  Chunks(const ConvGeometry &g, int64_t batch, int64_t floatsPerTile)
      : tiling(g), batch(batch),
        images(std::clamp<int64_t>(
            kChunkFloats / (floatsPerTile * tiling.perImage()), 1, batch)),
        tileStride(
            (roundUp(images * tiling.perImage(), kBlockTiles) + kMaxLanes) |
            kMaxLanes) {}

  int64_t count() const { return (batch + images - 1) / images; }
  int64_t first(int64_t chunk) const { return chunk * images; }
  int64_t imagesOf(int64_t chunk) const {
    return std::min(images, batch - first(chunk));
  }

  Tiling tiling;
  int64_t batch;
  int64_t images; // Images per chunk, but the last.
  /// Floats between rows of a chunk's tiles: whole blocks of tiles and a
  /// vector of slack, an odd number of 64-byte lines (rows a multiple of
  /// 4 KiB apart made loads wait on unrelated stores).
  int64_t tileStride;
};

/// A thread's buffers for V = B' d B, and the transform of a chunk.
class InputTransform {
public:
  InputTransform(const ConvGeometry &g, const Chunks &chunks)
      : g(g), chunks(chunks),
        plane(chunks.tiling.planeRows() * chunks.tiling.planeStride()),
        rows(kTileElements * chunks.tileStride) {}

  /// v[(x * channels + c) * tileStride + tile] = (B' d B)[x] for every tile
  /// d of the chunk's images.
  template <int B>
  DL_INLINE void transform(const float *input, int64_t chunk, float *v) {
    int64_t perImage = chunks.tiling.perImage();
    int64_t first = chunks.first(chunk), images = chunks.imagesOf(chunk);
    for (int64_t c = 0; c < g.channels; ++c) {
      for (int64_t n = 0; n < images; ++n) {
        loadPlane<B>(input + (first + n) * g.imageSize(), c,
                     input + chunks.batch * g.imageSize());
        transformRows<B>(n * perImage);
      }
      transformColumns<B>(images * perImage, v + c * chunks.tileStride);
    }
  }

private:
  /// Copies channel c of an image into the padded plane, a vector at a
  /// time: the last of a row reads on into the next (where `end`, the end
  /// of the input, allows) and its lanes past the row are zeroed again.
  template <int B>
  DL_INLINE void loadPlane(const float *image, int64_t c, const float *end) {
    using V = typename Vector<float, B>::Type;
    constexpr int64_t L = kLanes<float, B>;
    for (int64_t y = 0; y < g.height; ++y) {
      const float *from = image + (c * g.height + y) * g.width;
      float *to = plane.data() + (y + g.padTop) * chunks.tiling.planeStride() +
                  g.padLeft;
      int64_t x = 0;
      for (; x + L <= g.width; x += L) {
        V row;
        loadVector(row, from + x);
        storeVector(to + x, row);
      }
      if (x < g.width && from + x + L <= end) {
        V row, zero = V{};
        loadVector(row, from + x);
        storeVector(to + x, row);
        storeVector(to + g.width, zero); // Within planeStride's slack.
        continue;
      }
      for (; x < g.width; ++x)
        to[x] = from[x];
    }
  }

  /// rows[j][r][base + tile] for every tile of the plane (one image): d B
  /// along each row of the plane (d0 - d2, d1 + d2, d2 - d1, d1 - d3 of
  /// the columns 2 tx ... 2 tx + 3 under tile column tx), a vector of
  /// tiles at a time. Plane row p is row r = p - 2 ty of the tiles of rows
  /// ty = p / 2 and p / 2 - 1. A vector past a row's last tile writes into
  /// the next row of tiles (written after it) or the slack past the
  /// chunk's tiles.
  template <int B> DL_INLINE void transformRows(int64_t base) {
    using V = typename Vector<float, B>::Type;
    constexpr int64_t L = kLanes<float, B>;
    const Tiling &t = chunks.tiling;
    int64_t stride = chunks.tileStride;
    for (int64_t p = 0; p < t.planeRows(); ++p)
      for (int64_t tx = 0; tx < t.cols; tx += L) {
        const float *d = plane.data() + p * t.planeStride() + 2 * tx;
        V a, b, a2, b2;
        loadVector(a, d);
        loadVector(b, d + L);
        loadVector(a2, d + 2);
        loadVector(b2, d + 2 + L);
        V d0, d1, d2, d3;
        splitLanes(a, b, d0, d1);
        splitLanes(a2, b2, d2, d3);
        V r[4] = {d0 - d2, d1 + d2, d2 - d1, d1 - d3};
        for (int64_t ty = p / 2 - 1; ty <= p / 2; ++ty) {
          if (ty < 0 || ty >= t.rows)
            continue;
          float *to =
              rows.data() + (p - 2 * ty) * stride + base + ty * t.cols + tx;
#pragma GCC unroll 4
          for (int j = 0; j < 4; ++j)
            storeVector(to + j * 4 * stride, r[j]);
        }
      }
  }

  /// v[x][tile] for the chunk's tiles of one channel: B' down the columns
  /// of each tile's rows. Whole aligned vectors: one store per line.
  template <int B> DL_INLINE void transformColumns(int64_t tiles, float *v) {
    using V = typename Vector<float, B>::Type;
    constexpr int64_t L = kLanes<float, B>;
    int64_t stride = chunks.tileStride;
    int64_t next = 4 * g.channels * stride; // From x to x + 4.
    for (int j = 0; j < 4; ++j)
      for (int64_t tile = 0; tile < tiles; tile += L) {
        const float *a = rows.data() + j * 4 * stride + tile;
        V a0, a1, a2, a3;
        loadVector(a0, a);
        loadVector(a1, a + stride);
        loadVector(a2, a + 2 * stride);
        loadVector(a3, a + 3 * stride);
        float *to = v + j * g.channels * stride + tile;
        storeVector(to, a0 - a2);
        storeVector(to + next, a1 + a2);
        storeVector(to + 2 * next, a2 - a1);
        storeVector(to + 3 * next, a1 - a3);
      }
  }

  ConvGeometry g;
  Chunks chunks;
  AlignedFloats plane; // One channel of one image, padded; zero where
                       // never written.
  AlignedFloats rows;  // rows[(j * 4 + r) * tileStride + tile] = (d B)[j]
                       // of row r of the tile, one channel.
};

} // namespace dlcc::kernels::winograd

#endif // DLCC_KERNELS_CPU_WINOGRADINPUT_H
