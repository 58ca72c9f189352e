//===- MemoryUse.cpp - The memory a run planned and used ------------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/MemoryUse.h"

#include <sys/resource.h>

#include <cstdio>

namespace dlrt {

namespace {

std::string grouped(uint64_t value) {
  std::string digits = std::to_string(value), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0)
      out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

/// The process's peak resident set (the program, its libraries, the data
/// the runtime holds, the arena).
uint64_t peakResidentBytes() {
  struct rusage usage {};
  if (getrusage(RUSAGE_SELF, &usage) != 0)
    return 0;
  return uint64_t(usage.ru_maxrss) * 1024; // Linux reports kilobytes.
}

} // namespace

std::string describeMemoryUse(const ModelDesc &model,
                              const StepRunner &runner) {
  uint64_t planned = model.arenaBytes;
  std::string text = "memory: planned arena " + grouped(planned) +
                     " bytes (tensors " +
                     grouped(planned - model.scratchBytes) +
                     ", step temporaries " + grouped(model.scratchBytes) + ")";
  if (const Device *device = runner.device()) {
    // The device's arena is allocated whole; what else the backend holds
    // (library workspaces) is the difference.
    text += "; device memory held " + grouped(device->bytesInUse()) +
            " bytes; host peak resident " + grouped(peakResidentBytes()) +
            " bytes";
    return text;
  }
  uint64_t used = runner.hostArena().residentBytes();
  char percent[32];
  std::snprintf(percent, sizeof percent, "%.1f",
                planned ? 100.0 * double(used) / double(planned) : 0.0);
  return text + "; used " + grouped(used) + " bytes of it (" + percent +
         " %); process peak resident " + grouped(peakResidentBytes()) +
         " bytes";
}

} // namespace dlrt
