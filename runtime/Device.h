//===- Device.h - Where a program's steps run -------------------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). The contract between the runtime and an
// accelerator backend (runtime/cuda/ for NVIDIA GPUs). A program compiled
// for the CPU has none: its steps run on the host arena. A program compiled
// for a device runs them on the device's arena, which has the host arena's
// layout; the runtime keeps its host copy in step (StepRunner).
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_DEVICE_H
#define DLRT_DEVICE_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace dlrt {

/// A step function of the model ABI: dl_eval_step, dl_train_step, ...
using StepFunction = void (*)(uint8_t *arena);

class Device {
public:
  virtual ~Device() = default;

  /// The device in words, for the program's output ("NVIDIA H100 (sm_90)").
  virtual std::string describe() const = 0;

  /// Allocates the arena on the device, `bytes` of zeros; once, before any
  /// copy or step. Throws Error when the device has not the memory.
  virtual void allocateArena(size_t bytes) = 0;

  /// Copies `bytes` from the host to the arena at `offset`, and back.
  /// Both wait until the copy is done. Throw Error.
  virtual void copyToDevice(size_t offset, const uint8_t *from,
                            size_t bytes) = 0;
  virtual void copyToHost(uint8_t *to, size_t offset, size_t bytes) = 0;

  /// Runs `step` on the device arena and waits for it to finish. Throws
  /// Error naming what failed.
  virtual void run(StepFunction step) = 0;

  /// Bytes of device memory the program holds: the arena and what the
  /// backend allocates besides (library workspaces).
  virtual size_t bytesInUse() const = 0;
};

} // namespace dlrt

#endif // DLRT_DEVICE_H
