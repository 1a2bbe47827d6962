"""Random-matrix anchors: Marchenko–Pastur, Tracy–Widom, spiked rectangular matrices, Silverstein edge.

Conventions (docs/theory.md §2): a matrix is h×d with iid N(0, ``variance``) entries; eigenvalues are those
of WᵀW (or WWᵀ) **unnormalised** unless the name says ``normalized``; singular values are their square
roots. Spiked model: ``M = W0 + s·u vᵀ`` with unit u ∈ R^h, v ∈ R^d independent of W0, and
``s̃ = s/√variance``. Functions accepting a spike strength or eigenvalue are vectorised: a scalar in gives a
``float`` out, an array in gives an array of the same shape.

Sources: Marchenko & Pastur (1967); Johnstone (2001) and Tracy & Widom (1996) for the edge scale;
Benaych-Georges & Nadakuditi (2012) for the spiked rectangular model; Silverstein & Choi (1995) for
the edge of a variance profile. Statements, derivations and accuracy: ``docs/theory.md`` §2 (bare §
numbers below refer to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validate import (
    TheoryArgumentError,
    check_nonnegative_array,
    check_positive,
    check_positive_int,
    check_real_array,
    finite_result,
)
from .display import public_dir, short_repr

__all__ = [
    "TW1_MEAN",
    "TW1_STD",
    "mp_singular_edges",
    "mp_eigen_edges",
    "mp_density",
    "mp_density_normalized",
    "mp_normalized_edges",
    "mp_zero_atom",
    "tw_scale",
    "bbp_threshold",
    "spiked_sigma1",
    "spiked_overlaps",
    "SpikedOverlaps",
    "spike_strength_from_sigma1",
    "generalized_mp_edge",
]

#: Mean of the GOE (β = 1) Tracy–Widom law TW1 (Tracy & Widom 1996; Bornemann 2010, 13 digits).
TW1_MEAN: float = -1.2065335745820
#: Standard deviation of the GOE (β = 1) Tracy–Widom law TW1 (same sources).
TW1_STD: float = 1.2680340580149


def _sizes(h: Any, d: Any, variance: Any) -> tuple[int, int, float]:
    return check_positive_int("h", h), check_positive_int("d", d), check_positive("variance", variance)


def _out(x: np.ndarray, scalar: bool) -> float | np.ndarray:
    return float(x) if scalar else x


@finite_result
def mp_singular_edges(h: int, d: int, variance: float = 1.0) -> tuple[float, float]:
    """Edges of the Marchenko–Pastur singular-value bulk of an h×d N(0, v) matrix.

    Formula: ``(√v·|√h − √d|, √v·(√h + √d))`` (docs/theory.md §2). No loss convention enters.
    """
    h, d, v = _sizes(h, d, variance)
    return float(np.sqrt(v) * abs(np.sqrt(h) - np.sqrt(d))), float(np.sqrt(v) * (np.sqrt(h) + np.sqrt(d)))


@finite_result
def mp_eigen_edges(h: int, d: int, variance: float = 1.0) -> tuple[float, float]:
    """Edges of the nonzero eigenvalues of WᵀW (unnormalised) for an h×d N(0, v) matrix W.

    Formula: ``(v(√h − √d)², v(√h + √d)²)``, the squares of :func:`mp_singular_edges` (docs/theory.md §2).
    """
    lo, hi = mp_singular_edges(h, d, variance)
    return lo * lo, hi * hi


@finite_result
def mp_density(lam: Any, h: int, d: int, variance: float = 1.0) -> float | np.ndarray:
    """Marchenko–Pastur density of the nonzero eigenvalues of the smaller Gram of an h×d N(0, v) matrix.

    With ``p = min(h, d)``, ``N = max(h, d)``, ``γ = p/N ≤ 1`` and ``x = λ/(vN)``:
    ``ρ(λ) = √((x₊ − x)(x − x₋)) / (2πγx) / (vN)``, ``x± = (1 ± √γ)²``, zero outside ``[x₋, x₊]``.
    Eigenvalues are unnormalised (those of WᵀW or WWᵀ, whichever is p×p); the density integrates to 1.
    Source: Marchenko & Pastur (1967), docs/theory.md §2 rescaled by vN.
    """
    h, d, v = _sizes(h, d, variance)
    p, big = min(h, d), max(h, d)
    scale = v * big
    x = check_real_array("lam", lam) / scale
    return _out(_mp_core(x, p / big) / scale, np.ndim(lam) == 0)


def _mp_core(x: np.ndarray, gamma: float) -> np.ndarray:
    lo, hi = (1.0 - np.sqrt(gamma)) ** 2, (1.0 + np.sqrt(gamma)) ** 2
    inside = (x > lo) & (x < hi)
    safe = np.where(inside, x, 1.0)
    val = np.sqrt(np.clip((hi - safe) * (safe - lo), 0.0, None)) / (2.0 * np.pi * gamma * safe)
    return np.where(inside, val, 0.0)


def _check_gamma(gamma: Any) -> float:
    return check_positive("gamma", gamma)


@finite_result
def mp_normalized_edges(gamma: float) -> tuple[float, float]:
    """Edges ``λ± = (1 ± √γ)²`` of the MP law for eigenvalues of WᵀW/h, ``γ = d/h`` (docs/theory.md §2)."""
    g = _check_gamma(gamma)
    return float((1.0 - np.sqrt(g)) ** 2), float((1.0 + np.sqrt(g)) ** 2)


@finite_result
def mp_density_normalized(x: Any, gamma: float) -> float | np.ndarray:
    """Continuous part of the MP law for the eigenvalues of WᵀW/h, W h×d N(0,1), ``γ = d/h``.

    Formula (docs/theory.md §2): ``ρ(λ) = √((λ₊ − λ)(λ − λ₋)) / (2πγλ)``, ``λ± = (1 ± √γ)²``, zero outside.
    It integrates to ``min(1, 1/γ)``; for γ > 1 the remaining mass is the atom at 0 returned by
    :func:`mp_zero_atom` (it is *not* included here).
    """
    g = _check_gamma(gamma)
    return _out(_mp_core(check_real_array("x", x), g), np.ndim(x) == 0)


@finite_result
def mp_zero_atom(gamma: float) -> float:
    """Mass of the atom at 0 of the MP law for WᵀW/h with ``γ = d/h``: ``max(0, 1 − 1/γ)`` (§2)."""
    g = _check_gamma(gamma)
    return max(0.0, 1.0 - 1.0 / g)


@finite_result
def tw_scale(h: int, d: int, variance: float = 1.0) -> float:
    """Tracy–Widom fluctuation scale of the top singular value of an h×d N(0, v) matrix.

    ``σ1 ≈ √v(√h + √d) + tw_scale·TW1`` with ``tw_scale = ½·√v·(h^−½ + d^−½)^(1/3)``
    (Johnstone 2001 for the top eigenvalue, halved by the square root; docs/theory.md §2).
    At 1500×1000, v = 1: ≈ 0.193.
    """
    h, d, v = _sizes(h, d, variance)
    return float(0.5 * np.sqrt(v) * (h ** -0.5 + d ** -0.5) ** (1.0 / 3.0))


@finite_result
def bbp_threshold(h: int, d: int, variance: float = 1.0) -> float:
    """BBP threshold of the spiked rectangular model ``W0 + s·u vᵀ``: ``s_c = √v·(hd)^¼`` (§2).

    An outlier singular value separates from the bulk iff ``s > s_c`` (``s̃⁴ > hd``).
    """
    h, d, v = _sizes(h, d, variance)
    return float(np.sqrt(v) * (h * d) ** 0.25)


def _strength(s: Any) -> np.ndarray:
    return check_nonnegative_array("s", s)


@finite_result
def spiked_sigma1(s: Any, h: int, d: int, variance: float = 1.0) -> float | np.ndarray:
    """Top singular value of ``W0 + s·u vᵀ`` (h×d, W0 iid N(0, v), unit u, v independent of W0).

    With ``s̃ = s/√v``: ``σ1 = √v·√((s̃² + h)(s̃² + d))/s̃`` if ``s̃⁴ > hd``, else the bulk edge
    ``√v(√h + √d)`` (Benaych-Georges & Nadakuditi 2012; docs/theory.md §2). Vectorised over ``s``.
    """
    h, d, v = _sizes(h, d, variance)
    st = _strength(s) / np.sqrt(v)
    spiked = st**4 > h * d
    safe = np.where(spiked, st, 1.0)
    out = np.where(spiked, np.sqrt((safe**2 + h) * (safe**2 + d)) / safe, np.sqrt(h) + np.sqrt(d))
    return _out(np.sqrt(v) * out, np.ndim(s) == 0)


@dataclass(frozen=True)
class SpikedOverlaps:
    """Squared overlaps of the top singular vectors of a spiked matrix with the spike's vectors.

    ``left = ⟨u1, u⟩²`` (u1 ∈ R^h), ``right = ⟨v1, v⟩²`` (v1 ∈ R^d). Iterable: ``l, r = overlaps``.
    """

    left: float | np.ndarray
    right: float | np.ndarray

    def __iter__(self):
        return iter((self.left, self.right))

    def __repr__(self) -> str:
        return short_repr(self, ("left", "right"))


@finite_result
def spiked_overlaps(s: Any, h: int, d: int, variance: float = 1.0) -> SpikedOverlaps:
    """Squared overlaps of the top singular vectors of ``W0 + s·u vᵀ`` with u and v.

    With ``s̃ = s/√v``: ``⟨u1,u⟩² = (s̃⁴ − hd)₊/(s̃²(s̃² + h))``, ``⟨v1,v⟩² = (s̃⁴ − hd)₊/(s̃²(s̃² + d))``
    (Benaych-Georges & Nadakuditi 2012; docs/theory.md §2). Zero below the BBP threshold. Vectorised.
    """
    h, d, v = _sizes(h, d, variance)
    st2 = _strength(s) ** 2 / v
    safe = np.where(st2 > 0, st2, 1.0)
    num = np.clip(st2**2 - h * d, 0.0, None)
    left = np.where(st2 > 0, num / (safe * (safe + h)), 0.0)
    right = np.where(st2 > 0, num / (safe * (safe + d)), 0.0)
    scalar = np.ndim(s) == 0
    return SpikedOverlaps(_out(left, scalar), _out(right, scalar))


def spike_strength_from_sigma1(sigma1: Any, h: int, d: int, variance: float = 1.0) -> float | np.ndarray:
    """Inverse of :func:`spiked_sigma1`: spike strength s from an observed outlier σ1.

    With ``σ̃ = σ1/√v`` and ``b = σ̃² − h − d``: ``s̃² = ½[b + √(b² − 4hd)]``, ``s = √v·s̃``
    (docs/theory.md §2). Defined for ``σ1 ≥ √v(√h+√d)`` (at the edge it returns the BBP threshold);
    below the edge the strength is not identifiable and ``nan`` is returned. Vectorised.
    """
    h, d, v = _sizes(h, d, variance)
    sig = check_nonnegative_array("sigma1", sigma1) / np.sqrt(v)
    b = sig**2 - h - d
    disc = b * b - 4.0 * h * d
    ok = (sig >= np.sqrt(h) + np.sqrt(d)) & (b > 0)
    s2 = 0.5 * (b + np.sqrt(np.where(ok, np.clip(disc, 0.0, None), 0.0)))
    return _out(np.where(ok, np.sqrt(v * s2), np.nan), np.ndim(sigma1) == 0)


@finite_result
def generalized_mp_edge(row_variances: Any, d: int) -> float:
    """Top bulk edge (singular value) of an h×d Gaussian matrix with row variances ``τ_i`` (i = 1…h).

    Silverstein equation for the row profile (docs/theory.md §2.4 and §3, transposed):
    solve ``1/m² = (1/d) Σ_i τ_i²/(1 + τ_i m)²`` for ``m ∈ (−1/τ_max, 0)``, then
    ``z(m) = −1/m + (1/d) Σ_i τ_i/(1 + τ_i m)`` and ``edge = √(d·z(m))``.
    For constant τ_i = v this is ``√v(√h + √d)``. Source: Silverstein & Choi (1995).
    """
    d = check_positive_int("d", d)
    tau = check_nonnegative_array("row_variances", row_variances).ravel()
    top = float(tau.max())
    if top <= 0:
        raise TheoryArgumentError(f"row_variances={tau!r}: at least one variance must be > 0")
    tau = tau[tau > 0] / top  # edge² is linear in the profile, so solve with max τ = 1
    t = _silverstein_root(tau, d)
    z = 1.0 / t + np.sum(tau / (1.0 - tau * t)) / d
    return float(np.sqrt(d * z * top))


def _silverstein_root(tau: np.ndarray, d: int) -> float:
    """Root t ∈ (0, 1) of ``1/t² = (1/d)Σ τ²/(1 − τt)²`` for τ scaled to max τ = 1 (so m = −t)."""

    def gap(t: float) -> float:
        return 1.0 / t**2 - float(np.sum(tau**2 / (1.0 - tau * t) ** 2)) / d

    # For t <= 1/2, (1 − τt)² >= 1/4, so gap > 0 strictly below t = √(d/Στ²)/2.
    lo = 0.9 * min(0.5, 0.5 * np.sqrt(d / float(np.sum(tau**2))))
    hi = 1.0 - 1e-12  # the τ = 1 term alone gives gap(hi) ≈ 1 − 1e24/d < 0
    from scipy.optimize import brentq  # imported here: the engine's start-up does not need scipy.optimize

    return float(brentq(gap, lo, hi, xtol=1e-15, rtol=1e-15, maxiter=500))


__dir__ = public_dir(__name__)
