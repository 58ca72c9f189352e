//===- InstructionSets.h - Running a kernel test on each vector width -----===//
//
// Part of dlcc's tests. The CPU kernels are built for AVX-512, AVX2 and SSE
// and pick the widest the machine has unless DLCC_ISA caps it
// (kernels/cpu/Simd.h).
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_TEST_UNIT_INSTRUCTIONSETS_H
#define DLCC_TEST_UNIT_INSTRUCTIONSETS_H

#include <gtest/gtest.h>

#include <cstdlib>

/// check() with the machine's widest vectors, then with AVX2 and SSE.
template <typename Check> void onEachInstructionSet(Check check) {
  for (const char *isa : {"", "avx2", "sse"}) {
    SCOPED_TRACE(*isa ? isa : "widest");
    setenv("DLCC_ISA", isa, 1);
    check();
  }
  unsetenv("DLCC_ISA");
}

#endif // DLCC_TEST_UNIT_INSTRUCTIONSETS_H
