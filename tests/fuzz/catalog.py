"""The public functions of :mod:`theory` and :mod:`htcore.spectral` with one tiny valid call each and the
kind of every argument, and the bad values tried for each kind (tests/fuzz).

A kind says what an argument accepts; ``BAD[kind]`` lists values it must reject (bools and strings
are not numbers; complex, ragged, string-typed, wrongly shaped, empty and non-finite arrays are not real
arrays). Every rejection must be the package's argument error and name the argument.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from htcore import spectral
from theory import hermite, hill, htsr, one_step, rmt, scales, setup, spectrum, trajectory

RNG = np.random.default_rng(7)
H, D, N = 12, 8, 16
W0 = RNG.standard_normal((H, D))
A = RNG.standard_normal(H)
X = RNG.standard_normal((N, D))
Y = RNG.standard_normal(N)
BETA = RNG.standard_normal(D)
#: A heavy-tailed ESD with 60 distinct values (the spectral functions' test input).
EVALS = np.sort(RNG.pareto(2.0, 60) + 1.0)
W = RNG.standard_normal((40, 30))
SIZES = dict(n=N, d=D, h=H)

_RAGGED = [[1.0, 2.0], [3.0]]
_NUMBER_BAD = [True, "1.5", "10", float("nan"), float("inf"), 1 + 2j, None, [1.0, 2.0]]
_INT_BAD = [True, "3", 3.5, float("nan"), -1, 0, None, 1 + 0j]

BAD: dict[str, list[Any]] = {
    # positive real number
    "pos": [*_NUMBER_BAD, -1.0, 0.0],
    # real number >= 0
    "nonneg": [*_NUMBER_BAD, -1.0],
    # real number, any sign
    "real": _NUMBER_BAD,
    # learning rate: a number >= 0 or an array of them
    "lr": [True, "10", float("nan"), float("inf"), -1.0, 1 + 2j, None, _RAGGED, np.array(["1"]), [], [1.0, np.nan],
           np.array([True, False])],
    # positive integer
    "int": _INT_BAD,
    # integer >= 0
    "nnint": [True, "3", 3.5, float("nan"), -1, None],
    # one of a set of names
    "choice": ["no-such-name", 3, None, b"gd"],
    # True or False
    "bool": ["yes", 1, None],
    # a real number in [0, 1)
    "unit": [*_NUMBER_BAD, -0.1, 1.0],
    # a pair of real numbers in [0, 1)
    "pair": [(0.9,), (0.9, 0.999, 0.5), "ab", (0.9, "x"), (0.9, 1.5), (True, 0.9), None],
    # a finite real 2-D array
    "matrix": [_RAGGED, np.full((H, D), "a"), W0 + 1j, W0[0], np.zeros((0, D)), np.where(W0 > 1, np.nan, W0),
               np.where(W0 > 1, np.inf, W0), "W0", None, W0.astype(bool)],
    # a finite real 1-D array
    "vector": [[[1.0, 2.0], [3.0]], np.array(["a", "b"]), np.ones(3) + 1j, np.ones((2, 2)), np.zeros(0),
               np.array([1.0, np.nan, 2.0]), np.array([1.0, np.inf]), "v", None],
    # real numbers of any shape (a scalar too)
    "array": [_RAGGED, np.array(["a", "b"]), np.ones(3) + 1j, np.array([1.0, np.nan]), "x", None],
    # a shape (h, d) of two positive integers
    "shape": [(True, 60), (60,), (60, 60, 1), ("60", 60), (60.0, 60), (0, 60), (-1, 60), "60x60", None],
}


@dataclass(frozen=True)
class Case:
    """A public function, one valid call (``args``), and the kind of each argument to fuzz; ``kinds``
    names the argument (its keyword) → kind. Positional arguments are given as keywords too."""

    name: str
    func: Callable[..., Any]
    args: dict[str, Any]
    kinds: dict[str, str]
    extra_bad: dict[str, list[Any]] = field(default_factory=dict)
    #: argument → the name its errors use, where the two differ (``name`` of the Hermite functions is
    #: reported as ``activation`` or ``teacher``, the role it plays).
    shown: dict[str, str] = field(default_factory=dict)

    def call(self, **changes: Any) -> Any:
        return self.func(**{**self.args, **changes})


_ASYM = {"n": "int", "d": "int", "h": "int", "activation": "choice", "teacher": "choice",
         "label_noise_std": "nonneg", "readout_scale": "pos", "c_L": "pos", "f0": "bool"}
_PLUG = {"W0": "matrix", "a": "vector", "X": "matrix", "y": "vector", "beta": "vector", "activation": "choice",
         "c_L": "pos"}
_DRAW = dict(W0=W0, a=A, X=X, y=Y, beta=BETA)

THEORY: list[Case] = [
    Case("predict_one_step", one_step.predict_one_step, dict(optimizer="gd", lr=2.0, law=False, **SIZES),
         {"optimizer": "choice", "lr": "lr", "law": "bool", "readout_abar": "pos", **_ASYM}),
    Case("bbp_lr", one_step.bbp_lr, dict(optimizer="adam", **SIZES),
         {"optimizer": "choice", "readout_abar": "pos", **_ASYM}),
    Case("bbp_quadratic", one_step.bbp_quadratic, dict(optimizer="gd", **SIZES), {"optimizer": "choice", **_ASYM}),
    Case("plugin_one_step", one_step.plugin_one_step, dict(optimizer="gd", lr=2.0, law=False, **_DRAW),
         {"optimizer": "choice", "lr": "lr", "law": "bool", **_PLUG}),
    Case("gd_plugin", one_step.gd_plugin, dict(lr=2.0, **_DRAW), {"lr": "lr", **_PLUG}),
    Case("adam_plugin", one_step.adam_plugin, dict(lr=0.5, **_DRAW), {"lr": "lr", **_PLUG}),
    Case("one_step_spectrum", spectrum.one_step_spectrum, dict(optimizer="gd", lr=2.0, **SIZES),
         {"optimizer": "choice", "lr": "lr", **_ASYM}),
    Case("plugin_one_step_spectrum", spectrum.plugin_one_step_spectrum, dict(optimizer="gd", lr=2.0, **_DRAW),
         {"optimizer": "choice", "lr": "lr", **_PLUG}),
    Case("profile_stieltjes", spectrum.profile_stieltjes,
         dict(z_real=[1.0, 2.0], row_factors=np.ones((3, 1)), col_factors=np.ones((2, 1))),
         {"z_real": "array", "row_factors": "array", "col_factors": "array", "row_weights": "array",
          "col_weights": "array"}),
    Case("asymptotic_setup", setup.asymptotic_setup, dict(SIZES), {"readout_abar": "pos", **_ASYM}),
    Case("realise_draw", setup.realise_draw, dict(activation="tanh", **_DRAW),
         {k: v for k, v in _PLUG.items() if k != "c_L"}),
    Case("predict_trajectory", trajectory.predict_trajectory, dict(optimizer="adam", lr=0.05, steps=1, **SIZES),
         {"optimizer": "choice", "lr": "nonneg", "steps": "int", "n": "int", "d": "int", "h": "int",
          "activation": "choice", "teacher": "choice", "label_noise_std": "nonneg", "lr_gamma": "pos",
          "c_L": "pos", "seed": "nnint", "adam_beta1": "unit", "adam_beta2": "unit", "adam_betas": "pair",
          "adam_eps": "nonneg", "noise_correlation": "real",
          "coherent_he2": "bool"}),
    Case("gd_two_step", trajectory.gd_two_step, dict(lr=2.0, **SIZES),
         {"lr": "nonneg", "n": "int", "d": "int", "h": "int", "activation": "choice", "teacher": "choice",
          "label_noise_std": "nonneg", "c_L": "pos", "lr_gamma": "pos"}),
    Case("count_outliers", trajectory.count_outliers, dict(singular_values=[3.0, 1.0, 0.9]),
         {"singular_values": "array", "gap": "pos", "max_outliers": "int"}),
    Case("mp_quantiles", trajectory.mp_quantiles, dict(gamma=0.5, count=5), {"gamma": "pos", "count": "int"}),
    Case("lr_scales", scales.lr_scales, dict(optimizer="gd", **SIZES),
         {"optimizer": "choice", "parameterisation": "choice", "c_L_ba": "pos", **_ASYM}),
    Case("lr_to_ba", scales.lr_to_ba, dict(lr=2.0, optimizer="gd", d=D),
         {"lr": "lr", "optimizer": "choice", "d": "int", "c_L": "pos", "c_L_ba": "pos"}),
    Case("lr_from_ba", scales.lr_from_ba, dict(lr_ba=2.0, optimizer="adam", d=D),
         {"lr_ba": "lr", "optimizer": "choice", "d": "int", "c_L": "pos", "c_L_ba": "pos"}),
    *[Case(f.__name__, f, dict(h=H, d=D), {"h": "int", "d": "int", "variance": "pos"})
      for f in (rmt.mp_singular_edges, rmt.mp_eigen_edges, rmt.tw_scale, rmt.bbp_threshold)],
    Case("mp_density", rmt.mp_density, dict(lam=[1.0, 5.0], h=H, d=D),
         {"lam": "array", "h": "int", "d": "int", "variance": "pos"}),
    *[Case(f.__name__, f, dict(s=[1.0, 30.0], h=H, d=D), {"s": "lr", "h": "int", "d": "int", "variance": "pos"})
      for f in (rmt.spiked_sigma1, rmt.spiked_overlaps)],
    Case("spike_strength_from_sigma1", rmt.spike_strength_from_sigma1, dict(sigma1=[1.0, 30.0], h=H, d=D),
         {"sigma1": "lr", "h": "int", "d": "int", "variance": "pos"}),
    Case("mp_density_normalized", rmt.mp_density_normalized, dict(x=[0.5, 1.0], gamma=0.5),
         {"x": "array", "gamma": "pos"}),
    Case("mp_normalized_edges", rmt.mp_normalized_edges, dict(gamma=0.5), {"gamma": "pos"}),
    Case("mp_zero_atom", rmt.mp_zero_atom, dict(gamma=2.0), {"gamma": "pos"}),
    Case("generalized_mp_edge", rmt.generalized_mp_edge, dict(row_variances=np.ones(H), d=D),
         {"row_variances": "lr", "d": "int"}),
    Case("hill_alpha", hill.hill_alpha, dict(eigenvalues=EVALS), {"eigenvalues": "array"}),
    Case("hill_tail_alpha", hill.hill_tail_alpha, dict(lam_sorted=EVALS, start=30),
         {"lam_sorted": "vector", "start": "nnint"}),
    Case("alpha_class", htsr.alpha_class, dict(alpha=3.0), {"alpha": None}, {"alpha": [True, "3", 1j, [1.0, 2.0]]}),
    Case("max_spikes", htsr.max_spikes, dict(p=100), {"p": "int"}),
    Case("phase", htsr.phase, dict(zero_fraction=0.0, n_outliers=2, p=100, bulk_ks=0.01, alpha=3.0),
         {"zero_fraction": "nonneg", "n_outliers": "nnint", "p": "int", "bulk_ks": "nonneg"},
         {"alpha": [True, "3", 1j, [1.0, 2.0]]}),
    Case("teacher_stats", hermite.teacher_stats, dict(name="softplus"),
         {"name": "choice", "label_noise_std": "nonneg"}, shown={"name": "teacher"}),
    Case("activation_stats", hermite.activation_stats, dict(name="tanh"), {"name": "choice"},
         shown={"name": "activation"}),
    *[Case(f.__name__, f, dict(name="tanh"), {"name": "choice"}, shown={"name": "activation"})
      for f in (hermite.activation_function, hermite.activation_derivative)],
    Case("teacher_function", hermite.teacher_function, dict(name="relu"), {"name": "choice"},
         shown={"name": "teacher"}),
    Case("gaussian_expectation", hermite.gaussian_expectation, dict(f=np.tanh), {"nodes": "int"}),
    Case("hermite_stats", hermite.hermite_stats, dict(fn=np.tanh), {"nodes": "int"}),
]

_FIT = spectral.powerlaw_fit(EVALS)

SPECTRAL: list[Case] = [
    *[Case(f.__name__, f, dict(W=W), {"W": "matrix"}) for f in (spectral.esd, spectral.stable_rank)],
    *[Case(f.__name__, f, dict(W=W, k=2), {"W": "matrix", "k": "int"})
      for f in (spectral.top_singular, spectral.esd_and_top)],
    Case("overlaps", spectral.overlaps, dict(W=W, M=W + 0.1), {"W": "matrix", "M": "matrix"}),
    Case("hill_alpha", spectral.hill_alpha, dict(evals=EVALS, k=10), {"evals": "vector", "k": "int"}),
    Case("hill_alpha xmin", spectral.hill_alpha, dict(evals=EVALS, xmin=2.0), {"xmin": None},
         {"xmin": [True, "big", float("nan"), -1.0, 1j, None]}),
    Case("ks_alpha", spectral.ks_alpha, dict(evals=EVALS), {"evals": "vector"}),
    Case("powerlaw_fit", spectral.powerlaw_fit, dict(evals=EVALS), {"evals": "vector"},
         {"xmin": [True, "big", float("nan"), -1.0, 1j, None],
          "xmin_range": [(1.0,), (2.0, 1.0), ("a", 3.0), (True, 3.0), (float("nan"), 3.0), "ab"]}),
    Case("mp_fit", spectral.mp_fit, dict(evals=EVALS, shape=(60, 60)),
         {"evals": "vector", "shape": "shape", "variance": "pos", "margin": "nonneg"}),
    Case("classify", spectral.classify, dict(evals=EVALS, shape=(60, 60)),
         {"evals": "vector", "shape": "shape", "variance": "pos", "margin": "nonneg"}),
    Case("random_baselines", spectral.random_baselines, dict(W=W), {"W": "matrix", "seed": "nnint"}),
    Case("bootstrap_pvalue", spectral.bootstrap_pvalue, dict(evals=EVALS, fit=_FIT, n_boot=3),
         {"evals": "vector", "n_boot": "int", "seed": "nnint"}),
    Case("compare_distributions", spectral.compare_distributions, dict(evals=EVALS, fit=_FIT), {"evals": "vector"}),
]


def bad_inputs(cases: list[Case]) -> list[tuple[str, Case, str, Any]]:
    """(test id, case, argument, bad value) for every argument of every case and every bad value of its kind."""
    out = []
    for case in cases:
        params = inspect.signature(case.func).parameters
        for arg, kind in case.kinds.items():
            if kind is None:
                continue
            optional = params[arg].default is None or arg == "beta"  # None means "not given" there
            for i, value in enumerate(BAD[kind]):
                if value is None and optional:
                    continue
                out.append((f"{case.name}-{arg}-{kind}{i}", case, arg, value))
        for arg, values in case.extra_bad.items():
            for i, value in enumerate(values):
                out.append((f"{case.name}-{arg}-extra{i}", case, arg, value))
    return out


def nonfinite(value: Any) -> bool:
    """Whether `value` (a number, array, dataclass, tuple or list; private fields skipped) holds a NaN or
    an inf anywhere."""
    if isinstance(value, (bool, np.bool_, str)) or value is None:
        return False
    if hasattr(value, "__dataclass_fields__"):
        return any(nonfinite(getattr(value, k)) for k in value.__dataclass_fields__ if not k.startswith("_"))
    if isinstance(value, (tuple, list)):
        return any(nonfinite(v) for v in value)
    if isinstance(value, (float, np.floating)):
        return not math.isfinite(value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return bool(~np.isfinite(value).all())
    return False
