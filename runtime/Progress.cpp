//===- Progress.cpp - What training prints while it runs ------------------===//
//
// Part of dlcc's runtime (libdlrt).
//
//===----------------------------------------------------------------------===//

#include "runtime/Progress.h"

#include <cmath>

namespace dlrt {

std::string formatDuration(double seconds) {
  long long s = std::llround(seconds < 0 ? 0 : seconds);
  char text[32];
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", s / 3600,
                  s / 60 % 60, s % 60);
  else
    std::snprintf(text, sizeof text, "%lld:%02lld", s / 60, s % 60);
  return text;
}

Progress::Progress(std::FILE *out, bool terminal, int64_t done, int64_t total,
                   int64_t unitsPerStep, const std::string &unit)
    : out(out), terminal(terminal), done(done), total(total),
      unitsPerStep(unitsPerStep), unit(unit),
      start(std::chrono::steady_clock::now()) {}

double Progress::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

double Progress::throughput(int64_t step) const {
  double seconds = elapsed();
  return step > done && seconds > 0
             ? double((step - done) * unitsPerStep) / seconds
             : 0.0;
}

std::string Progress::timing(int64_t step) const {
  char text[96];
  std::snprintf(text, sizeof text, "%.1f s, %.0f %s/s", elapsed(),
                throughput(step), unit.c_str());
  return text;
}

void Progress::clearLine() {
  if (lineShown)
    std::fputs("\r\033[K", out);
  lineShown = false;
}

void Progress::stepDone(int64_t step, const std::string &values) {
  if (!terminal)
    return;
  auto now = std::chrono::steady_clock::now();
  if (step != total && lineShown &&
      now - lastDraw < std::chrono::milliseconds(100))
    return;
  lastDraw = now;
  double rate = step > done ? elapsed() / double(step - done) : 0;
  constexpr int kBarWidth = 20;
  int filled = int(kBarWidth * step / (total ? total : 1));
  std::string bar(size_t(filled), '=');
  bar.resize(kBarWidth, ' ');
  clearLine();
  std::fprintf(out, "step %lld/%lld [%s] %s  %.0f %s/s  ETA %s",
               (long long)step, (long long)total, bar.c_str(), values.c_str(),
               throughput(step), unit.c_str(),
               formatDuration(rate * double(total - step)).c_str());
  std::fflush(out);
  lineShown = true;
}

void Progress::logged(int64_t step, const std::string &values) {
  if (terminal)
    return;
  std::fprintf(out, "step %lld/%lld  %s  (%s)\n", (long long)step,
               (long long)total, values.c_str(), timing(step).c_str());
  std::fflush(out);
}

void Progress::print(const std::string &line) {
  clearLine();
  std::fprintf(out, "%s\n", line.c_str());
  std::fflush(out);
}

void Progress::finish() {
  if (lineShown)
    std::fputs("\n", out);
  lineShown = false;
  std::fflush(out);
}

} // namespace dlrt
