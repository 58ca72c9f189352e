//===- conv2d_cpu.cpp - Times the CPU convolution kernels -----------------===//
//
// Part of dlcc's benchmarks. The forward, input gradient and weight
// gradient of kernels/cpu/Conv2D at the cnn example's 3x3 convolutions
// (batch 64, padding 1): the median of 10 runs after warm-up, and GFLOP/s
// of the direct convolution (2 flops per multiply-add, padding included;
// the Winograd kernels, which take all but the first, do fewer).
// DLCC_ISA=avx2 or sse times the narrower versions.
//
// Built by hand against the kernels library (which links OpenBLAS and
// LLVM's OpenMP runtime), e.g.
//   g++ -O2 -std=c++17 -I. bench/conv2d_cpu.cpp build/lib/libdlkernels.a
//       -lopenblas -L/usr/lib/llvm-22/lib -Wl,-rpath,/usr/lib/llvm-22/lib
//       -lomp -o conv_bench
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/Conv2D.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

namespace {

double medianMilliseconds(const std::function<void()> &run) {
  run();
  std::vector<double> times;
  for (int r = 0; r < 10; ++r) {
    auto start = std::chrono::steady_clock::now();
    run();
    times.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

std::vector<float> randomVector(int64_t n, std::mt19937 &rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float &e : v)
    e = u(rng);
  return v;
}

void time(int64_t batch, int64_t channels, int64_t size, int64_t filters) {
  std::mt19937 rng(1);
  std::vector<float> x = randomVector(batch * channels * size * size, rng);
  std::vector<float> w = randomVector(filters * channels * 9, rng);
  std::vector<float> dy = randomVector(batch * filters * size * size, rng);
  std::vector<float> y(dy.size()), dx(x.size()), dw(w.size());
  double gflop = 2.0 * batch * filters * channels * 9 * size * size / 1e9;
  double fwd = medianMilliseconds([&] {
    dl_conv2d_fwd_f32(x.data(), w.data(), nullptr, y.data(), batch, channels,
                      size, size, filters, 3, 3, 1, 1);
  });
  double dIn = medianMilliseconds([&] {
    dl_conv2d_grad_input_f32(dy.data(), w.data(), dx.data(), batch, channels,
                             size, size, filters, 3, 3, 1, 1);
  });
  double dW = medianMilliseconds([&] {
    dl_conv2d_grad_weight_f32(x.data(), dy.data(), dw.data(), batch, channels,
                              size, size, filters, 3, 3, 1, 1);
  });
  std::printf("%3lld -> %3lld channels, %2lldx%-2lld  forward %6.2f ms (%5.1f "
              "GFLOP/s)  input grad %6.2f ms (%5.1f)  weight grad %6.2f ms "
              "(%5.1f)\n",
              (long long)channels, (long long)filters, (long long)size,
              (long long)size, fwd, gflop / fwd * 1e3, dIn, gflop / dIn * 1e3,
              dW, gflop / dW * 1e3);
}

} // namespace

int main() {
  time(64, 1, 28, 32);
  time(64, 32, 28, 32);
  time(64, 32, 14, 64);
  time(64, 64, 14, 64);
}
