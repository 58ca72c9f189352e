//===- WideLoops.cpp - Which version of the loop nests runs ---------------===//
//
// Part of dlcc's runtime. A program built for the portable CPU carries each
// loop nest twice (dl-multiversion-loops): as built, and for x86-64-v4
// (AVX-512). The program's calls choose by dlrt_wide_loops, set here before
// main: 1 when this machine runs x86-64-v4 code, unless DLCC_ISA asks for
// narrower vectors ("avx2" or "sse"; the hand-written kernels read it too).
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace {

bool runsWideLoops() {
  const char *limit = std::getenv("DLCC_ISA");
  if (limit && (std::strcmp(limit, "avx2") == 0 ||
                std::strcmp(limit, "sse") == 0))
    return false;
#if defined(__x86_64__) && defined(__GNUC__)
  return __builtin_cpu_supports("x86-64-v4");
#else
  return false;
#endif
}

} // namespace

extern "C" {
uint8_t dlrt_wide_loops = runsWideLoops();
}
