//===- Progress.h - What training prints while it runs ----------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). On a terminal, one line that updates
// in place: step/total, the last logged loss, throughput and the time
// left. Elsewhere (a file, a pipe), one plain line per logged step, whose
// text is deterministic but for the timing in parentheses at its end:
//
//   step 50/2000  epoch 1  loss 2.34568  lr 0.0003  (12.3 s, 530 tokens/s)
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_PROGRESS_H
#define DLRT_PROGRESS_H

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace dlrt {

class Progress {
public:
  /// Reports a run of `total` steps that starts after `done` steps, each
  /// of `unitsPerStep` `unit`s ("examples", "tokens"), to `out`; `terminal`
  /// selects the updating line.
  Progress(std::FILE *out, bool terminal, int64_t done, int64_t total,
           int64_t unitsPerStep, const std::string &unit);

  /// After every step; on a terminal, redraws the line (at most ten times
  /// a second, and at the last step). `values` is the last logged text.
  void stepDone(int64_t step, const std::string &values);

  /// After a logged step; a plain line when not on a terminal.
  void logged(int64_t step, const std::string &values);

  /// A line that stays: evaluations and messages.
  void print(const std::string &line);

  /// Ends the updating line.
  void finish();

  /// Seconds since the run started.
  double elapsed() const;
  /// Units per second since the run started (0 before the first step).
  double throughput(int64_t step) const;

private:
  std::string timing(int64_t step) const;
  void clearLine();

  std::FILE *out;
  bool terminal;
  int64_t done, total, unitsPerStep;
  std::string unit;
  std::chrono::steady_clock::time_point start, lastDraw;
  bool lineShown = false;
};

/// "1:02:03" or "2:03" for a number of seconds.
std::string formatDuration(double seconds);

} // namespace dlrt

#endif // DLRT_PROGRESS_H
