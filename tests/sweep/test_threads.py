"""Thread counts and bit-reproducibility.

Measured on the development machine (OpenBLAS 0.3.31, Haswell kernels): GEMM is *not* bit-identical
for 1 and 2 threads for every shape — 517×233 by 233×389 and the engine's gradient product Dᵀ X at the
default size (1500×2000 by 2000×1000) differed in the last bits, 2000×1000 by 1000×1500 did not — and
neither is `eigvalsh`. So a sweep fixes the thread count of every run to one BLAS (and one Numba)
thread whatever the number of workers, which makes runs reproducible: at a fixed thread count the bits
do not change from call to call or process to process (checked here), and a worker without
OPENBLAS_NUM_THREADS=1 refuses to run (recorded as failed)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from htcore.sweep import WORKER_ENV, Task, execute_task, expand
from tests.sweep.helpers import tiny_sweep

GEMM_DIGEST = """
import hashlib, numpy as np
digest = hashlib.sha256()
for n, k, m in ((60, 16, 24), (517, 233, 389), (800, 400, 600)):
    A = np.random.default_rng(n).standard_normal((n, k))
    B = np.random.default_rng(m).standard_normal((m, k))
    Z = A @ B.T
    digest.update(Z.tobytes())
    digest.update((Z.T @ A).tobytes())
    digest.update(np.linalg.eigvalsh(B.T @ B).tobytes())
print(digest.hexdigest())
"""


def _digest(threads: int) -> str:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
    return subprocess.run([sys.executable, "-c", GEMM_DIGEST], env=env, capture_output=True,
                          text=True, check=True).stdout.strip()


@pytest.mark.parametrize("threads", [1, 2])
def test_blas_bits_are_reproducible_at_a_fixed_thread_count(threads):
    assert _digest(threads) == _digest(threads)


def test_worker_refuses_to_run_without_one_blas_thread(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    config = expand(tiny_sweep())[0].config
    [outcome] = execute_task(Task((config,)))
    assert outcome.status == "failed" and "OPENBLAS_NUM_THREADS='2'" in outcome.reason
    assert set(WORKER_ENV) >= {"OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"}
    assert set(WORKER_ENV.values()) == {"1"}
