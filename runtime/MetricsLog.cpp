//===- MetricsLog.cpp - The JSONL log of a training run -------------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/MetricsLog.h"

#include "runtime/Error.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace dlrt {

MetricsLog::MetricsLog(const std::string &logPath, int64_t resumedStep)
    : path(logPath) {
  std::string kept;
  if (resumedStep >= 0) {
    // Lines of steps after the checkpoint were written by the interrupted
    // run and are about to be written again; a last line cut short by the
    // interruption does not parse and goes too.
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      nlohmann::json record =
          nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (record.is_object() && record.contains("step") &&
          record["step"].is_number_integer() &&
          record["step"].get<int64_t>() <= resumedStep)
        kept += line + "\n";
    }
  }
  file = std::fopen(path.c_str(), "w");
  if (!file)
    throw Error(path + ": cannot create: " + std::strerror(errno));
  if (!kept.empty() &&
      std::fwrite(kept.data(), 1, kept.size(), file) != kept.size())
    throw Error(path + ": cannot write: " + std::strerror(errno));
  std::fflush(file);
}

MetricsLog::~MetricsLog() {
  if (file)
    std::fclose(file);
}

void MetricsLog::write(const nlohmann::ordered_json &record) {
  std::string line = record.dump() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file) != line.size() ||
      std::fflush(file) != 0)
    throw Error(path + ": cannot write: " + std::strerror(errno));
}

} // namespace dlrt
