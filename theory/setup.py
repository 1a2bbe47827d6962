"""Validated inputs shared by the one-step closed forms (:mod:`theory.one_step`) and the one-step
eigenvalue law (:mod:`theory.spectrum`): the asymptotic setup and one realised draw.

Model and convention as in :mod:`theory.one_step` (docs/theory.md §1, §3): W0 h×d iid N(0,1), frozen
readout a, ``f(x) = aᵀσ(Wx/√d)/√h``, x ~ N(0, I_d), ``y = σ*(βᵀx) + N(0, ρ²)``, loss
``(c_L/2n)Σ(f − y)²``. Readout statistics ``A = ‖a‖²/h`` and ``ā = ‖a‖₁/h``.

* :func:`asymptotic_setup` → :class:`AsymptoticSetup`: sizes, Hermite and teacher constants, A, ā, c_L,
  f0 (the input of every asymptotic formula);
* :func:`realise_draw` → :class:`RealisedDraw`: a validated (W0, a, X, y, β) with the residual
  ``r = y − f0(X)`` and ``g = Xᵀr/n`` (the input of every plug-in formula).

Both modules import this one and nothing of each other's setup (tests/theory/test_import_graph.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from ._aliases import accepts_readout_scale
from ._validate import (
    TheoryArgumentError,
    check_bool,
    check_matrix,
    check_memory,
    check_positive,
    check_positive_int,
    check_vector,
)
from .display import public_dir, short_repr
from .hermite import HermiteStats, activation_function, activation_stats, teacher_stats

__all__ = ["SQRT_2_OVER_PI", "AsymptoticSetup", "asymptotic_setup", "RealisedDraw", "realise_draw"]

#: ``√(2/π) = E|z|`` for z ~ N(0, 1) (the default ā = √(2/π)·√A, and the Gaussian density factor of
#: the sign step's arcsine/erf formulas).
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


@dataclass(frozen=True)
class AsymptoticSetup:
    """Validated inputs of the asymptotic formulas (see :func:`asymptotic_setup`)."""

    n: int
    d: int
    h: int
    act: HermiteStats
    mu1_star: float
    ey2: float
    readout_A: float
    readout_abar: float
    c_L: float
    f0: bool

    @property
    def er2(self) -> float:
        """``E[r²] = E[y²] + A·Eσ²`` (with f0), ``E[y²]`` in the no-f0 limit (docs/theory.md §3)."""
        return self.ey2 + (self.readout_A * self.act.mean_sq if self.f0 else 0.0)

    @property
    def grad_sq(self) -> float:
        """``G² = μ1*² + μ1²A + (d/n)(E[y²] + A·Eσ²)``; no-f0: ``μ1*² + (d/n)E[y²]`` (§3)."""
        f0_term = self.act.mu1**2 * self.readout_A if self.f0 else 0.0
        return self.mu1_star**2 + f0_term + (self.d / self.n) * self.er2

    def gaussian_a2(self) -> np.ndarray:
        """Squared readout of the asymptotic forms: ``a_i = √A·Φ⁻¹((i − ½)/h)``, the quantiles of N(0, A).

        Refuses up front (naming h) when the ≈ 8 float64 arrays of length h that the GD forms build from it
        (quantiles, their squares, the variance-profile atoms) would not fit in memory.
        """
        check_memory(f"h={self.h}", 64.0 * self.h, "h")
        return self.readout_A * special.ndtri((np.arange(self.h) + 0.5) / self.h) ** 2


@accepts_readout_scale
def asymptotic_setup(*, n: int, d: int, h: int, activation: str = "tanh", teacher: str = "softplus",
                     label_noise_std: float = 0.3, readout_A: float = 1.0, readout_abar: float | None = None,
                     c_L: float = 2.0, f0: bool = True) -> AsymptoticSetup:
    """Validate the asymptotic inputs and collect the Hermite and teacher constants (docs/theory.md §1).

    ``readout_scale`` (default 1): a ~ readout_scale·N(0, I_h), so ``A = ‖a‖²/h = readout_scale²`` (for a
    realised readout pass its RMS ``‖a‖/√h``; ``readout_A`` = A is the deprecated form).
    ``readout_abar=None`` means ``√(2/π)·readout_scale`` (E|a_i| for a_i ~ N(0, A)); an explicit value must
    satisfy ``0 < ā ≤ √A`` (Cauchy–Schwarz for ā = ‖a‖₁/h, A = ‖a‖²/h).
    """
    A = check_positive("readout_A", readout_A)
    abar = SQRT_2_OVER_PI * math.sqrt(A) if readout_abar is None else check_positive("readout_abar",
                                                                                     readout_abar)
    if abar > math.sqrt(A) * (1.0 + 1e-12):
        raise TheoryArgumentError(
            f"readout_abar={readout_abar!r}: must satisfy 0 < readout_abar <= readout_scale = {math.sqrt(A)}")
    f0 = check_bool("f0", f0)
    teach = teacher_stats(teacher, label_noise_std)
    return AsymptoticSetup(n=check_positive_int("n", n), d=check_positive_int("d", d),
                           h=check_positive_int("h", h), act=activation_stats(activation),
                           mu1_star=teach.mu1_star, ey2=teach.ey2, readout_A=A, readout_abar=abar,
                           c_L=check_positive("c_L", c_L), f0=f0)


@dataclass(frozen=True)
class RealisedDraw:
    """Quantities computed once from (W0, a, X, y): residual, g = Xᵀr/n and projections."""

    W0: np.ndarray
    a: np.ndarray
    r: np.ndarray
    g: np.ndarray
    beta: np.ndarray | None
    act: HermiteStats
    X: np.ndarray

    def __repr__(self) -> str:
        return short_repr(self, ("W0", "a", "X", "r", "g", "beta"))


def realise_draw(W0: Any, a: Any, X: Any, y: Any, beta: Any, activation: str) -> RealisedDraw:
    """Validate one realised draw (W0, a, X, y, β) and compute ``r = y − f0(X)`` and ``g = Xᵀr/n``.

    β (when given) is normalised to a unit vector; a and β must not be all zeros.
    """
    W0 = check_matrix("W0", W0)
    h, d = W0.shape
    a = check_vector("a", a, h)
    if not np.any(a):
        raise TheoryArgumentError("a=<all zeros>: the readout must have at least one nonzero entry")
    X = check_matrix("X", X, (None, d))
    y = check_vector("y", y, X.shape[0])
    b = None
    if beta is not None:
        b = check_vector("beta", beta, d)
        if not np.any(b):
            raise TheoryArgumentError("beta=<all zeros>: the teacher direction must be nonzero")
        b = b / np.linalg.norm(b)
    act = activation_stats(activation)
    f0 = activation_function(activation)(X @ W0.T / math.sqrt(d)) @ a / math.sqrt(h)
    r = y - f0
    return RealisedDraw(W0=W0, a=a, r=r, g=X.T @ r / X.shape[0], beta=b, act=act, X=X)


__dir__ = public_dir(__name__)
