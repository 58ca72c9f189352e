//===- Schedule.cpp - The learning rate of each step ----------------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/Schedule.h"

#include "runtime/Error.h"

#include <algorithm>
#include <cmath>

namespace dlrt {

Schedule parseSchedule(const nlohmann::json &value, const std::string &what) {
  Schedule schedule;
  std::string name;
  if (value.is_string())
    name = value.get<std::string>();
  else if (value.is_object() && value.contains("name") &&
           value["name"].is_string())
    name = value["name"].get<std::string>();
  else
    throw Error(what + " is not a schedule");
  if (name == "constant")
    schedule.kind = Schedule::Kind::Constant;
  else if (name == "linear")
    schedule.kind = Schedule::Kind::Linear;
  else if (name == "cosine")
    schedule.kind = Schedule::Kind::Cosine;
  else
    throw Error(what + ": unknown schedule '" + name +
                "' (expected constant, linear or cosine)");
  if (value.is_object()) {
    if (auto it = value.find("warmup"); it != value.end()) {
      if (!it->is_number_integer() || it->get<int64_t>() < 0)
        throw Error(what + ": 'warmup' must be an integer >= 0");
      schedule.warmup = it->get<int64_t>();
    }
    if (auto it = value.find("min_lr"); it != value.end()) {
      if (!it->is_number() || !(it->get<double>() >= 0))
        throw Error(what + ": 'min_lr' must be a number >= 0");
      schedule.minLr = it->get<double>();
    }
  }
  return schedule;
}

double scheduledLr(const Schedule &schedule, double lr, int64_t done,
                   int64_t total) {
  int64_t warmup =
      schedule.kind == Schedule::Kind::Constant ? 0 : schedule.warmup;
  if (done < warmup)
    return lr * double(done) / double(warmup);
  double decaySteps = double(std::max<int64_t>(1, total - warmup));
  switch (schedule.kind) {
  case Schedule::Kind::Constant:
    return lr;
  case Schedule::Kind::Linear:
    return lr * std::max(0.0, double(total - done) / decaySteps);
  case Schedule::Kind::Cosine: {
    double progress = std::clamp(double(done - warmup) / decaySteps, 0.0, 1.0);
    return schedule.minLr +
           (lr - schedule.minLr) * 0.5 * (1.0 + std::cos(M_PI * progress));
  }
  }
  return lr;
}

} // namespace dlrt
