#!/usr/bin/env python3
"""The yardstick for HyenaIL's CPU matmul: numpy (OpenBLAS) float32 GEMM GFLOP/s on the same shapes.

Run with Debian's python and numpy, two BLAS threads:
    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/python/matmul_numpy.py
It prints the BLAS library numpy actually loaded (and OpenBLAS's build and core type), then one line per
shape with the median GFLOP/s over repeated timed runs, counting 2*M*N*K flops per product.
"""
import ctypes
import os
import statistics
import sys
import time

import numpy as np

# (M, K, N): C (M, N) = A (M, K) . B (K, N); the same shapes as bench/HyenaIL.Bench MatmulBenchmarks.
SHAPES = [(512, 512, 512), (8192, 256, 768), (1000, 300, 700)]


def blas_in_use():
    """The shared libraries of the process whose name says BLAS, and OpenBLAS's own description."""
    libs = set()
    with open(f"/proc/{os.getpid()}/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "blas" in path.lower() or "lapack" in path.lower():
                libs.add(os.path.realpath(path))
    info = []
    for path in sorted(libs):
        info.append(path)
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_corename.restype = ctypes.c_char_p
            info.append(f"  config: {lib.openblas_get_config().decode()}")
            info.append(f"  core: {lib.openblas_get_corename().decode()}, threads: {lib.openblas_get_num_threads()}")
        except (OSError, AttributeError):
            pass
    return info


def median_gflops(m, k, n, seconds=2.0):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    c = np.empty((m, n), dtype=np.float32)
    flops = 2.0 * m * n * k
    for _ in range(3):
        np.matmul(a, b, out=c)
    # Each sample times enough products to last about 20 ms, so timer resolution does not matter.
    t0 = time.perf_counter()
    np.matmul(a, b, out=c)
    reps = max(1, int(0.02 / max(time.perf_counter() - t0, 1e-6)))
    samples = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(samples) < 15:
        t0 = time.perf_counter()
        for _ in range(reps):
            np.matmul(a, b, out=c)
        samples.append(flops * reps / (time.perf_counter() - t0) / 1e9)
    return statistics.median(samples), len(samples)


def main():
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}")
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    np.matmul(np.ones((2, 2), np.float32), np.ones((2, 2), np.float32))
    for line in blas_in_use():
        print(line)
    print(f"{'shape (MxK).(KxN)':>24}  {'GFLOP/s (median)':>16}  samples")
    for m, k, n in SHAPES:
        g, count = median_gflops(m, k, n)
        print(f"{f'({m}x{k}).({k}x{n})':>24}  {g:16.1f}  {count}")


if __name__ == "__main__":
    main()
