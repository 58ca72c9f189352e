//===- CudaMain.cpp - main() of every program dlcc compiles for CUDA ------===//
//
// Part of dlcc's runtime. Linked (as libdlrt_cuda_main) into programs
// compiled with `dlcc --target=cuda`: the same driver as Main.cpp, with
// the steps on the GPU.
//
//===----------------------------------------------------------------------===//

#include "dlrt/ModelABI.h"
#include "runtime/Driver.h"
#include "runtime/cuda/CudaDevice.h"

extern "C" void dl_gradient_step(uint8_t *arena) __attribute__((weak));
extern "C" void dl_train_step(uint8_t *arena) __attribute__((weak));

int main(int argc, char **argv) {
  return dlrt::runProgram(argc, argv,
                          {dl_model_json, dl_eval_step, dl_gradient_step,
                           dl_train_step, dlrt::cuda::openDevice});
}
