"""Training parity of the example models with PyTorch.

Compiles an example (small configurations, as forward_parity.py) under a
finetune section that sets AdamW, global-norm clipping and a cosine
schedule with warm-up; from the program's initial weights and one fixed
batch:

- the loss and the gradient of every parameter (the program's --gradients)
  must match PyTorch's autograd;
- after three optimizer steps on that batch, every parameter, buffer and
  optimizer moment must match torch.optim.AdamW stepped by
  torch.nn.utils.clip_grad_norm_ and a LambdaLR cosine schedule.

The reference runs in float64; the program in float32. Each tensor must
agree to a relative error of 1e-5 (|got - ref| / max(|ref|) over the
tensor). cnn runs with dropout off (its masks are not PyTorch's) and batch
norm in training mode, so its running statistics are compared too; its
images get a little noise, because Fashion-MNIST's flat background gives
equal values in many pooling windows, whose argmax then hangs on rounding.

Adam's eps is 1e-4 rather than the default 1e-8: Adam divides each
gradient element by its own magnitude, so an element that is nearly zero
(a bias that a later softmax or batch norm cancels has an exact gradient of
0 and an f32 one of rounding noise) moves by up to lr whatever its sign.
With eps = 1e-8 that made PyTorch in float32 itself differ from float64 by
5e-5 after three steps of cnn; eps = 1e-4 damps such elements and leaves
the update of every other one to the rules under test.

cnn's state after three steps is held to 1e-4 instead: its 3x3
convolutions run as Winograd's F(4x4, 3x3), whose transforms (coefficients
up to 8 and 1/24) round ~5x more than direct sums (its gradients: 5e-6
against 1e-6 with F(2x2)), and Adam's division of each element by its
own magnitude carries that into the small batch-norm biases (3.7e-5).

Usage: training_parity.py --dlcc DLCC --examples DIR --work DIR MODEL
"""

import argparse
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from forward_parity import MODELS, relative_error, run
from safetensors_io import read_safetensors, write_safetensors

TOLERANCE = 1e-5
STATE_TOLERANCE = {"cnn": 1e-4}
STEPS = 3
LR, BETAS, EPS, DECAY = 1e-3, (0.9, 0.95), 1e-4, 0.1
WARMUP, CLIP = 1, 0.5

FINETUNE = f"""import "{{example}}"

finetune {{model}} from "{{init}}" {{{{
  optimizer = adamw(lr = {LR}, betas = ({BETAS[0]}, {BETAS[1]}), eps = {EPS},
                    weight_decay = {DECAY})
  schedule  = cosine(warmup = {WARMUP})
  clip      = {CLIP}
  steps     = {STEPS}
}}}}
"""


def cosine(step):
    """The learning-rate factor of update `step` (0-based), as
    transformers.get_cosine_schedule_with_warmup computes it."""
    if step < WARMUP:
        return step / max(1, WARMUP)
    progress = (step - WARMUP) / max(1, STEPS - WARMUP)
    return 0.5 * (1.0 + math.cos(math.pi * progress))


def reference(forward, weights, batch, label, training):
    """Loss and gradients of the first step, and the state after STEPS."""
    params = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
              for k, v in weights.items() if not k.startswith("running")
              and ".running_" not in k}
    buffers = {k: torch.tensor(v, dtype=torch.float64)
               for k, v in weights.items() if k not in params}
    b = {k: torch.from_numpy(v.astype(np.int64 if v.dtype == np.int32
                                       else np.float64))
         for k, v in batch.items()}
    optimizer = torch.optim.AdamW(list(params.values()), lr=LR, betas=BETAS,
                                  eps=EPS, weight_decay=DECAY)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, cosine)
    first = None
    for _ in range(STEPS):
        optimizer.zero_grad()
        p = {**params, **buffers}
        logits = forward(p, b, **training)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                               b[label].reshape(-1))
        loss.backward()
        if first is None:
            first = {"loss": loss.detach().numpy()}
            first.update({k + ".grad": v.grad.numpy().copy()
                          for k, v in params.items()})
        torch.nn.utils.clip_grad_norm_(list(params.values()), CLIP)
        optimizer.step()
        schedule.step()
    final = {k: v.detach().numpy() for k, v in {**params, **buffers}.items()}
    for name, param in params.items():
        state = optimizer.state[param]
        final[name + ".exp_avg"] = state["exp_avg"].numpy()
        final[name + ".exp_avg_sq"] = state["exp_avg_sq"].numpy()
    return first, final


def compare(model, what, got, ref, tolerance=TOLERANCE):
    """Prints the worst relative error of `what`; returns the names over."""
    failures, worst, worst_name = [], 0.0, ""
    for name, value in sorted(ref.items()):
        if name not in got:
            failures.append(f"{name} (missing)")
            continue
        error = relative_error(got[name], value)
        if error > worst or not worst_name:
            worst, worst_name = error, name
        if not error <= tolerance:
            failures.append(f"{name} ({error:.3g})")
    print(f"{model} {what}: {len(ref)} tensors, worst relative error "
          f"{worst:.3g} ({worst_name})")
    return failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dlcc", required=True)
    parser.add_argument("--examples", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("model", choices=sorted(MODELS))
    args = parser.parse_args()
    options, make_batch, forward, _, label = MODELS[args.model]
    os.makedirs(args.work, exist_ok=True)
    work = lambda name: os.path.join(args.work, name)
    training = {"training": True} if args.model == "cnn" else {}
    if args.model == "cnn":
        options = options + ["--set=dropout_rate=0"]

    batch = make_batch()
    if args.model == "cnn":
        noise = np.random.default_rng(5).normal(0, 0.1, batch["image"].shape)
        batch["image"] = (batch["image"] + noise).astype(np.float32)
    write_safetensors(work("batch.safetensors"), batch)
    example = os.path.abspath(os.path.join(args.examples, args.model + ".dl"))
    size = f"--batch={len(batch[label])}"

    # The initial weights as the example's own program draws them (PyTorch's
    # rules), then the program under test, fine-tuning from them.
    run([args.dlcc, example, size, "-o", work("initial")] + options)
    run([work("initial"), "--eval", "--data", work("batch.safetensors"),
         "--save-params", work("init.safetensors")])
    weights, _ = read_safetensors(work("init.safetensors"))
    source = work("finetune.dl")
    with open(source, "w") as f:
        f.write(FINETUNE.format(example=example, model=args.model,
                                init=work("init.safetensors")))
    prog = work(args.model)
    run([args.dlcc, source, size, "--gradients", "-o", prog] + options)

    common = ["--data", work("batch.safetensors"), "--init",
              work("init.safetensors")]
    run([prog, "--gradients", work("grads.safetensors"), "--outputs",
         work("outputs.safetensors")] + common)
    grads, _ = read_safetensors(work("grads.safetensors"))
    outputs, _ = read_safetensors(work("outputs.safetensors"))
    run([prog, f"--steps={STEPS}", "--eval=none", "--checkpoint",
         work("final.safetensors")] + common)
    final, _ = read_safetensors(work("final.safetensors"))
    final = {k.removeprefix("optimizer."): v for k, v in final.items()}

    first, ref_final = reference(forward, weights, batch, label, training)
    failures = compare(args.model, "loss and gradients", {**grads, **outputs},
                       first)
    failures += compare(args.model, f"state after {STEPS} steps", final,
                        ref_final, STATE_TOLERANCE.get(args.model, TOLERANCE))
    if failures:
        sys.exit(f"{args.model}: differs from PyTorch by more than the "
                 f"tolerance: {', '.join(failures)}")


if __name__ == "__main__":
    main()
