"""htcore.theory — closed-form predictions for the spectrum of W after one GD or Adam step.

Depends only on numpy, scipy and sympy; never imports :mod:`htcore`. Convention everywhere: W is h×d with
N(0,1) entries, student ``f(x) = aᵀσ(Wx/√d)/√h``, loss ``L = (c_L/2n) Σ (f − y)²`` (c_L = 2 is the
reference MSE without ½). Formulas, derivations and accuracy: ``docs/theory.md``.
"""

from ._validate import TheoryArgumentError
from . import hermite, one_step, rmt, scales, spectrum
from .hermite import activation_stats, teacher_stats
from .one_step import OneStepPrediction, bbp_lr, bbp_quadratic, plugin_one_step, predict_one_step
from .spectrum import OneStepSpectrum, one_step_spectrum, plugin_one_step_spectrum
from .trajectory import TrajectoryPrediction, predict_trajectory

__all__ = [
    "TheoryArgumentError",
    "OneStepPrediction",
    "predict_one_step",
    "plugin_one_step",
    "OneStepSpectrum",
    "one_step_spectrum",
    "plugin_one_step_spectrum",
    "bbp_lr",
    "bbp_quadratic",
    "activation_stats",
    "teacher_stats",
    "hermite",
    "one_step",
    "rmt",
    "scales",
    "spectrum",
]
