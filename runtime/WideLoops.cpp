//===- WideLoops.cpp - Which version of the loop nests runs ---------------===//
//
// Part of dlcc's runtime. A program built for the portable CPU carries each
// parallel loop nest twice (dl-multiversion-loops): as built, and for
// x86-64-v4 (AVX-512). The program's calls choose by dlrt_wide_loops, set
// here before main: 1 when this machine runs x86-64-v4 code and the
// hand-written kernels may use AVX-512 too (DLCC_ISA=avx2 or sse caps both,
// kernels/cpu/Simd.h).
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/Simd.h"

#include <cstdint>

namespace {

bool runsWideLoops() {
  using namespace dlcc::kernels;
#if defined(__x86_64__) && defined(__GNUC__)
  return widestInstructionSet() == InstructionSet::AVX512 &&
         __builtin_cpu_supports("x86-64-v4");
#else
  return false;
#endif
}

} // namespace

extern "C" {
uint8_t dlrt_wide_loops = runsWideLoops();
}
