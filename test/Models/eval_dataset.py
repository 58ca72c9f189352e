"""Evaluation over a whole dataset against PyTorch.

Compiles examples/mlp.dl, runs `--eval` with no --data (so the program reads
the Fashion-MNIST test set its train section names, through the runtime's
IDX reader), and checks the printed mean loss (to 1e-5 relative) and
accuracy (to one example) against PyTorch evaluating the same initial
weights on the same full batches.

Usage: eval_dataset.py --dlcc DLCC --examples DIR --work DIR
"""

import argparse
import gzip
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

from forward_parity import FASHION, mlp_forward
from safetensors_io import read_safetensors


def load(name, offset):
    with gzip.open(os.path.join(FASHION, name)) as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dlcc", required=True)
    parser.add_argument("--examples", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    prog = os.path.join(args.work, "mlp")
    params = os.path.join(args.work, "params.safetensors")
    subprocess.run([args.dlcc, os.path.join(args.examples, "mlp.dl"), "-o",
                    prog], check=True)
    out = subprocess.run([prog, "--eval", "--seed", "5", "--save-params",
                          params], check=True, capture_output=True,
                         text=True).stdout
    print(out, end="")
    printed = dict(line.split(": ", 1) for line in out.splitlines())

    images = load("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784)
    labels = load("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64)
    batch = 128
    count = len(labels) // batch * batch
    weights, _ = read_safetensors(params)
    with torch.no_grad():
        p = {k: torch.from_numpy(v.astype(np.float64))
             for k, v in weights.items()}
        # examples/mlp.dl standardizes its pixels: (p / 255 - 0.286) / 0.353.
        x = torch.from_numpy(
            (images[:count].astype(np.float64) / 255.0 - 0.286) / 0.353)
        y = torch.from_numpy(labels[:count])
        logits = mlp_forward(p, {"image": x})
        loss = F.cross_entropy(logits, y).item()
        correct = (logits.argmax(-1) == y).sum().item()

    failures = []
    if abs(float(printed["loss"]) - loss) > 1e-5 * abs(loss):
        failures.append(f"loss {printed['loss']} != {loss}")
    if abs(float(printed["accuracy"]) * count - correct) > 1:
        failures.append(f"accuracy {printed['accuracy']} != {correct / count}")
    if not printed["examples"].startswith(f"{count} "):
        failures.append(f"examples: {printed['examples']}")
    if failures:
        sys.exit("mlp eval: " + "; ".join(failures))
    print(f"matches PyTorch on {count} examples")


if __name__ == "__main__":
    main()
