//===- MemoryUse.h - The memory a run planned and used ----------*- C++ -*-===//
//
// Part of dlcc's runtime (libdlrt). `--report-memory` prints, at the end of
// training, the arena the compiler planned next to what the run touched.
//
//===----------------------------------------------------------------------===//

#ifndef DLRT_MEMORYUSE_H
#define DLRT_MEMORYUSE_H

#include "runtime/ModelDescriptor.h"
#include "runtime/StepRunner.h"

#include <string>

namespace dlrt {

/// One line: "memory: planned arena N bytes (tensors T, step temporaries
/// S); used U bytes of it (P %); process peak resident R bytes". With a
/// device, the device memory the program holds instead of the used bytes.
std::string describeMemoryUse(const ModelDesc &model,
                              const StepRunner &runner);

} // namespace dlrt

#endif // DLRT_MEMORYUSE_H
