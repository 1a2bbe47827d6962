"""Power-law fits of an ESD tail: Hill estimator, KS-optimal continuous MLE (Clauset et al. 2009).

Conventions (docs/model.md §5.5–§5.6, docs/theory.md §6): eigenvalues are sorted ascending
``λ_(0) ≤ … ≤ λ_(N−1)`` after exact zeros (and round-off negatives) are dropped; for a tail starting at
``xmin = λ_(i)`` with ``k = N − i`` points the MLE is ``α = 1 + k / Σ_{j≥i} ln(λ_(j)/xmin)`` with standard
error ``σ = (α − 1)/√k``, and the KS distance is
``D = max_{0≤m<k} |1 − (λ_(i+m)/xmin)^(1−α) − m/k|``.

No upper bound is ever imposed on α. The `powerlaw` package (2.0) silently restricts α to [0, 3] by
default: every candidate xmin whose MLE falls outside is discarded, so on a random matrix (true KS
minimum α ≈ 9) it reports a fit with α ≈ 3 instead. Compare with it only with
``parameter_ranges={'alpha': [0, None]}``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from htcore.checks import SpectralInputError, check_int, check_not_constant, check_real, positive_sorted
from theory.display import public_dir
from theory.hill import hill_tail_alpha
from theory.htsr import ALPHA_UNINFORMATIVE

from ._kernels import _clauset_candidates, _fit_at, _ks_search, _suffix_sums

__all__ = ["MIN_TAIL", "PowerLawFit", "hill_alpha", "ks_alpha", "powerlaw_fit"]

#: A fit on fewer tail points than this is flagged unreliable.
MIN_TAIL = 50


@dataclass(frozen=True)
class PowerLawFit:
    """Continuous power-law fit ``p(λ) ∝ λ^−α`` for ``λ ≥ xmin`` (see the module docstring).

    Fields: ``alpha``; ``xmin``; ``sigma = (α − 1)/√n_tail``; ``D`` the KS distance on the tail;
    ``n_tail`` points ``≥ xmin``; ``n_total`` nonzero values fitted; ``n_zeros_dropped``; ``reliable``
    and ``reason`` (empty when reliable; otherwise why not: fewer than ``MIN_TAIL`` tail points or
    distinct tail values, or α above ``theory.htsr.ALPHA_UNINFORMATIVE``); ``fixed_xmin`` (xmin given, not searched);
    ``xmin_range`` the search range used (``None``: every candidate).
    """

    alpha: float
    xmin: float
    sigma: float
    D: float
    n_tail: int
    n_total: int
    n_zeros_dropped: int
    reliable: bool
    reason: str
    fixed_xmin: bool
    xmin_range: tuple[float, float] | None


def _prepared(evals: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    x, zeros = positive_sorted(evals)
    check_not_constant(x)
    logs = np.log(x)
    return x, logs, _suffix_sums(logs), zeros


def _tail_start(x: np.ndarray, xmin: float) -> int:
    if not (np.isfinite(xmin) and xmin > 0.0):
        raise SpectralInputError(f"xmin must be a positive finite number, got {xmin!r}")
    i = int(np.searchsorted(x, xmin, side="left"))
    if i >= x.size - 1 or x[i] == x[-1]:
        raise SpectralInputError(
            f"xmin = {xmin:.6g} leaves fewer than two distinct values in the tail (max {x[-1]:.6g})")
    return i


def hill_alpha(evals: Any, k: int | None = None, xmin: str | float = "median") -> float:
    """Hill (MLE) exponent of the top of the ESD: ``α = 1 + k / Σ_{j≥i} ln(λ_(j)/λ_(i))``.

    Tail choice: ``k`` given → the top k values (``i = N − k``); else ``xmin="median"`` →
    ``i = ⌊N/2⌋`` (docs/model.md §5.5, N counts nonzero values); else a number → the values ``≥ xmin``.
    Raises `SpectralInputError` on bad input or a tail with fewer than two distinct values. The formula
    is :func:`theory.hill.hill_tail_alpha` (one definition for the engine and the theory): the same
    numbers as ``theory.hill.hill_alpha`` for the same nonzero eigenvalues.
    """
    x, _ = positive_sorted(evals)
    check_not_constant(x)
    if k is not None:
        i = x.size - check_int("k", k, 2, x.size)
    elif isinstance(xmin, str):
        if xmin != "median":
            raise SpectralInputError(f"xmin must be 'median' or a number, got {xmin!r}")
        i = x.size // 2
    else:
        i = _tail_start(x, check_real("xmin", xmin, 0.0, strict=True))
    alpha = hill_tail_alpha(x, i)
    if math.isinf(alpha):
        raise SpectralInputError(f"the tail from λ = {x[i]:.6g} is constant: α is undefined")
    return alpha


def _reliability(alpha: float, n_tail: int, n_distinct: int) -> tuple[bool, str]:
    reasons = []
    if n_tail < MIN_TAIL:
        reasons.append(f"only {n_tail} tail points (< {MIN_TAIL})")
    elif n_distinct < MIN_TAIL:
        reasons.append(f"only {n_distinct} distinct tail values (< {MIN_TAIL})")
    if not alpha <= ALPHA_UNINFORMATIVE:
        reasons.append(f"alpha = {alpha:.4g} > {ALPHA_UNINFORMATIVE:g} is uninformative "
                       "(a Marchenko-Pastur bulk or a spike, not a power-law tail)")
    return not reasons, "; ".join(reasons)


def _make_fit(x: np.ndarray, i: int, alpha: float, D: float, zeros: int,
              fixed: bool, xmin_range: tuple[float, float] | None) -> PowerLawFit:
    n_tail = x.size - i
    reliable, reason = _reliability(alpha, n_tail, int(np.count_nonzero(np.diff(x[i:]))) + 1)
    return PowerLawFit(alpha=float(alpha), xmin=float(x[i]), sigma=float((alpha - 1.0) / np.sqrt(n_tail)),
                       D=float(D), n_tail=n_tail, n_total=x.size, n_zeros_dropped=zeros,
                       reliable=reliable, reason=reason, fixed_xmin=fixed, xmin_range=xmin_range)


def _candidates(x: np.ndarray, xmin_range: tuple[float, float] | None) -> np.ndarray:
    lo, hi = (-np.inf, np.inf) if xmin_range is None else _check_range(xmin_range)
    cand = _clauset_candidates(x, lo, hi)
    if cand.size == 0 and xmin_range is None:
        n_distinct = int(np.count_nonzero(np.diff(x))) + 1
        raise SpectralInputError(f"evals: no xmin candidate: the KS scan needs at least three distinct nonzero "
                                 f"values (every distinct value except the two largest is a candidate), got "
                                 f"{n_distinct} ({x[0]:.6g} .. {x[-1]:.6g})")
    if cand.size == 0:
        raise SpectralInputError(f"no xmin candidate: xmin_range {xmin_range!r} holds fewer than two "
                                 f"distinct values of the data (range {x[0]:.6g} .. {x[-1]:.6g})")
    return cand


def _check_range(xmin_range: Any) -> tuple[float, float]:
    """``(lo, hi)`` from `xmin_range`: two real numbers with lo < hi."""
    if isinstance(xmin_range, (str, bytes)) or not hasattr(xmin_range, "__len__") or len(xmin_range) != 2:
        raise SpectralInputError(f"xmin_range must be (lo, hi) with lo < hi, got {xmin_range!r}")
    lo, hi = check_real("xmin_range[0]", xmin_range[0]), check_real("xmin_range[1]", xmin_range[1])
    if not lo < hi:
        raise SpectralInputError(f"xmin_range must be (lo, hi) with lo < hi, got {xmin_range!r}")
    return lo, hi


def powerlaw_fit(evals: Any, xmin: str | float = "ks",
                 xmin_range: tuple[float, float] | None = None) -> PowerLawFit:
    """Continuous power-law MLE with xmin minimising the KS distance (Clauset, Shalizi & Newman 2009).

    ``xmin="ks"``: candidates are the distinct values in ``[lo, hi)`` except the largest of them
    (default range: every distinct value except the two largest), i.e. exactly the `powerlaw`
    package's ``Fit`` candidates; the first candidate with the smallest D wins. A number fixes xmin
    (tail = values ``≥ xmin``). The scan is an exact branch and bound in Numba (suffix sums of logs
    for α; lower bounds of every D on coarse-to-fine grids, candidates dropped only once they
    provably lose): it returns bit for bit the xmin, α and D of the exhaustive scan. For data
    without ties the result equals ``powerlaw.Fit(evals, parameter_ranges={'alpha': [0, None]})``
    (α, xmin, D; tested to 1e-8) and ``ks_alpha(evals)`` (unless the latter's minimum sits at the
    two-point tail excluded here). With ties, D is still the maximum over every tail index
    (docs/model.md §5.6), whereas `powerlaw` only evaluates its CDF gap at distinct values, so the
    two can then pick different xmin.
    """
    x, logs, T, zeros = _prepared(evals)
    if not isinstance(xmin, str):
        i = _tail_start(x, check_real("xmin", xmin, 0.0, strict=True))
        alpha, D = _fit_at(logs, T, i, np.inf)
        return _make_fit(x, i, alpha, D, zeros, True, None)
    if xmin != "ks":
        raise SpectralInputError(f"xmin must be 'ks' or a number, got {xmin!r}")
    cand = _candidates(x, xmin_range)
    best, alpha, D = _ks_search(logs, T, cand)
    rng = None if xmin_range is None else _check_range(xmin_range)
    return _make_fit(x, int(cand[best]), alpha, D, zeros, False, rng)


def ks_alpha(evals: Any) -> float:
    """α at the KS-optimal xmin exactly as the published implementation (docs/model.md §5.6).

    Candidates are every index ``i = 0 … N−2`` of the ascending nonzero values (ties included as
    separate candidates, the two-point tail i = N−2 included); ``α_i = 1 + k/Σ_{j≥i} ln(λ_(j)/λ_(i))``,
    ``D_i`` as in the module docstring (``D_i = 1`` for a constant tail); returns α at the first
    minimum of D. This is the training probe's ``alpha_ks``.
    """
    x, logs, T, _ = _prepared(evals)
    return float(_ks_search(logs, T, np.arange(x.size - 1, dtype=np.int64))[1])


__dir__ = public_dir(__name__)
