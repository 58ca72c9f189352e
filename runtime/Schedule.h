//===- Schedule.h - The learning rate of each step --------------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). The schedules of a train section, with
// the semantics of PyTorch's LambdaLR as Hugging Face's
// get_{constant,linear,cosine}_schedule_with_warmup define them. The
// runtime computes the value on the host and writes it to the `lr` hyper
// tensor before each step.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_SCHEDULE_H
#define DLRT_SCHEDULE_H

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace dlrt {

struct Schedule {
  enum class Kind { Constant, Linear, Cosine };
  Kind kind = Kind::Constant;
  int64_t warmup = 0; ///< Steps of linear warmup from 0 (linear, cosine).
  double minLr = 0;   ///< Where cosine ends.
};

/// Reads a schedule from its train-section JSON: "constant", or
/// {"name": "linear"|"cosine"|"constant", "warmup": N, "min_lr": x}.
/// Throws Error naming `what`.
Schedule parseSchedule(const nlohmann::json &value, const std::string &what);

/// The learning rate of the update that follows `done` updates (0 for the
/// first step) in a run of `total` updates, for the optimizer's rate `lr`:
///
///   warmup w > 0 and done < w:  lr * done / w
///   constant:                   lr
///   linear:                     lr * max(0, (total - done) / max(1, total -
///   w)) cosine:  min_lr + (lr - min_lr) * (1 + cos(pi * p)) / 2,
///            p = clamp((done - w) / max(1, total - w), 0, 1)
double scheduledLr(const Schedule &schedule, double lr, int64_t done,
                   int64_t total);

} // namespace dlrt

#endif // DLRT_SCHEDULE_H
