//===- ThreadsTest.cpp - Tests of the idle-thread settings ----------------===//
//
// Part of dlcc. setIdleThreadsToSleep must make OpenBLAS (already loaded,
// its environment read) use the short timeout, and leave what the user set.
//
//===----------------------------------------------------------------------===//

#include "runtime/Threads.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

// OpenBLAS's value of OPENBLAS_THREAD_TIMEOUT as it last read it.
extern "C" int openblas_thread_timeout();

namespace {
std::string env(const char *name) {
  const char *value = getenv(name);
  return value ? value : "(unset)";
}
} // namespace

TEST(Threads, IdlePoolsSleep) {
  unsetenv("OPENBLAS_THREAD_TIMEOUT");
  unsetenv("KMP_BLOCKTIME");
  dlrt::setIdleThreadsToSleep();
  EXPECT_EQ(env("KMP_BLOCKTIME"), "1");
  EXPECT_EQ(env("OPENBLAS_THREAD_TIMEOUT"), "4");
  // OpenBLAS read its environment before main; it has read it again.
  EXPECT_EQ(openblas_thread_timeout(), 4);
}

TEST(Threads, UserSettingsKept) {
  setenv("OPENBLAS_THREAD_TIMEOUT", "20", 1);
  setenv("KMP_BLOCKTIME", "50", 1);
  dlrt::setIdleThreadsToSleep();
  EXPECT_EQ(env("KMP_BLOCKTIME"), "50");
  EXPECT_EQ(env("OPENBLAS_THREAD_TIMEOUT"), "20");
}
