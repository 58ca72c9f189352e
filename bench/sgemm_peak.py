"""The sgemm peak of this machine's OpenBLAS, for judging GFLOP/s figures.

Calls cblas_sgemm of libopenblas.so.0 (the library compiled dlcc programs
link, and the one PyTorch's BLAS calls reach) through ctypes on square
float32 matrices, C = A B, and reports the best of a few repetitions as
2 n^3 / seconds. The kernels and threads are those the environment chooses
(OPENBLAS_CORETYPE, OPENBLAS_NUM_THREADS), read before the library loads.

Usage: /usr/bin/python3 bench/sgemm_peak.py [--size N] [--repeat R]
"""

import argparse
import ctypes
import time

import numpy as np

ROW_MAJOR, NO_TRANS = 101, 111


def openblas():
    """libopenblas.so.0, with the result types of its query functions."""
    lib = ctypes.CDLL("libopenblas.so.0")
    lib.openblas_get_corename.restype = ctypes.c_char_p
    lib.openblas_get_config.restype = ctypes.c_char_p
    return lib


def describe(lib):
    """The kernels and threads OpenBLAS chose, as one line."""
    return (f"{lib.openblas_get_config().decode()}; core "
            f"{lib.openblas_get_corename().decode()}, "
            f"{lib.openblas_get_num_threads()} threads")


def sgemm_gflops(lib, size, repeat):
    """The best GFLOP/s of `repeat` square sgemms of order `size`."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((size, size), dtype=np.float32)
            for _ in range(2))
    c = np.zeros((size, size), dtype=np.float32)
    pointer = lambda m: m.ctypes.data_as(ctypes.c_void_p)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        lib.cblas_sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, size, size, size,
                        ctypes.c_float(1.0), pointer(a), size, pointer(b),
                        size, ctypes.c_float(0.0), pointer(c), size)
        best = min(best, time.perf_counter() - start)
    return 2.0 * size**3 / best / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    lib = openblas()
    print(describe(lib))
    print(f"sgemm {args.size}^3: "
          f"{sgemm_gflops(lib, args.size, args.repeat):.0f} GFLOP/s")


if __name__ == "__main__":
    main()
