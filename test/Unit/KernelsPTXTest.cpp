//===- KernelsPTXTest.cpp - Tests of the embedded kernel PTX --------------===//
//
// Part of dlcc. libdlkernels_ptx returns each kernel's PTX for each built
// architecture, whole, and nothing for what was not built.
//
//===----------------------------------------------------------------------===//

#include "kernels/KernelsPTX.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace {

// The PTX file the build wrote (DLCC_PTX_DIR comes from CMake).
std::string readPTXFile(const std::string &kernel, const std::string &arch) {
  std::ifstream in(std::string(DLCC_PTX_DIR) + "/" + kernel + "." + arch +
                   ".ptx");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

TEST(KernelsPTX, EveryKernelForEveryArch) {
  for (const char *arch : {"sm_80", "sm_90"}) {
    SCOPED_TRACE(arch);
    const char *xent = dlkernelsPTX("softmax_xent", arch);
    ASSERT_NE(xent, nullptr);
    std::string text(xent);
    EXPECT_NE(text.find(std::string(".target ") + arch), std::string::npos);
    EXPECT_NE(text.find(".entry dl_softmax_xent_fwd_f32("), std::string::npos);
    EXPECT_NE(text.find(".entry dl_softmax_xent_reduce_f32("),
              std::string::npos);
    EXPECT_NE(text.find(".entry dl_softmax_xent_bwd_f32("), std::string::npos);
    // Byte for byte what nvcc wrote: nothing cut short or added.
    EXPECT_EQ(text, readPTXFile("softmax_xent", arch));

    const char *adamw = dlkernelsPTX("adamw", arch);
    ASSERT_NE(adamw, nullptr);
    EXPECT_NE(std::string(adamw).find(".entry dl_adamw_all_f32("),
              std::string::npos);
    EXPECT_EQ(std::string(adamw), readPTXFile("adamw", arch));
  }
}

TEST(KernelsPTX, AbsentIsNull) {
  EXPECT_EQ(dlkernelsPTX("softmax_xent", "sm_75"), nullptr);
  EXPECT_EQ(dlkernelsPTX("no_such_kernel", "sm_90"), nullptr);
  EXPECT_EQ(dlkernelsPTX("softmax", "sm_90"), nullptr);
}
