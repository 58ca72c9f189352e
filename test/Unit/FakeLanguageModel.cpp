//===- FakeLanguageModel.cpp - A hand-written bigram model for tests ------===//
//
// Part of dlcc. A compiled model written by hand (see FakeModel.cpp), for
// the runtime's tests of token data, gradient clipping and stats: a bigram
// language model over the 96 byte-level tokens of text(),
//
//   logits[b, t] = wte.weight[tokens[b, t]]                  (4, 8, 96)
//   loss = cross_entropy(logits, targets)
//
// trained by AdamW (the project's fused kernel) after clipping the global
// gradient norm to max_grad_norm as torch.nn.utils.clip_grad_norm_ does;
// the norm before clipping is the stat grad_norm. A token outside [0, 96)
// stops the program through dlrt_fail. FAKE_MODEL_STEP_DELAY_MS slows its
// training steps down (FakeStepDelay.h).
//
//===----------------------------------------------------------------------===//

#include "FakeStepDelay.h"
#include "dlrt/ModelABI.h"
#include "kernels/cpu/AdamW.h"

#include <cmath>
#include <vector>

extern "C" const char dl_model_json[] = R"({
  "abi": 1, "model": "bigram", "batch": 4, "arena_bytes": 111488,
  "outputs": ["loss"],
  "tensors": [
    {"name": "wte.weight", "role": "param", "dtype": "f32", "shape": [96, 96],
     "offset": 0, "bytes": 36864,
     "init": {"kind": "normal", "a": 0.0, "b": 0.02}, "frozen": false},
    {"name": "tokens", "role": "input", "dtype": "i32", "shape": [4, 8],
     "offset": 36864, "bytes": 128},
    {"name": "targets", "role": "input", "dtype": "i32", "shape": [4, 8],
     "offset": 36992, "bytes": 128},
    {"name": "loss", "role": "output", "dtype": "f32", "shape": [],
     "offset": 37120, "bytes": 4},
    {"name": "wte.weight.exp_avg", "role": "state", "dtype": "f32",
     "shape": [96, 96], "offset": 37184, "bytes": 36864},
    {"name": "wte.weight.exp_avg_sq", "role": "state", "dtype": "f32",
     "shape": [96, 96], "offset": 74048, "bytes": 36864},
    {"name": "step", "role": "hyper", "dtype": "i64", "shape": [],
     "offset": 110912, "bytes": 8},
    {"name": "lr", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 111040, "bytes": 4},
    {"name": "beta1", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 111104, "bytes": 4},
    {"name": "beta2", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 111168, "bytes": 4},
    {"name": "eps", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 111232, "bytes": 4},
    {"name": "weight_decay", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 111296, "bytes": 4},
    {"name": "max_grad_norm", "role": "hyper", "dtype": "f32", "shape": [],
     "offset": 111360, "bytes": 4},
    {"name": "grad_norm", "role": "stat", "dtype": "f32", "shape": [],
     "offset": 111424, "bytes": 4}
  ],
  "train": {
    "batch": 4, "steps": 40, "log_every": 5, "clip": 1.0,
    "data": {"source": "text", "path": "corpus.txt", "context": 8},
    "optimizer": {"name": "adamw", "lr": 0.1, "betas": [0.9, 0.95],
                  "eps": 1e-08, "weight_decay": 0.1},
    "schedule": {"name": "cosine", "warmup": 5, "min_lr": 0.001}
  }
})";

namespace {
constexpr int kRows = 4 * 8, kVocab = 96;

template <typename T> T *at(uint8_t *arena, size_t offset) {
  return reinterpret_cast<T *>(arena + offset);
}

/// Writes the loss; `grad` (kVocab, kVocab), when given, receives
/// d loss / d wte.weight.
void forward(uint8_t *arena, float *grad) {
  const float *table = at<float>(arena, 0);
  const int32_t *tokens = at<int32_t>(arena, 36864);
  const int32_t *targets = at<int32_t>(arena, 36992);
  float loss = 0;
  for (int r = 0; r < kRows; ++r) {
    for (int32_t id : {tokens[r], targets[r]})
      if (id < 0 || id >= kVocab)
        dlrt_fail("token id out of range [0, 96)", id);
    const float *logits = table + tokens[r] * kVocab;
    float largest = -INFINITY, total = 0;
    for (int v = 0; v < kVocab; ++v)
      largest = std::fmax(largest, logits[v]);
    for (int v = 0; v < kVocab; ++v)
      total += std::exp(logits[v] - largest);
    loss += std::log(total) + largest - logits[targets[r]];
    if (grad)
      for (int v = 0; v < kVocab; ++v)
        grad[tokens[r] * kVocab + v] +=
            (std::exp(logits[v] - largest) / total - (v == targets[r])) / kRows;
  }
  *at<float>(arena, 37120) = loss / kRows;
}
} // namespace

extern "C" void dl_eval_step(uint8_t *arena) { forward(arena, nullptr); }

extern "C" void dl_train_step(uint8_t *arena) {
  delayIfAsked();
  std::vector<float> grad(kVocab * kVocab, 0.0f);
  forward(arena, grad.data());

  float squares = 0;
  for (float g : grad)
    squares += g * g;
  float norm = std::sqrt(squares);
  *at<float>(arena, 111424) = norm;
  float coefficient = *at<float>(arena, 111360) / (norm + 1e-6f);
  if (coefficient < 1)
    for (float &g : grad)
      g *= coefficient;

  DLAdamWHypers hypers{at<float>(arena, 111040), at<float>(arena, 111296),
                       at<float>(arena, 111104), at<float>(arena, 111168),
                       at<float>(arena, 111232), at<int64_t>(arena, 110912)};
  float *weight = at<float>(arena, 0), *m = at<float>(arena, 37184),
        *v = at<float>(arena, 74048);
  dl_adamw_f32(weight, grad.data(), m, v, weight, m, v, kVocab * kVocab,
               hypers);
}
