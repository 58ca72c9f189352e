//===- MetricsLog.h - The JSONL log of a training run -----------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). `--log FILE` writes one JSON object a
// line: each logged step and each evaluation (docs/runtime.md has the
// fields). Every field but "time" is deterministic, so that two runs with
// the same seed, or a run resumed from a checkpoint, give the same lines.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_METRICSLOG_H
#define DLRT_METRICSLOG_H

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <string>

namespace dlrt {

class MetricsLog {
public:
  /// Opens `path`. A fresh run (`resumedStep` < 0) empties it; a run
  /// resumed after `resumedStep` steps keeps the records of the steps up
  /// to it (written before its checkpoint) and drops the others, so that
  /// the log reads as if the run had not been interrupted. Throws Error.
  MetricsLog(const std::string &path, int64_t resumedStep);
  ~MetricsLog();
  MetricsLog(const MetricsLog &) = delete;
  MetricsLog &operator=(const MetricsLog &) = delete;

  /// Appends one record as a line and flushes it. Throws Error.
  void write(const nlohmann::ordered_json &record);

private:
  std::string path;
  std::FILE *file = nullptr;
};

} // namespace dlrt

#endif // DLRT_METRICSLOG_H
