"""htcore: how the first-layer spectrum of a two-layer network goes from a Marchenko–Pastur bulk to a
spike to a heavy tail, simulated with hand-written Numba kernels and checked against closed-form theory.

Public names: `Config`, `ConfigError`, `make_problem`, `Problem`, `train`, `Result` and `Trainer` (step a
model yourself, docs/model.md "Stepping a model yourself"), the closed-form predictions of a config
(`predict_one_step`, `one_step_spectrum`, `predict_trajectory`, from `htcore.predict`), plus the thread
settings below. Every public
module (`htcore.spectral`, `htcore.kernels`, `htcore.sweep`, …) lists the names other packages may use in
its `__all__`; any other name, and every module whose name starts with `_`, is internal to htcore.
"""

import importlib
from typing import Any

from htcore._threads import THREAD_DEFAULTS, apply_thread_defaults

#: The subset of `THREAD_DEFAULTS` in effect after this import (the rest were the user's own, or could not
#: take effect in a library loaded before htcore — then a warning said how to get them). Applied before
#: anything else is imported, whatever the import order (htcore/_threads.py).
THREAD_DEFAULTS_SET = apply_thread_defaults()

from htcore.config import Config, ConfigError  # noqa: E402
from htcore.problem import Problem, make_problem  # noqa: E402
from htcore.train import Result, Trainer, train  # noqa: E402
from theory.display import public_dir  # noqa: E402

#: Names loaded on first access (PEP 562): name → submodule. The predictions stay out of `import htcore`
#: (and out of the import closure validation fingerprints, see validation/fingerprint.py) until used.
_LAZY = {"predict_one_step": "predict", "one_step_spectrum": "predict", "predict_trajectory": "predict"}

__all__ = ["THREAD_DEFAULTS", "THREAD_DEFAULTS_SET", "Config", "ConfigError", "Problem", "Result", "Trainer",
           "make_problem", "one_step_spectrum", "predict_one_step", "predict_trajectory", "train"]
__version__ = "0.1.0"
#: dir(htcore): `__all__` and the public submodules, not `os` and the other helpers imported here.
__dir__ = public_dir(__name__)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
