//===- flash_attention_cpu.cpp - Times the CPU flash-attention kernels ----===//
//
// Part of dlcc's benchmarks. The forward and backward of
// kernels/cpu/FlashAttention at the gpt example's shape (16 sequences x 4
// heads, 128 tokens, head dimension 48, causal, f32): the median (and the
// fastest) of 20 runs after warm-up. GFLOP/s counts the matrix products over
// the causal half of the score square, T (T + 1) / 2 pairs per entry: 2
// products (4 flops per pair and dimension) forward, 5 (10) backward; the
// full-square rate is twice the pairs, printed too.
//
// With "serial" after the head dimension, the entries are passed one call
// each, so that the kernels run on one thread (steadier on a busy machine).
//
// Built by hand against the kernels library, e.g.
//   g++ -O2 -std=c++17 -I. bench/flash_attention_cpu.cpp
//       build/lib/libdlkernels.a -lpthread -o flash_bench
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/FlashAttention.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

int main(int argc, char **argv) {
  int64_t batch = 64, T = 128, d = argc > 1 ? std::atoll(argv[1]) : 48;
  bool serial = argc > 2 && std::strcmp(argv[2], "serial") == 0;
  int runs = 20;
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  auto draw = [&](size_t n) {
    std::vector<float> x(n);
    for (float &e : x)
      e = normal(rng);
    return x;
  };
  std::vector<float> q = draw(batch * T * d), k = draw(batch * T * d),
                     v = draw(batch * T * d), dout = draw(batch * T * d);
  std::vector<float> out(batch * T * d), lse(batch * T), dq(q.size()),
      dk(k.size()), dv(v.size());
  float scale = 1 / std::sqrt(float(d));
  // Entries [n, n + count).
  auto fwdAt = [&](int64_t n, int64_t count) {
    int64_t x = n * T * d;
    dl_attention_fwd_f32(&q[x], &k[x], &v[x], nullptr, &out[x], &lse[n * T],
                         count, T, T, d, d, scale, 1, 0);
  };
  auto bwdAt = [&](int64_t n, int64_t count) {
    int64_t x = n * T * d;
    dl_attention_bwd_f32(&q[x], &k[x], &v[x], &out[x], &lse[n * T], &dout[x],
                         nullptr, &dq[x], &dk[x], &dv[x], count, T, T, d, d,
                         scale, 1, 0);
  };
  auto fwd = [&] {
    if (!serial)
      return fwdAt(0, batch);
    for (int64_t n = 0; n < batch; ++n)
      fwdAt(n, 1);
  };
  auto bwd = [&] {
    if (!serial)
      return bwdAt(0, batch);
    for (int64_t n = 0; n < batch; ++n)
      bwdAt(n, 1);
  };
  auto median = [&](auto &&f) {
    for (int i = 0; i < 3; ++i)
      f();
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      f();
      auto t1 = std::chrono::steady_clock::now();
      ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    return std::pair<double, double>(ms[ms.size() / 2], ms[0]);
  };
  double pairs = double(batch) * T * (T + 1) / 2;
  auto [fwdMs, fwdMin] = median(fwd);
  auto [bwdMs, bwdMin] = median(bwd);
  double fwdFlops = 4 * pairs * d, bwdFlops = 10 * pairs * d;
  double checksum = 0;
  for (float x : out)
    checksum += x;
  for (float x : dq)
    checksum += x;
  std::printf("batch %lld, %lldx%lld, dim %lld, causal, f32%s\n",
              (long long)batch, (long long)T, (long long)T, (long long)d,
              serial ? ", one entry a call" : "");
  std::printf("forward  %8.3f ms  %6.1f GFLOP/s causal half (%6.1f full "
              "square); fastest run %.3f ms\n",
              fwdMs, fwdFlops / fwdMs * 1e-6, 2 * fwdFlops / fwdMs * 1e-6,
              fwdMin);
  std::printf("backward %8.3f ms  %6.1f GFLOP/s causal half (%6.1f full "
              "square); fastest run %.3f ms\n",
              bwdMs, bwdFlops / bwdMs * 1e-6, 2 * bwdFlops / bwdMs * 1e-6,
              bwdMin);
  std::printf("checksum %.6g\n", checksum);
  return 0;
}
