"""Gaussian (Hermite) coefficients of activations and teachers (docs/theory.md §1).

For z ~ N(0, 1) and probabilists' Hermite polynomials He_k (He_0 = 1, He_1 = z, He_2 = z² − 1,
He_3 = z³ − 3z, He_4 = z⁴ − 6z² + 3):

* ``μ_k = E[σ(z) He_k(z)]`` (not divided by k!; by Stein's lemma ``μ_k = E[σ^(k)(z)]``, so
  ``μ1 = E[zσ(z)] = E[σ'(z)]``),
* ``E σ² = E[σ(z)²]`` and ``ν² = Var σ'(z)``.

These constants do not depend on the loss convention; they enter the one-step formulas of
:mod:`theory.one_step` together with c_L. Smooth functions are integrated with Gauss–Hermite quadrature
(``numpy.polynomial.hermite_e.hermegauss``, default 200 nodes). Plain Gauss–Hermite converges only
algebraically for functions with a kink or jump (ReLU: error ≈ 1e-3 at 200 nodes), so callers can
pass ``breakpoints``: the integral is then split at them and each piece done by Gauss–Legendre
quadrature on a finite interval (exponentially convergent for piecewise-smooth integrands). The named
ReLU/linear entries use exact sympy values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from numpy.polynomial.legendre import leggauss
from scipy import special

from ._validate import TheoryArgumentError, check_choice, check_nonnegative, check_positive_int, finite_result
from .display import public_dir
from .names import ACTIVATIONS, TEACHERS

if TYPE_CHECKING:  # sympy is imported lazily (≈1 s) by exact_stats only
    import sympy as sp

__all__ = [
    "HermiteStats",
    "TeacherStats",
    "ACTIVATIONS",
    "TEACHERS",
    "gaussian_expectation",
    "hermite_stats",
    "activation_function",
    "activation_derivative",
    "teacher_function",
    "activation_stats",
    "teacher_stats",
    "exact_stats",
]

Fn = Callable[[np.ndarray], np.ndarray]


_DEFAULT_NODES = 200
_SPLIT_HALF_WIDTH = 12.0  # Gaussian mass beyond ±12 is < 4e-33
_FD_STEP = 1e-5


@dataclass(frozen=True)
class HermiteStats:
    """Gaussian statistics of a function σ, z ~ N(0,1) (docs/theory.md §1).

    ``mu0 … mu4`` = ``E[σ(z) He_k(z)]``; ``mean_sq`` = ``E[σ(z)²]``; ``nu2`` = ``Var σ'(z)``.
    """

    mu0: float
    mu1: float
    mu2: float
    mu3: float
    mu4: float
    mean_sq: float
    nu2: float

    @property
    def mu(self) -> tuple[float, float, float, float, float]:
        """``(μ0, μ1, μ2, μ3, μ4)``."""
        return (self.mu0, self.mu1, self.mu2, self.mu3, self.mu4)


@dataclass(frozen=True)
class TeacherStats:
    """Teacher statistics for ``y = σ*(βᵀx) + N(0, ρ²)`` with ‖β‖ = 1 (docs/theory.md §1).

    ``mu1_star = E[z σ*(z)]``, ``mean_sq = E[σ*(z)²]``, ``ey2 = E[y²] = E[σ*²] + ρ²``,
    ``noise_var = ρ²``, ``stats`` = the full :class:`HermiteStats` of σ*.
    """

    mu1_star: float
    mean_sq: float
    ey2: float
    noise_var: float
    stats: HermiteStats


# --------------------------------------------------------------------------- quadrature


@lru_cache(maxsize=16)
def _gh_rule(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = hermegauss(nodes)
    return x, w / math.sqrt(2.0 * math.pi)


@lru_cache(maxsize=64)
def _split_rule(nodes: int, breakpoints: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    t, wt = leggauss(nodes)
    inner = [b for b in sorted(set(breakpoints)) if -_SPLIT_HALF_WIDTH < b < _SPLIT_HALF_WIDTH]
    edges = [-_SPLIT_HALF_WIDTH, *inner, _SPLIT_HALF_WIDTH]
    xs, ws = [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        half = 0.5 * (hi - lo)
        x = lo + half * (t + 1.0)
        xs.append(x)
        ws.append(half * wt * np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi))
    return np.concatenate(xs), np.concatenate(ws)


def _rule(nodes: Any, breakpoints: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    nodes = check_positive_int("nodes", nodes)
    try:
        bps = tuple(float(b) for b in breakpoints)
    except (TypeError, ValueError):
        raise TheoryArgumentError(
            f"breakpoints={breakpoints!r}: must be a sequence of real numbers") from None
    if not all(math.isfinite(b) for b in bps):
        raise TheoryArgumentError(f"breakpoints={breakpoints!r}: must be finite real numbers")
    return _split_rule(nodes, bps) if bps else _gh_rule(nodes)


def gaussian_expectation(f: Fn, *, nodes: int = _DEFAULT_NODES, breakpoints: Sequence[float] = ()) -> float:
    """``E[f(z)]`` for z ~ N(0,1) by quadrature.

    Without ``breakpoints``: Gauss–Hermite (probabilists'), ``E f ≈ Σ_k w_k f(x_k)/√(2π)`` with
    ``(x_k, w_k) = hermegauss(nodes)``. With breakpoints (kinks or jumps of f): the line is cut at them
    (and truncated to [−12, 12]) and each piece integrated with ``nodes``-point Gauss–Legendre against the
    Gaussian density. ``f`` must accept and return NumPy arrays.
    """
    if not callable(f):
        raise TheoryArgumentError(f"f={f!r}: must be a callable mapping arrays to arrays")
    x, w = _rule(nodes, breakpoints)
    vals = np.asarray(f(x), dtype=float)
    if vals.shape != x.shape:
        raise TheoryArgumentError(f"f={f!r}: must return an array of the same shape as its input")
    return float(np.dot(w, vals))


def _central_difference(fn: Fn) -> Fn:
    def deriv(z: np.ndarray) -> np.ndarray:
        return (np.asarray(fn(z + _FD_STEP), float) - np.asarray(fn(z - _FD_STEP), float)) / (2 * _FD_STEP)

    return deriv


def hermite_stats(fn: Fn, *, derivative: Fn | None = None, nodes: int = _DEFAULT_NODES,
                  breakpoints: Sequence[float] = ()) -> HermiteStats:
    """Hermite coefficients ``μ_k = E[σ He_k]`` (k = 0…4), ``E σ²`` and ``ν² = Var σ'`` of any callable.

    Quadrature as in :func:`gaussian_expectation`. ``derivative`` is σ' (used only for ν²); when omitted
    it is approximated by a central difference with step 1e-5 (absolute error ~1e-10·|σ'''|). Source:
    docs/theory.md §1; no loss convention involved.
    """
    if not callable(fn):
        raise TheoryArgumentError(f"fn={fn!r}: must be a callable mapping arrays to arrays")
    if derivative is not None and not callable(derivative):
        raise TheoryArgumentError(f"derivative={derivative!r}: must be None or a callable")
    dfn = derivative if derivative is not None else _central_difference(fn)
    he = (lambda z: 1.0, lambda z: z, lambda z: z * z - 1.0, lambda z: z**3 - 3.0 * z,
          lambda z: z**4 - 6.0 * z * z + 3.0)
    kw = {"nodes": nodes, "breakpoints": breakpoints}
    mus = [gaussian_expectation(lambda z, p=p: np.asarray(fn(z), float) * p(z), **kw) for p in he]
    mean_sq = gaussian_expectation(lambda z: np.asarray(fn(z), float) ** 2, **kw)
    d1 = gaussian_expectation(dfn, **kw)
    d2 = gaussian_expectation(lambda z: np.asarray(dfn(z), float) ** 2, **kw)
    return HermiteStats(*mus, mean_sq=mean_sq, nu2=max(d2 - d1 * d1, 0.0))


# --------------------------------------------------------------------------- named functions

_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _gelu(z: np.ndarray) -> np.ndarray:
    return z * 0.5 * (1.0 + special.erf(z * _INV_SQRT2))


def _gelu_prime(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + special.erf(z * _INV_SQRT2)) + z * _INV_SQRT_2PI * np.exp(-0.5 * z * z)


_FUNCTIONS: dict[str, tuple[Fn, Fn, tuple[float, ...]]] = {
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2, ()),
    "erf": (special.erf, lambda z: (2.0 / math.sqrt(math.pi)) * np.exp(-z * z), ()),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (np.asarray(z) > 0).astype(float), (0.0,)),
    "gelu": (_gelu, _gelu_prime, ()),
    "softplus": (lambda z: np.logaddexp(0.0, z), special.expit, ()),
    "linear": (lambda z: np.asarray(z, dtype=float), lambda z: np.ones_like(np.asarray(z, float)), ()),
}


def activation_function(name: str) -> Fn:
    """σ for a named student activation: tanh; erf (σ(z) = erf z); relu; gelu (z·Φ(z), exact erf form)."""
    return _FUNCTIONS[check_choice("activation", name, ACTIVATIONS)][0]


def activation_derivative(name: str) -> Fn:
    """σ' for a named student activation (tanh: 1 − tanh²; erf: (2/√π)e^(−z²); relu: 1[z>0];
    gelu: Φ(z) + zφ(z))."""
    return _FUNCTIONS[check_choice("activation", name, ACTIVATIONS)][1]


def teacher_function(name: str) -> Fn:
    """σ* for a named teacher: softplus log(1 + e^z) (stable logaddexp form), tanh, relu, linear."""
    return _FUNCTIONS[check_choice("teacher", name, TEACHERS)][0]


# --------------------------------------------------------------------------- exact values

def _sympy_polynomial_stats(sp: Any, power: int, lower: Any, nu2: Any) -> dict[str, Any]:
    """Exact stats of σ(z) = z^power·1[z > lower] by sympy integration (used for relu and linear)."""
    z = sp.Symbol("z", real=True)
    he = (sp.Integer(1), z, z**2 - 1, z**3 - 3 * z, z**4 - 6 * z**2 + 3)
    gauss = sp.exp(-z**2 / 2) / sp.sqrt(2 * sp.pi)
    poly = z**power

    def integ(expr: Any) -> Any:
        return sp.simplify(sp.integrate(expr * gauss, (z, lower, sp.oo)))

    out = {f"mu{k}": integ(poly * he[k]) for k in range(5)}
    out["mean_sq"] = integ(poly**2)
    out["nu2"] = sp.sympify(nu2)
    return out


@cache
def exact_stats(name: str) -> dict[str, sp.Expr]:
    """Exact (sympy) Gaussian statistics where closed forms exist; keys among mu0…mu4, mean_sq, nu2.

    * relu and linear: every statistic, by sympy integration (relu: μ0 = μ2 = 1/√(2π), μ1 = 1/2,
      μ3 = 0, μ4 = −1/√(2π), E σ² = 1/2, ν² = Var 1[z>0] = 1/4; linear: μ1 = 1, E σ² = 1, ν² = 0).
    * softplus: μ1 = E[sigmoid(z)] = 1/2 (sigmoid(z) + sigmoid(−z) = 1).
    * erf: by Stein's lemma with E[e^(−z²)] = 1/√3: μ1 = 2/√(3π), μ3 = −4/(3√(3π)), μ0 = μ2 = μ4 = 0;
      E σ² = (2/π)·arcsin(2/3); ν² = 4/(π√5) − 4/(3π).
    * gelu (zΦ(z)): μ0 = 1/(2√π), μ1 = 1/2, μ2 = 3/(4√π), μ3 = 0, μ4 = −5/(8√π) (Stein's lemma
      with ∫φ² = 1/(2√π)).
    * tanh: none (empty dict).
    Derivations: docs/theory.md §1 (ReLU row, softplus μ1, erf and gelu by Stein's lemma); checked
    against adaptive quadrature in tests/theory.
    """
    check_choice("name", name, ACTIVATIONS + TEACHERS)
    import sympy as sp

    pi = sp.pi
    if name == "relu":  # σ' = 1[z > 0] is Bernoulli(½): ν² = ¼
        return _sympy_polynomial_stats(sp, 1, 0, sp.Rational(1, 4))
    if name == "linear":  # σ' = 1: ν² = 0
        return _sympy_polynomial_stats(sp, 1, -sp.oo, 0)
    if name == "softplus":
        return {"mu1": sp.Rational(1, 2)}
    if name == "erf":
        return {"mu0": sp.Integer(0), "mu1": 2 / sp.sqrt(3 * pi), "mu2": sp.Integer(0),
                "mu3": -4 / (3 * sp.sqrt(3 * pi)), "mu4": sp.Integer(0),
                "mean_sq": 2 / pi * sp.asin(sp.Rational(2, 3)),
                "nu2": 4 / (pi * sp.sqrt(5)) - 4 / (3 * pi)}
    if name == "gelu":
        return {"mu0": 1 / (2 * sp.sqrt(pi)), "mu1": sp.Rational(1, 2), "mu2": 3 / (4 * sp.sqrt(pi)),
                "mu3": sp.Integer(0), "mu4": -5 / (8 * sp.sqrt(pi))}
    return {}


@cache
def _named_stats(name: str) -> HermiteStats:
    fn, dfn, bps = _FUNCTIONS[name]
    numeric = hermite_stats(fn, derivative=dfn, breakpoints=bps)
    exact = {k: float(v) for k, v in exact_stats(name).items()}
    fields = {k: exact.get(k, getattr(numeric, k))
              for k in ("mu0", "mu1", "mu2", "mu3", "mu4", "mean_sq", "nu2")}
    return HermiteStats(**fields)


def activation_stats(name: str) -> HermiteStats:
    """:class:`HermiteStats` of a named student activation ("tanh", "erf", "relu", "gelu").

    Exact sympy values where :func:`exact_stats` has them, quadrature (200-node Gauss–Hermite, or
    split Gauss–Legendre at the kink for relu) otherwise. tanh: μ1 = 0.605706, E σ² = 0.394294,
    ν² = 0.097524 (docs/theory.md §1).
    """
    return _named_stats(check_choice("activation", name, ACTIVATIONS))


@finite_result
def teacher_stats(name: str, label_noise_std: float = 0.3) -> TeacherStats:
    """Teacher statistics for ``y = σ*(βᵀx) + N(0, ρ²)``, ‖β‖ = 1, x ~ N(0, I_d) (docs/theory.md §1).

    ``μ1* = E[z σ*(z)]`` and ``E[y²] = E[σ*(z)²] + ρ²`` (note E[y²] includes the teacher's mean μ0*²).
    softplus with ρ = 0.3: μ1* = 1/2, E[y²] = 0.921246 + 0.09.
    """
    stats = _named_stats(check_choice("teacher", name, TEACHERS))
    rho = check_nonnegative("label_noise_std", label_noise_std)
    return TeacherStats(mu1_star=stats.mu1, mean_sq=stats.mean_sq, ey2=stats.mean_sq + rho * rho,
                        noise_var=rho * rho, stats=stats)


__dir__ = public_dir(__name__)
