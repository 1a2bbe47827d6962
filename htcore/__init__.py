"""htcore: how the first-layer spectrum of a two-layer network goes from a Marchenko–Pastur bulk to a
spike to a heavy tail, simulated with hand-written Numba kernels and checked against closed-form theory.

Public names: `Config`, `ConfigError`, `make_problem`, `Problem`, `train`, `Result`.
"""

import os

# OpenBLAS's worker threads busy-wait for 2^28 cycles (≈ 0.1 s) after every BLAS call by default, so
# after each GEMM they compete for the cores with the Numba-parallel kernel that follows it (measured
# at the default size: a training step is 1.19–1.29 × its two GEMMs with the default, 1.09–1.15 × with
# 2^4 cycles). OpenBLAS reads this when NumPy is first imported: it takes effect when htcore is imported
# before NumPy (always for the `htcore` command and its worker processes); a value the user set is kept.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

from htcore.config import Config, ConfigError  # noqa: E402
from htcore.problem import Problem, make_problem  # noqa: E402
from htcore.train import Result, train  # noqa: E402

__all__ = ["Config", "ConfigError", "Problem", "Result", "make_problem", "train"]
__version__ = "0.1.0"
