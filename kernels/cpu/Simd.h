//===- Simd.h - Vector types for kernels built per instruction set -*- C++
//-*-===//
//
// Part of dlcc's kernels. The CPU kernels are written once on GCC vectors of
// B bytes and compiled for AVX-512 (B = 64), AVX2 (32) and SSE (16); the
// widest the machine has is chosen at run time (widestInstructionSet()).
// Everything a kernel calls from its per-instruction-set entry is inlined
// into it, so that it uses that entry's registers.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CPU_SIMD_H
#define DLCC_KERNELS_CPU_SIMD_H

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>

namespace dlcc::kernels {

#define DL_INLINE inline __attribute__((always_inline))

/// kLanes<T, B> elements of T, B bytes.
template <typename T, int B> struct Vector {
  typedef T Type __attribute__((vector_size(B)));
};
template <typename T, int B> constexpr int64_t kLanes = B / sizeof(T);

/// `n` rounded up to a multiple of `step`.
inline int64_t roundUp(int64_t n, int64_t step) {
  return (n + step - 1) / step * step;
}

// Vectors are loaded and stored through memcpy (unaligned moves) and passed
// by reference: their ABI differs between instruction sets.
template <typename V, typename T> DL_INLINE void loadVector(V &x, const T *p) {
  std::memcpy(&x, p, sizeof x);
}
template <typename V, typename T> DL_INLINE void storeVector(T *p, const V &x) {
  std::memcpy(p, &x, sizeof x);
}

/// Hides v's value from the optimizer: a loop that only copies vectors is
/// otherwise turned into a call of memcpy, slow for a few vectors.
template <typename V> DL_INLINE void keepInRegister(V &v) { asm("" : "+v"(v)); }

/// to[0, n) = from[0, n) for n > 0, in vectors of B bytes or, below one,
/// narrower ones: a last vector that would pass n is stored ending at n
/// instead, over floats already copied. Nothing past n is read or written.
template <int B>
DL_INLINE void copyFloats(float *to, const float *from, int64_t n) {
  using V = typename Vector<float, B>::Type;
  constexpr int64_t L = kLanes<float, B>;
  if (n < L) {
    if constexpr (B > 16)
      copyFloats<B / 2>(to, from, n);
    else
      for (int64_t i = 0; i < n; ++i)
        to[i] = from[i];
    return;
  }
  V v;
  int64_t i = 0;
  for (; i + L <= n; i += L) {
    loadVector(v, from + i);
    keepInRegister(v);
    storeVector(to + i, v);
  }
  if (i < n) {
    loadVector(v, from + n - L);
    storeVector(to + n - L, v);
  }
}

/// The sum of x's lanes, in a fixed order.
template <typename V> DL_INLINE auto sumOfLanes(const V &x) {
  auto sum = x[0];
  for (unsigned l = 1; l < sizeof x / sizeof x[0]; ++l)
    sum += x[l];
  return sum;
}

namespace detail {
/// x's lanes rotated down by Step, in `rotated`.
template <size_t Step, typename V, size_t... I>
DL_INLINE void rotateLanes(const V &x, V &rotated, std::index_sequence<I...>) {
  rotated = __builtin_shufflevector(x, x, ((I + Step) % sizeof...(I))...);
}
template <size_t Step, typename Combine, typename V>
DL_INLINE void foldInto(V &x) {
  if constexpr (Step > 0) {
    V rotated;
    rotateLanes<Step>(x, rotated,
                      std::make_index_sequence<sizeof(V) / sizeof(x[0])>());
    Combine::into(x, rotated);
    foldInto<Step / 2, Combine>(x);
  }
}
template <typename V, size_t... I>
DL_INLINE void splitLanes(const V &a, const V &b, V &even, V &odd,
                          std::index_sequence<I...>) {
  even = __builtin_shufflevector(a, b, (2 * I)...);
  odd = __builtin_shufflevector(a, b, (2 * I + 1)...);
}
template <typename V, size_t... I>
DL_INLINE void interleaveLanes(const V &a, const V &b, V &low, V &high,
                               std::index_sequence<I...>) {
  constexpr size_t L = sizeof...(I);
  low = __builtin_shufflevector(a, b, ((I % 2 ? L : 0) + I / 2)...);
  high = __builtin_shufflevector(a, b, ((I % 2 ? L : 0) + L / 2 + I / 2)...);
}
} // namespace detail

/// Ways to combine two vectors lane by lane, into the first.
struct AddLanes {
  template <typename V> static DL_INLINE void into(V &a, const V &b) { a += b; }
};
struct MaxLanes {
  template <typename V> static DL_INLINE void into(V &a, const V &b) {
    a = a > b ? a : b;
  }
};

/// x's lanes combined (AddLanes: summed; MaxLanes: their maximum), the
/// upper half into the lower, then its upper half, ...: log2(lanes) steps
/// where sumOfLanes chains through every lane (a fixed order too, another
/// one).
template <typename Combine, typename V> DL_INLINE auto foldLanes(const V &x) {
  V folded = x;
  detail::foldInto<sizeof(V) / sizeof(x[0]) / 2, Combine>(folded);
  return folded[0];
}

/// The even lanes of a then b in `even`, the odd ones in `odd`.
template <typename V>
DL_INLINE void splitLanes(const V &a, const V &b, V &even, V &odd) {
  detail::splitLanes(a, b, even, odd,
                     std::make_index_sequence<sizeof(V) / sizeof(a[0])>());
}

/// a0 b0 a1 b1 ...: the first half of the lanes of a and b alternately in
/// `low`, the second in `high` (the reverse of splitLanes).
template <typename V>
DL_INLINE void interleaveLanes(const V &a, const V &b, V &low, V &high) {
  detail::interleaveLanes(a, b, low, high,
                          std::make_index_sequence<sizeof(V) / sizeof(a[0])>());
}

/// `size` floats at a 64-byte boundary: vectors loaded at multiples of their
/// size from it never straddle two cache lines (which costs a second load).
/// Zeros, unless made with kUninitialized (for buffers written before
/// they are read, where zeroing megabytes a call showed in profiles).
class AlignedFloats {
public:
  struct Uninitialized {};
  static constexpr Uninitialized kUninitialized{};

  explicit AlignedFloats(int64_t size) : AlignedFloats(size, kUninitialized) {
    std::fill_n(floats.get(), size, 0.0f);
  }
  AlignedFloats(int64_t size, Uninitialized)
      : floats(
            static_cast<float *>(std::aligned_alloc(
                64, roundUp(std::max<int64_t>(size, 1) * sizeof(float), 64))),
            std::free) {
    if (!floats)
      throw std::bad_alloc();
  }
  float *data() { return floats.get(); }
  const float *data() const { return floats.get(); }

private:
  std::unique_ptr<float, void (*)(void *)> floats;
};

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DL_HAVE_WIDE_VECTORS 1
#define DL_TARGET_AVX2 __attribute__((target("avx2,fma")))
// AVX-512 with the VL, BW and DQ parts that every AVX-512 core but the
// Xeon Phi's has: shuffles of 8- and 4-float vectors (rows of few tiles)
// then have EVEX forms.
#define DL_TARGET_AVX512                                                       \
  __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma")))
// For plain loops the compiler vectorizes: a version per instruction set,
// the widest this machine runs picked when the program loads. DLCC_ISA
// does not apply: on one machine the same version always runs (the
// baseline's, without FMA, may round differently).
#define DL_TARGET_CLONES                                                       \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define DL_HAVE_WIDE_VECTORS 0
#define DL_TARGET_CLONES
#endif

enum class InstructionSet { SSE, AVX2, AVX512 };

/// The widest vectors this machine runs: AVX-512, AVX2 with FMA, or SSE;
/// no wider than DLCC_ISA says when it is set ("sse" or "avx2", to
/// test and compare the narrower versions).
inline InstructionSet widestInstructionSet() {
#if DL_HAVE_WIDE_VECTORS
  const char *cap = std::getenv("DLCC_ISA");
  std::string_view limit = cap ? cap : "";
  if (limit != "sse" && limit != "avx2" && __builtin_cpu_supports("avx512f") &&
      __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
    return InstructionSet::AVX512;
  if (limit != "sse" && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma"))
    return InstructionSet::AVX2;
#endif
  return InstructionSet::SSE;
}

/// make(std::integral_constant<int, B>()) for this machine's widest
/// vectors (B = 64 bytes with AVX-512, 32 with AVX2, 16 otherwise): a
/// kernel's versions for them.
template <typename Make> auto forWidestVectors(const Make &make) {
  switch (widestInstructionSet()) {
#if DL_HAVE_WIDE_VECTORS
  case InstructionSet::AVX512:
    return make(std::integral_constant<int, 64>());
  case InstructionSet::AVX2:
    return make(std::integral_constant<int, 32>());
#endif
  default:
    return make(std::integral_constant<int, 16>());
  }
}

} // namespace dlcc::kernels

#endif // DLCC_KERNELS_CPU_SIMD_H
