"""htcore.theory — closed-form predictions for the spectrum of W after one GD or Adam step.

Depends only on numpy, scipy and sympy; never imports :mod:`htcore`. Convention everywhere: W is h×d with
N(0,1) entries, student ``f(x) = aᵀσ(Wx/√d)/√h``, loss ``L = (c_L/2n) Σ (f − y)²`` (c_L = 2 is the
reference MSE without ½). Formulas, derivations and accuracy: ``docs/theory.md``.

Submodules and the names below are imported on first use (PEP 562), so that ``import theory.hermite``
(what the engine needs for its argument names) does not pay for scipy.optimize and the solvers.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._validate import TheoryArgumentError

#: Public name → submodule that defines it.
_EXPORTS = {
    "OneStepPrediction": "one_step",
    "predict_one_step": "one_step",
    "plugin_one_step": "one_step",
    "bbp_lr": "one_step",
    "bbp_quadratic": "one_step",
    "OneStepSpectrum": "spectrum",
    "one_step_spectrum": "spectrum",
    "plugin_one_step_spectrum": "spectrum",
    "ProfileSpectrum": "profile",
    "profile_spectrum": "profile",
    "TrajectoryPrediction": "trajectory",
    "predict_trajectory": "trajectory",
    "activation_stats": "hermite",
    "teacher_stats": "hermite",
}
_SUBMODULES = ("display", "hermite", "hill", "htsr", "names", "one_step", "profile", "rmt", "scales", "setup",
               "spectrum", "trajectory")

__all__ = ["TheoryArgumentError", *_EXPORTS, *_SUBMODULES]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'theory' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names (``__all__``, submodules included), not the helpers this module imports."""
    return sorted(__all__)
