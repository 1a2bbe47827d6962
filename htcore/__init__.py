"""htcore: how the first-layer spectrum of a two-layer network goes from a Marchenko–Pastur bulk to a
spike to a heavy tail, simulated with hand-written Numba kernels and checked against closed-form theory.

Public names: `Config`, `ConfigError`, `make_problem`, `Problem`, `train`, `Result` and `Trainer` (step a
model yourself, docs/model.md "Stepping a model yourself"), plus the thread settings below. Every public
module (`htcore.spectral`, `htcore.kernels`, `htcore.sweep`, …) lists the names other packages may use in
its `__all__`; any other name, and every module whose name starts with `_`, is internal to htcore.
"""

from htcore._threads import THREAD_DEFAULTS, apply_thread_defaults

#: The subset of `THREAD_DEFAULTS` in effect after this import (the rest were the user's own, or could not
#: take effect in a library loaded before htcore — then a warning said how to get them). Applied before
#: anything else is imported, whatever the import order (htcore/_threads.py).
THREAD_DEFAULTS_SET = apply_thread_defaults()

from htcore.config import Config, ConfigError  # noqa: E402
from htcore.problem import Problem, make_problem  # noqa: E402
from htcore.train import Result, Trainer, train  # noqa: E402

__all__ = ["THREAD_DEFAULTS", "THREAD_DEFAULTS_SET", "Config", "ConfigError", "Problem", "Result", "Trainer",
           "make_problem", "train"]
__version__ = "0.1.0"
