//===- Main.cpp - main() of every program dlcc compiles -------------------===//
//
// Part of dlcc's runtime. Linked (as libdlrt_main) into every compiled
// program, next to the model's object file, which defines the symbols of
// include/dlrt/ModelABI.h that this file passes on to the driver.
//
//===----------------------------------------------------------------------===//

#include "dlrt/ModelABI.h"
#include "runtime/Driver.h"
#include "runtime/Threads.h"

// Only programs compiled with `dlcc --gradients` define it.
extern "C" void dl_gradient_step(uint8_t *arena) __attribute__((weak));
// Only programs whose model has a trained param define it.
extern "C" void dl_train_step(uint8_t *arena) __attribute__((weak));

int main(int argc, char **argv) {
  dlrt::setIdleThreadsToSleep();
  return dlrt::runProgram(
      argc, argv,
      {dl_model_json, dl_eval_step, dl_gradient_step, dl_train_step});
}
