"""The masks of training-mode dropout, bit for bit.

Compiles a model whose loss is sum(dropout(x, 0.25, key 3) + dropout(x,
0.25, key 4)), so that the gradient of x is the sum of the two masks, each
scaled by 1 / (1 - 0.25), and checks it against the masks computed here
from the formula of compiler/Conversion/DLToLinalg/DropoutLowering.cpp
(SplitMix64 of seed, step, key and element index) for the seed of the run
and step 1 (what `--gradients` draws): exactly, for two seeds. Also checks
that about a quarter of the elements are dropped (within 4.5 standard
deviations) and that the two keys draw different masks.

Usage: dropout_mask.py --dlcc DLCC WORKDIR
"""

import argparse
import os
import subprocess
import sys

import numpy as np

from safetensors_io import read_safetensors, write_safetensors

RATE, SHAPE, KEYS = 0.25, (32, 128), (3, 4)
MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15

MODULE = f"""
module attributes {{dl.batch = 1 : i64, dl.model = "dropout"}} {{
dl.parameter @x : tensor<32x128xf32> = #dl.init<constant(1.0)>
func.func @forward(%unused: tensor<1xf32> {{dl.input = "unused"}}) -> tensor<f32>
    attributes {{dl.outputs = ["loss"]}} {{
  %x = dl.param @x : tensor<32x128xf32>
  %a = dl.dropout %x {{rate = {RATE} : f64, key = {KEYS[0]} : i64}} : tensor<32x128xf32>
  %b = dl.dropout %x {{rate = {RATE} : f64, key = {KEYS[1]} : i64}} : tensor<32x128xf32>
  %s = dl.add %a, %b : tensor<32x128xf32>, tensor<32x128xf32>
  %l = dl.sum %s : tensor<32x128xf32>
  return %l : tensor<f32>
}}
}}
"""


def splitmix(z):
    z = (z + GOLDEN) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def mask(seed, step, key):
    k = splitmix(seed ^ splitmix(step ^ splitmix(key)))
    threshold = int(np.ceil(RATE * 2**24))
    size = SHAPE[0] * SHAPE[1]
    bits = [splitmix((k + n * GOLDEN) & MASK64) for n in range(size)]
    return (np.array([b >> 40 for b in bits]) >= threshold).reshape(SHAPE)


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dlcc", required=True)
    parser.add_argument("work")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    path = lambda name: os.path.join(args.work, name)
    with open(path("dropout.mlir"), "w") as f:
        f.write(MODULE)
    run([args.dlcc, path("dropout.mlir"), "--gradients", "-o", path("prog")])
    write_safetensors(path("batch.safetensors"),
                      {"unused": np.zeros(1, np.float32)})

    scale = np.float32(1 / (1 - RATE))
    failures = []
    for seed in (0, 12345):
        grads = path(f"grads{seed}.safetensors")
        run([path("prog"), "--gradients", grads, "--data",
             path("batch.safetensors"), f"--seed={seed}"])
        got = read_safetensors(grads)[0]["x.grad"]
        masks = [mask(seed, 1, key) for key in KEYS]
        want = masks[0] * scale + masks[1] * scale
        mismatched = int(np.sum(got != want.astype(np.float32)))
        dropped = 1 - np.mean(masks[0])
        sigma = np.sqrt(RATE * (1 - RATE) / masks[0].size)
        print(f"seed {seed}: {mismatched} elements differ from the formula, "
              f"{dropped:.4f} dropped, keys agree on "
              f"{np.mean(masks[0] == masks[1]):.3f}")
        if mismatched:
            failures.append(f"seed {seed}: {mismatched} elements differ")
        if abs(dropped - RATE) > 4.5 * sigma:
            failures.append(f"seed {seed}: {dropped} dropped")
        if np.array_equal(masks[0], masks[1]):
            failures.append(f"seed {seed}: both keys draw the same mask")
    if failures:
        sys.exit("; ".join(failures))


if __name__ == "__main__":
    main()
