//===- FakeModel.cpp - A hand-written compiled model for runtime tests ----===//
//
// Part of dlcc. Defines by hand what dlcc generates for a model, so that the
// runtime's main() can be tested end to end without the compiler. Linked
// with libdlrt_main into `fake-model`. The model is a linear layer with a
// mean-squared error:
//
//   prediction = (x fc.weight^T + fc.bias) * output_scale    (4, 2)
//   loss = mean((prediction - target)^2), mae = mean(|prediction - target|)
//
// trained by SGD with momentum as torch.optim.SGD does it (nesterov off):
//
//   g = grad + weight_decay * p;  buf = momentum * buf + g;  p -= lr * buf
//
// FAKE_MODEL_STEP_DELAY_MS slows its training steps down (FakeStepDelay.h).
//
//===----------------------------------------------------------------------===//

#include "FakeStepDelay.h"
#include "dlrt/ModelABI.h"

#include <cmath>
#include <cstring>

extern "C" const char dl_model_json[] = R"({
  "abi": 1, "model": "fake", "batch": 4, "arena_bytes": 832,
  "outputs": ["loss", "mae", "prediction"],
  "tensors": [
    {"name": "fc.weight", "role": "param", "dtype": "f32", "shape": [2, 3],
     "offset": 0, "bytes": 24,
     "init": {"kind": "uniform", "a": -0.5, "b": 0.5}, "frozen": false},
    {"name": "fc.bias", "role": "param", "dtype": "f32", "shape": [2],
     "offset": 64, "bytes": 8, "init": {"kind": "constant", "a": 0.1}},
    {"name": "output_scale", "role": "buffer", "dtype": "f32", "shape": [],
     "offset": 128, "bytes": 4, "init": {"kind": "constant", "a": 1.0}},
    {"name": "x", "role": "input", "dtype": "f32", "shape": [4, 3],
     "offset": 192, "bytes": 48},
    {"name": "target", "role": "input", "dtype": "f32", "shape": [4, 2],
     "offset": 256, "bytes": 32},
    {"name": "loss", "role": "output", "dtype": "f32", "shape": [],
     "offset": 320, "bytes": 4},
    {"name": "mae", "role": "output", "dtype": "f32", "shape": [],
     "offset": 384, "bytes": 4},
    {"name": "prediction", "role": "output", "dtype": "f32", "shape": [4, 2],
     "offset": 448, "bytes": 32},
    {"name": "fc.weight.momentum_buffer", "role": "state", "dtype": "f32",
     "shape": [2, 3], "offset": 512, "bytes": 24},
    {"name": "fc.bias.momentum_buffer", "role": "state", "dtype": "f32",
     "shape": [2], "offset": 576, "bytes": 8},
    {"name": "lr", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 640, "bytes": 4},
    {"name": "momentum", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 704, "bytes": 4},
    {"name": "weight_decay", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 768, "bytes": 4}
  ],
  "train": {
    "batch": 4, "epochs": 2, "log_every": 1,
    "data": {"source": "npy", "x": "train-x.npy", "target": "train-target.npy"},
    "eval": {"source": "npy", "x": "eval-x.npy", "target": "eval-target.npy"},
    "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9,
                  "nesterov": false, "weight_decay": 0.0}
  }
})";

namespace {
constexpr int kBatch = 4, kIn = 3, kOut = 2;

template <typename T> T *at(uint8_t *arena, size_t offset) {
  return reinterpret_cast<T *>(arena + offset);
}

/// The forward pass: writes prediction, loss and mae; returns nothing.
void forward(uint8_t *arena) {
  const float *weight = at<float>(arena, 0);   // (kOut, kIn)
  const float *bias = at<float>(arena, 64);    // (kOut)
  const float scale = *at<float>(arena, 128);  // ()
  const float *x = at<float>(arena, 192);      // (kBatch, kIn)
  const float *target = at<float>(arena, 256); // (kBatch, kOut)
  float *prediction = at<float>(arena, 448);   // (kBatch, kOut)

  // Inputs out of range stop the program, as generated bounds checks do.
  for (int i = 0; i < kBatch * kIn; ++i)
    if (!(std::fabs(x[i]) <= 1e6f))
      dlrt_fail("input 'x' is out of range at element", i);

  // prediction = x weight^T, then the bias and the scale.
  dlrt_sgemm(/*transA=*/0, /*transB=*/1, kBatch, kOut, kIn, 1.0f, x, kIn,
             weight, kIn, 0.0f, prediction, kOut);
  float squares = 0, absolutes = 0;
  for (int b = 0; b < kBatch; ++b)
    for (int o = 0; o < kOut; ++o) {
      float &y = prediction[b * kOut + o];
      y = (y + bias[o]) * scale;
      float diff = y - target[b * kOut + o];
      squares += diff * diff;
      absolutes += std::fabs(diff);
    }
  *at<float>(arena, 320) = squares / (kBatch * kOut);
  *at<float>(arena, 384) = absolutes / (kBatch * kOut);
}

void sgd(float *param, const float *grad, float *buffer, int n, float lr,
         float momentum, float weightDecay) {
  for (int i = 0; i < n; ++i) {
    float g = grad[i] + weightDecay * param[i];
    buffer[i] = momentum * buffer[i] + g;
    param[i] -= lr * buffer[i];
  }
}
} // namespace

extern "C" void dl_eval_step(uint8_t *arena) { forward(arena); }

extern "C" void dl_train_step(uint8_t *arena) {
  delayIfAsked();
  forward(arena);
  const float scale = *at<float>(arena, 128);
  const float *x = at<float>(arena, 192);
  const float *target = at<float>(arena, 256);
  const float *prediction = at<float>(arena, 448);

  // d loss / d (x weight^T + bias) = 2 (prediction - target) scale / 8.
  float weightGrad[kOut * kIn] = {}, biasGrad[kOut] = {};
  for (int b = 0; b < kBatch; ++b)
    for (int o = 0; o < kOut; ++o) {
      float g = 2.0f * (prediction[b * kOut + o] - target[b * kOut + o]) *
                scale / (kBatch * kOut);
      biasGrad[o] += g;
      for (int i = 0; i < kIn; ++i)
        weightGrad[o * kIn + i] += g * x[b * kIn + i];
    }

  float lr = *at<float>(arena, 640), momentum = *at<float>(arena, 704),
        weightDecay = *at<float>(arena, 768);
  sgd(at<float>(arena, 0), weightGrad, at<float>(arena, 512), kOut * kIn, lr,
      momentum, weightDecay);
  sgd(at<float>(arena, 64), biasGrad, at<float>(arena, 576), kOut, lr, momentum,
      weightDecay);
}
