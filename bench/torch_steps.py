"""The examples' training steps in PyTorch, timed step by step.

Each example's model is the PyTorch forward of test/Models/forward_parity.py
(MODELS, over a dict of parameters named as dlcc names them), here in
float32 at the example's full size, from the initial weights the compiled
program writes (--save-params). A step does what the example's train
section asks of the compiled one: forward, cross-entropy loss, backward,
global-norm clipping when the section clips, the optimizer's update and
the learning-rate schedule's step:

- mlp: AdamW(lr 1e-3, weight decay 0.01), cosine schedule;
- cnn: SGD(lr 0.05, momentum 0.9, Nesterov), cosine with 100 warm-up
  steps; batch norm in training mode. Its dropout (on a 64 x 128
  activation) is left out, as forward_parity.py's forward has none;
- gpt: AdamW(lr 3e-4, betas (0.9, 0.95), weight decay 0.1), cosine with
  100 warm-up steps, clipping at 1.0.
"""

import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test",
                                "Models"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test",
                                "lib"))
import forward_parity  # noqa: E402
from gpt_flops import GPT  # noqa: E402
from safetensors_io import read_safetensors  # noqa: E402

# Per model: optimizer class and arguments, warm-up steps, clip (or None).
TRAIN = {
    "mlp": (torch.optim.AdamW, {"lr": 1e-3, "weight_decay": 0.01}, 0, None),
    "cnn": (torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True},
            100, None),
    "gpt": (torch.optim.AdamW, {"lr": 3e-4, "betas": (0.9, 0.95),
                                "weight_decay": 0.1}, 100, 1.0),
}


def cosine(warmup, total):
    """The LambdaLR factor of dlcc's cosine(warmup) schedule (docs/runtime.md)."""
    def factor(i):
        if i < warmup:
            return i / warmup
        progress = min(max((i - warmup) / max(1, total - warmup), 0.0), 1.0)
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    return factor


class Trainer:
    """One example's model, batch and optimizer, ready to step."""

    def __init__(self, model, weights_file, batch, total_steps):
        # forward_parity.py tests gpt at a small size; its forward reads the
        # size from this table.
        forward_parity.GPT.update(GPT)
        _, _, self.forward, _, self.label = forward_parity.MODELS[model]
        weights, _ = read_safetensors(weights_file)
        self.params = {k: torch.tensor(v, requires_grad=True)
                       for k, v in weights.items() if ".running_" not in k}
        self.buffers = {k: torch.tensor(v) for k, v in weights.items()
                        if ".running_" in k}
        self.batch = {k: torch.tensor(v.astype(np.int64) if
                                      v.dtype == np.int32 else v)
                      for k, v in batch.items()}
        self.options = {"training": True} if model == "cnn" else {}
        optimizer, arguments, warmup, self.clip = TRAIN[model]
        self.optimizer = optimizer(list(self.params.values()), **arguments)
        self.schedule = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, cosine(warmup, total_steps))
        self.first_loss = None

    def step(self):
        self.optimizer.zero_grad(set_to_none=True)
        logits = self.forward({**self.params, **self.buffers}, self.batch,
                              **self.options)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                               self.batch[self.label].reshape(-1))
        loss.backward()
        if self.clip is not None:
            torch.nn.utils.clip_grad_norm_(list(self.params.values()),
                                           self.clip)
        self.optimizer.step()
        self.schedule.step()
        loss = float(loss)
        if self.first_loss is None:
            self.first_loss = loss
        return loss

    def timed_steps(self, count, threads):
        """Runs `count` steps with `threads` intra-op threads; returns each
        step's seconds and the last loss."""
        torch.set_num_threads(threads)
        times, loss = [], None
        for _ in range(count):
            start = time.perf_counter()
            loss = self.step()
            times.append(time.perf_counter() - start)
        return times, loss
