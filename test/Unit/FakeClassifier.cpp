//===- FakeClassifier.cpp - A hand-written classifier for runtime tests ---===//
//
// Part of dlcc. A compiled model written by hand (see FakeModel.cpp), for
// the runtime's tests of image data and of AdamW: softmax regression of
// 2x2 images into three classes,
//
//   logits = flatten(image) fc.weight^T + fc.bias               (8, 3)
//   loss = cross_entropy(logits, label), accuracy = mean(argmax == label)
//
// trained by AdamW (the project's fused kernel) with the hyper tensors
// step, lr, beta1, beta2, eps and weight_decay. A label outside [0, 3)
// stops the program through dlrt_fail, as generated code does.
//
//===----------------------------------------------------------------------===//

#include "dlrt/ModelABI.h"
#include "kernels/cpu/AdamW.h"

#include <cmath>
#include <cstring>

extern "C" const char dl_model_json[] = R"({
  "abi": 1, "model": "classifier", "batch": 8, "arena_bytes": 1088,
  "outputs": ["loss", "accuracy"],
  "tensors": [
    {"name": "fc.weight", "role": "param", "dtype": "f32", "shape": [3, 4],
     "offset": 0, "bytes": 48,
     "init": {"kind": "normal", "a": 0.0, "b": 0.1}, "frozen": false},
    {"name": "fc.bias", "role": "param", "dtype": "f32", "shape": [3],
     "offset": 64, "bytes": 12, "init": {"kind": "constant", "a": 0.0}},
    {"name": "image", "role": "input", "dtype": "f32", "shape": [8, 2, 2],
     "offset": 128, "bytes": 128},
    {"name": "label", "role": "input", "dtype": "i64", "shape": [8],
     "offset": 256, "bytes": 64},
    {"name": "loss", "role": "output", "dtype": "f32", "shape": [],
     "offset": 320, "bytes": 4},
    {"name": "accuracy", "role": "output", "dtype": "f32", "shape": [],
     "offset": 384, "bytes": 4},
    {"name": "fc.weight.exp_avg", "role": "state", "dtype": "f32",
     "shape": [3, 4], "offset": 448, "bytes": 48},
    {"name": "fc.weight.exp_avg_sq", "role": "state", "dtype": "f32",
     "shape": [3, 4], "offset": 512, "bytes": 48},
    {"name": "fc.bias.exp_avg", "role": "state", "dtype": "f32",
     "shape": [3], "offset": 576, "bytes": 12},
    {"name": "fc.bias.exp_avg_sq", "role": "state", "dtype": "f32",
     "shape": [3], "offset": 640, "bytes": 12},
    {"name": "step", "role": "hyper", "dtype": "i64", "shape": [],
     "offset": 704, "bytes": 8},
    {"name": "lr", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 768, "bytes": 4},
    {"name": "beta1", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 832, "bytes": 4},
    {"name": "beta2", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 896, "bytes": 4},
    {"name": "eps", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 960, "bytes": 4},
    {"name": "weight_decay", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 1024, "bytes": 4}
  ],
  "train": {
    "batch": 8, "epochs": 3, "log_every": 2,
    "data": {"source": "idx", "images": "train-images.gz",
             "labels": "train-labels.gz", "scale": 0.00392156862745098,
             "mean": 0.5, "std": 0.25},
    "eval": {"source": "idx", "images": "test-images.gz",
             "labels": "test-labels.gz", "scale": 0.00392156862745098,
             "mean": 0.5, "std": 0.25},
    "optimizer": {"name": "adamw", "lr": 0.05, "betas": [0.9, 0.999],
                  "eps": 1e-08, "weight_decay": 0.01},
    "schedule": {"name": "linear", "warmup": 2}
  }
})";

namespace {
constexpr int kBatch = 8, kIn = 4, kClasses = 3;

template <typename T> T *at(uint8_t *arena, size_t offset) {
  return reinterpret_cast<T *>(arena + offset);
}

/// Writes loss and accuracy; `logitGrad` (kBatch, kClasses), when given,
/// receives d loss / d logits.
void forward(uint8_t *arena, float *logitGrad) {
  const float *weight = at<float>(arena, 0);  // (kClasses, kIn)
  const float *bias = at<float>(arena, 64);   // (kClasses)
  const float *image = at<float>(arena, 128); // (kBatch, kIn)
  const int64_t *label = at<int64_t>(arena, 256);
  float loss = 0, correct = 0;
  for (int b = 0; b < kBatch; ++b) {
    if (label[b] < 0 || label[b] >= kClasses)
      dlrt_fail("class label out of range [0, 3)", label[b]);
    float logits[kClasses], largest = -INFINITY;
    int best = 0;
    for (int c = 0; c < kClasses; ++c) {
      logits[c] = bias[c];
      for (int i = 0; i < kIn; ++i)
        logits[c] += image[b * kIn + i] * weight[c * kIn + i];
      if (logits[c] > largest) {
        largest = logits[c];
        best = c;
      }
    }
    float total = 0;
    for (int c = 0; c < kClasses; ++c)
      total += std::exp(logits[c] - largest);
    loss += std::log(total) + largest - logits[label[b]];
    correct += best == label[b];
    if (logitGrad)
      for (int c = 0; c < kClasses; ++c)
        logitGrad[b * kClasses + c] =
            (std::exp(logits[c] - largest) / total - (c == label[b])) / kBatch;
  }
  *at<float>(arena, 320) = loss / kBatch;
  *at<float>(arena, 384) = correct / kBatch;
}
} // namespace

extern "C" void dl_eval_step(uint8_t *arena) { forward(arena, nullptr); }

extern "C" void dl_train_step(uint8_t *arena) {
  float logitGrad[kBatch * kClasses];
  forward(arena, logitGrad);
  const float *image = at<float>(arena, 128);
  float weightGrad[kClasses * kIn] = {}, biasGrad[kClasses] = {};
  for (int b = 0; b < kBatch; ++b)
    for (int c = 0; c < kClasses; ++c) {
      biasGrad[c] += logitGrad[b * kClasses + c];
      for (int i = 0; i < kIn; ++i)
        weightGrad[c * kIn + i] +=
            logitGrad[b * kClasses + c] * image[b * kIn + i];
    }
  DLAdamWHypers hypers{at<float>(arena, 768), at<float>(arena, 1024),
                       at<float>(arena, 832), at<float>(arena, 896),
                       at<float>(arena, 960), at<int64_t>(arena, 704)};
  float *weight = at<float>(arena, 0), *bias = at<float>(arena, 64);
  float *weightM = at<float>(arena, 448), *weightV = at<float>(arena, 512);
  float *biasM = at<float>(arena, 576), *biasV = at<float>(arena, 640);
  dl_adamw_f32(weight, weightGrad, weightM, weightV, weight, weightM, weightV,
               kClasses * kIn, hypers);
  dl_adamw_f32(bias, biasGrad, biasM, biasV, bias, biasM, biasV, kClasses,
               hypers);
}
