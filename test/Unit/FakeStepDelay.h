//===- FakeStepDelay.h - Slowing down the steps of fake models --*- C++ -*-===//
//
// Part of dlcc's runtime tests. With FAKE_MODEL_STEP_DELAY_MS set, each
// training step of a fake model sleeps that long, so that a test can
// interrupt a run in its middle.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_TEST_FAKESTEPDELAY_H
#define DLRT_TEST_FAKESTEPDELAY_H

#include <chrono>
#include <cstdlib>
#include <thread>

inline void delayIfAsked() {
  static const char *delay = std::getenv("FAKE_MODEL_STEP_DELAY_MS");
  if (delay)
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(delay)));
}

#endif // DLRT_TEST_FAKESTEPDELAY_H
