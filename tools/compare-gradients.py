#!/usr/bin/env python3
"""Compares two gradient files written by a program's --gradients.

Prints, for the worst tensor, max |a - b| / max |a| (a: the reference, the
CPU build's file), and exits 1 when it exceeds the tolerance. Used by
tools/gpu-check to compare the CUDA build's gradients with the CPU's.

Usage: compare-gradients.py REFERENCE.safetensors OTHER.safetensors [TOL]
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "lib"))
from safetensors_io import read_safetensors  # noqa: E402


def main():
    reference, other = (read_safetensors(p)[0] for p in sys.argv[1:3])
    tolerance = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-4
    worst, name = 0.0, None
    for key, want in reference.items():
        want = np.asarray(want, np.float64)
        got = np.asarray(other[key], np.float64)
        scale = max(float(np.max(np.abs(want))), 1e-30)
        error = float(np.max(np.abs(got - want))) / scale
        if not error <= worst:  # NaN counts as worst
            worst, name = error, key
    print(f"  gradients of {len(reference)} tensors: largest relative "
          f"difference {worst:.2e} ({name})")
    sys.exit(0 if worst <= tolerance else 1)


if __name__ == "__main__":
    main()
