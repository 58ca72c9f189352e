//===- ScheduleTest.cpp - Tests of the learning-rate schedules ------------===//
//
// Part of dlcc. Values computed by hand from the formulas of
// docs/runtime.md (Hugging Face's LambdaLR schedules).
//
//===----------------------------------------------------------------------===//

#include "runtime/Schedule.h"
#include "runtime/Error.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace dlrt;

TEST(Schedule, Constant) {
  Schedule constant;
  for (int64_t done : {0, 1, 50, 99})
    EXPECT_EQ(scheduledLr(constant, 0.1, done, 100), 0.1);
}

TEST(Schedule, LinearWithWarmup) {
  Schedule linear{Schedule::Kind::Linear, 10, 0};
  EXPECT_EQ(scheduledLr(linear, 1.0, 0, 110), 0.0); // Warmup starts at 0.
  EXPECT_DOUBLE_EQ(scheduledLr(linear, 1.0, 5, 110), 0.5);
  EXPECT_DOUBLE_EQ(scheduledLr(linear, 1.0, 10, 110), 1.0);
  EXPECT_DOUBLE_EQ(scheduledLr(linear, 1.0, 60, 110), 0.5);
  EXPECT_DOUBLE_EQ(scheduledLr(linear, 1.0, 109, 110), 0.01);
  EXPECT_EQ(scheduledLr(linear, 1.0, 200, 110), 0.0); // Never negative.
}

TEST(Schedule, LinearWithoutWarmup) {
  Schedule linear{Schedule::Kind::Linear, 0, 0};
  EXPECT_DOUBLE_EQ(scheduledLr(linear, 2.0, 0, 4), 2.0);
  EXPECT_DOUBLE_EQ(scheduledLr(linear, 2.0, 3, 4), 0.5);
}

TEST(Schedule, CosineWithMinimum) {
  Schedule cosine{Schedule::Kind::Cosine, 4, 0.1};
  EXPECT_DOUBLE_EQ(scheduledLr(cosine, 1.0, 1, 14), 0.25);
  EXPECT_DOUBLE_EQ(scheduledLr(cosine, 1.0, 4, 14), 1.0);
  // Halfway through the decay: the mean of lr and min_lr.
  EXPECT_DOUBLE_EQ(scheduledLr(cosine, 1.0, 9, 14), 0.55);
  EXPECT_DOUBLE_EQ(scheduledLr(cosine, 1.0, 6, 14),
                   0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * 0.2)));
  EXPECT_DOUBLE_EQ(scheduledLr(cosine, 1.0, 14, 14), 0.1);
  EXPECT_DOUBLE_EQ(scheduledLr(cosine, 1.0, 20, 14), 0.1); // Clamped.
}

TEST(Schedule, WarmupLongerThanTheRun) {
  Schedule cosine{Schedule::Kind::Cosine, 10, 0};
  EXPECT_DOUBLE_EQ(scheduledLr(cosine, 1.0, 4, 5), 0.4);
}

TEST(Schedule, ParsesTheTrainSection) {
  Schedule s =
      parseSchedule(nlohmann::json::parse(R"({"name": "cosine", "warmup": 100,
                                "min_lr": 0.0})"),
                    "schedule");
  EXPECT_EQ(s.kind, Schedule::Kind::Cosine);
  EXPECT_EQ(s.warmup, 100);
  EXPECT_EQ(parseSchedule("constant", "schedule").kind,
            Schedule::Kind::Constant);
  EXPECT_THROW(parseSchedule("step", "schedule"), Error);
  EXPECT_THROW(parseSchedule(
                   nlohmann::json::parse(R"({"name": "linear", "warmup": -1})"),
                   "schedule"),
               Error);
}
