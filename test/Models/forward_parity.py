"""Forward parity of the example models with PyTorch.

Compiles an example with dlcc (small configurations through --set/--batch,
its logits exposed as an output), writes random weights and one fixed batch
as safetensors, runs the compiled program in eval mode, and computes the
same model with PyTorch (float64) from the same files. The loss and every
logit must agree to a relative error of 1e-5 (|got - ref| / max(|ref|) over
the whole tensor, so that tiny logits are not judged alone).

Usage: forward_parity.py --dlcc DLCC --examples DIR --work DIR MODEL
"""

import argparse
import gzip
import math
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

from safetensors_io import read_safetensors, write_safetensors

TOLERANCE = 1e-5
FASHION = "/usr/share/datasets/fashion-mnist"


def fashion_batch(count):
    """The first `count` training images (scaled to [0, 1]) and labels."""
    with gzip.open(os.path.join(FASHION, "train-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16)
    with gzip.open(os.path.join(FASHION, "train-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    images = images[: count * 784].astype(np.float32) / 255.0
    return images.reshape(count, 784), labels[:count].astype(np.int32)


# Each model: dlcc options, a batch, and the PyTorch forward over a dict of
# parameters named as dlcc names them (docs/language.md).

def mlp_batch():
    images, labels = fashion_batch(8)
    return {"image": images, "label": labels}


def mlp_forward(p, b):
    h = F.relu(F.linear(b["image"], p["linear.weight"], p["linear.bias"]))
    h = F.relu(F.linear(h, p["linear_1.weight"], p["linear_1.bias"]))
    return F.linear(h, p["linear_2.weight"], p["linear_2.bias"])


def cnn_batch():
    images, labels = fashion_batch(4)
    images = (images - 0.286) / 0.353
    return {"image": images.reshape(4, 1, 28, 28), "label": labels}


def conv_block(p, x, scope, training):
    def bn(y, name):
        return F.batch_norm(y, p[name + ".running_mean"],
                            p[name + ".running_var"], p[name + ".weight"],
                            p[name + ".bias"], training=training, eps=1e-5)
    y = F.conv2d(x, p[scope + ".conv2d.weight"], padding=1)
    y = F.relu(bn(y, scope + ".batchnorm"))
    y = F.conv2d(y, p[scope + ".conv2d_1.weight"], padding=1)
    y = bn(y, scope + ".batchnorm_1")
    return F.relu(x + y)


def cnn_forward(p, b, training=False):
    """The forward; with `training`, batch norm as in model.train() (its
    running statistics in `p` updated in place)."""
    h = F.relu(F.conv2d(b["image"], p["conv2d.weight"], p["conv2d.bias"],
                        padding=1))
    h = F.max_pool2d(conv_block(p, h, "conv_block", training), 2)
    h = F.relu(F.conv2d(h, p["conv2d_1.weight"], p["conv2d_1.bias"],
                        padding=1))
    h = F.max_pool2d(conv_block(p, h, "conv_block_1", training), 2)
    h = F.relu(F.linear(h.flatten(1), p["linear.weight"], p["linear.bias"]))
    return F.linear(h, p["linear_1.weight"], p["linear_1.bias"])


GPT = {"vocab": 96, "context": 16, "width": 32, "heads": 4, "layers": 2}


def gpt_batch():
    rng = np.random.default_rng(7)
    tokens = rng.integers(0, GPT["vocab"], (2, GPT["context"] + 1))
    return {"tokens": tokens[:, :-1].astype(np.int32),
            "targets": tokens[:, 1:].astype(np.int32)}


def gpt_forward(p, b):
    n, t = b["tokens"].shape
    d, heads = GPT["width"], GPT["heads"]
    h = F.embedding(b["tokens"], p["wte.weight"]) + p["wpe.weight"][:t]
    for i in range(GPT["layers"]):
        s = f"layers.{i}."
        x = F.layer_norm(h, (d,), p[s + "layernorm.weight"],
                         p[s + "layernorm.bias"])
        q, k, v = F.linear(x, p[s + "attention.qkv.weight"],
                           p[s + "attention.qkv.bias"]).split(d, dim=-1)
        q, k, v = (z.reshape(n, t, heads, d // heads).transpose(1, 2)
                   for z in (q, k, v))
        w = q @ k.transpose(-1, -2) / math.sqrt(d // heads)
        mask = torch.triu(torch.full((t, t), float("-inf"), dtype=w.dtype), 1)
        a = (F.softmax(w + mask, dim=-1) @ v).transpose(1, 2).reshape(n, t, d)
        h = h + F.linear(a, p[s + "attention.proj.weight"],
                         p[s + "attention.proj.bias"])
        x = F.layer_norm(h, (d,), p[s + "layernorm_1.weight"],
                         p[s + "layernorm_1.bias"])
        x = F.gelu(F.linear(x, p[s + "mlp.linear.weight"],
                            p[s + "mlp.linear.bias"]))
        h = h + F.linear(x, p[s + "mlp.linear_1.weight"],
                         p[s + "mlp.linear_1.bias"])
    h = F.layer_norm(h, (d,), p["layernorm.weight"], p["layernorm.bias"])
    return F.linear(h, p["linear.weight"])


MODELS = {
    "mlp": ([], mlp_batch, mlp_forward, "image", "label"),
    "cnn": ([], cnn_batch, cnn_forward, "image", "label"),
    "gpt": ([f"--set={k}={v}" for k, v in GPT.items()], gpt_batch,
            gpt_forward, "tokens", "targets"),
}


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n"
                 f"{result.stdout}{result.stderr}")
    return result.stdout


def relative_error(got, ref):
    scale = max(float(np.max(np.abs(ref))), 1e-30)
    return float(np.max(np.abs(got.astype(np.float64) - ref))) / scale


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

    batch = make_batch()
    count = len(batch[label])
    prog = work(args.model)
    run([args.dlcc, os.path.join(args.examples, args.model + ".dl"),
         f"--batch={count}", "--expose=logits", "-o", prog] + options)

    # Random weights in the shapes the program declares.
    write_safetensors(work("batch.safetensors"), batch)
    run([prog, "--eval", "--data", work("batch.safetensors"),
         "--save-params", work("init.safetensors")])
    shapes, _ = read_safetensors(work("init.safetensors"))
    rng = np.random.default_rng(2024)
    weights = {}
    for name, value in shapes.items():
        if name.endswith("running_var"):
            weights[name] = rng.uniform(0.5, 1.5, value.shape)
        else:
            weights[name] = rng.normal(0, 0.2, value.shape)
        weights[name] = weights[name].astype(np.float32)
    write_safetensors(work("weights.safetensors"), weights)
    run([prog, "--eval", "--data", work("batch.safetensors"), "--init",
         work("weights.safetensors"), "--outputs", work("out.safetensors")])
    outputs, _ = read_safetensors(work("out.safetensors"))

    with torch.no_grad():
        p = {k: torch.from_numpy(v.astype(np.float64)) for k, v in weights.items()}
        b = {k: torch.from_numpy(v.astype(np.int64 if v.dtype == np.int32
                                           else np.float64))
             for k, v in batch.items()}
        logits = forward(p, b)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                               b[label].reshape(-1))

    failures = []
    for name, ref in (("loss", loss.numpy()), ("logits", logits.numpy())):
        error = relative_error(outputs[name], ref)
        print(f"{args.model} {name}: relative error {error:.3g}")
        if not error <= TOLERANCE:
            failures.append(name)
    if failures:
        sys.exit(f"{args.model}: {', '.join(failures)} differ from PyTorch by "
                 f"more than {TOLERANCE}")


if __name__ == "__main__":
    main()
