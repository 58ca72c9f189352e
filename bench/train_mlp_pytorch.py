"""examples/mlp.dl trained by PyTorch, for comparing test accuracy.

The same model (784-256-256-10 with ReLU), data (Fashion-MNIST, pixels
standardized as (p / 255 - 0.286) / 0.353), optimizer (AdamW, lr 1e-3,
weight decay 0.01), cosine schedule over the run, batch 128 from a
shuffled epoch (the last partial batch left out) and 2 epochs. Prints the
test accuracy over all 10000 images for each seed.

Usage: /usr/bin/python3 bench/train_mlp_pytorch.py [SEEDS]
"""

import gzip
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist/"
BATCH, EPOCHS = 128, 2


def load(images, labels):
    with gzip.open(DATA + images) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(DATA + labels) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    x = (x.astype(np.float32) / 255 - 0.286) / 0.353
    return torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))


def main():
    torch.set_num_threads(2)
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    train_x, train_y = load("train-images-idx3-ubyte.gz",
                            "train-labels-idx1-ubyte.gz")
    test_x, test_y = load("t10k-images-idx3-ubyte.gz",
                          "t10k-labels-idx1-ubyte.gz")
    per_epoch = len(train_y) // BATCH
    total = per_epoch * EPOCHS
    for seed in range(seeds):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(),
                              nn.Linear(256, 256), nn.ReLU(),
                              nn.Linear(256, 10))
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3,
                                      weight_decay=0.01)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda i: 0.5 * (1 + math.cos(math.pi * i / total)))
        start = time.time()
        for _ in range(EPOCHS):
            order = torch.randperm(len(train_y))
            for b in range(per_epoch):
                rows = order[b * BATCH:(b + 1) * BATCH]
                loss = F.cross_entropy(model(train_x[rows]), train_y[rows])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
        with torch.no_grad():
            accuracy = (model(test_x).argmax(1) == test_y).float().mean()
        print(f"seed {seed}: test accuracy {accuracy.item():.4f} "
              f"({time.time() - start:.1f} s)")


if __name__ == "__main__":
    main()
