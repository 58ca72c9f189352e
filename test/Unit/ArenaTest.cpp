//===- ArenaTest.cpp - Tests of the runtime arena -------------------------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "runtime/Arena.h"

#include <gtest/gtest.h>

#include <unistd.h>

using namespace dlrt;

TEST(Arena, RoundsUpToTheAlignment) {
  EXPECT_EQ(alignArena(0), 0u);
  EXPECT_EQ(alignArena(1), 64u);
  EXPECT_EQ(alignArena(64), 64u);
  EXPECT_EQ(alignArena(65), 128u);
}

TEST(Arena, IsAlignedAndZeroed) {
  Arena arena;
  std::string error;
  ASSERT_TRUE(arena.allocate(1000, error)) << error;
  EXPECT_EQ(arena.size(), 1024u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(arena.data()) % kArenaAlignment, 0u);
  for (size_t i = 0; i < arena.size(); ++i)
    ASSERT_EQ(arena.data()[i], 0) << "byte " << i;
}

TEST(Arena, HandsOutPlannedOffsets) {
  Arena arena;
  std::string error;
  ASSERT_TRUE(arena.allocate(256, error));
  EXPECT_EQ(arena.at(64, 192), arena.data() + 64);
  EXPECT_EQ(arena.at(256, 0), arena.data() + 256);
}

TEST(ArenaDeathTest, RejectsOffsetsOutside) {
  Arena arena;
  std::string error;
  ASSERT_TRUE(arena.allocate(128, error));
  EXPECT_DEATH(arena.at(64, 65), "lies outside the arena of 128 bytes");
}

TEST(Arena, ReportsAnImpossibleSize) {
  Arena arena;
  std::string error;
  EXPECT_FALSE(arena.allocate(size_t(1) << 62, error));
  EXPECT_NE(error.find("cannot allocate the arena"), std::string::npos);
  EXPECT_EQ(arena.size(), 0u);
}

TEST(Arena, CountsTheBytesTouched) {
  Arena arena;
  std::string error;
  size_t page = size_t(sysconf(_SC_PAGESIZE));
  ASSERT_TRUE(arena.allocate(64 * page, error)) << error;
  EXPECT_EQ(arena.residentBytes(), 0u);
  arena.data()[0] = 1;
  arena.data()[10 * page + 5] = 1;
  EXPECT_EQ(arena.residentBytes(), 2 * page);
}
