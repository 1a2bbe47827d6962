"""htcore: how the first-layer spectrum of a two-layer network goes from a Marchenko–Pastur bulk to a
spike to a heavy tail, simulated with hand-written Numba kernels and checked against closed-form theory.

Public names: `Config`, `ConfigError`, `make_problem`, `Problem`, `train`, `Result`.
"""

from htcore.config import Config, ConfigError
from htcore.problem import Problem, make_problem
from htcore.train import Result, train

__all__ = ["Config", "ConfigError", "Problem", "Result", "make_problem", "train"]
__version__ = "0.1.0"
