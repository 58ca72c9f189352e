#!/usr/bin/env python3
"""Writes one random batch of gpt's inputs (tokens, targets) as safetensors.

For tools/gpu-check, whose --gradients runs need a fixed batch that both
builds read. The shapes and vocabulary are the example's defaults unless
given.

Usage: write-batch.py OUT.safetensors [BATCH CONTEXT VOCAB]
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "lib"))
from safetensors_io import write_safetensors  # noqa: E402


def main():
    batch, context, vocab = (int(x) for x in (sys.argv[2:5] or (16, 128, 96)))
    rng = np.random.default_rng(0)
    shape = (batch, context)
    write_safetensors(sys.argv[1], {
        "tokens": rng.integers(0, vocab, shape).astype(np.int32),
        "targets": rng.integers(0, vocab, shape).astype(np.int32),
    })


if __name__ == "__main__":
    main()
