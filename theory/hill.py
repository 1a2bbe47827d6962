"""The Hill estimator of the ESD's power-law tail, defined once (pure numpy; docs/model.md §5.5).

For the nonzero eigenvalues sorted ascending ``λ_(0) ≤ … ≤ λ_(N−1)`` and a tail starting at index i
(``k = N − i`` values, ``xmin = λ_(i)``), the continuous power-law maximum-likelihood exponent
(Hill 1975) is

    α = 1 + k / Σ_{j ≥ i} ln(λ_(j) / λ_(i)),

computed as written: the logs of the ratios, summed by numpy (no cancellation between large logs).
:func:`hill_tail_alpha` evaluates it for a given i; :func:`hill_alpha` is the convention of the
trajectory read-outs and of the training probe's ``alpha_hill``: **xmin at the median**, i = ⌊N/2⌋.
``htcore.spectral.hill_alpha`` validates its input and calls :func:`hill_tail_alpha`, so the engine's
and the theory's α_Hill are the same numbers for the same nonzero eigenvalues.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._validate import TheoryArgumentError, check_real_array
from .display import public_dir

__all__ = ["hill_tail_alpha", "hill_alpha"]

#: Eigenvalues at or below ``_ROUNDOFF_FACTOR · N · ε_machine · λ_max`` count as zeros (round-off of the
#: eigen-solver, docs/model.md §5.4; the engine's ``htcore.checks.ROUNDOFF_FACTOR`` has the same value).
_ROUNDOFF_FACTOR = 10.0


def hill_tail_alpha(lam_sorted: np.ndarray, start: int) -> float:
    """α of the tail ``lam_sorted[start:]``: ``1 + k/Σ_{j≥start} ln(λ_j/λ_start)``, k = N − start.

    ``lam_sorted``: a non-empty 1-D array of positive values in ascending order (its type, shape and
    finiteness are checked; positivity and order are not: this is the inner formula, called with
    validated data). Returns ``inf`` when the tail is constant (every ratio
    is 1). Raises :class:`TheoryArgumentError` when ``start`` is not an index of ``lam_sorted``.
    """
    lam_sorted = check_real_array("lam_sorted", lam_sorted)
    if lam_sorted.ndim != 1 or lam_sorted.size == 0:
        raise TheoryArgumentError(f"lam_sorted=<array of shape {lam_sorted.shape}>: must be a non-empty 1-D array",
                                  "lam_sorted")
    size = lam_sorted.shape[0]
    if isinstance(start, bool) or not isinstance(start, (int, np.integer)) or not 0 <= start < size:
        raise TheoryArgumentError(f"start={start!r}: must be an index of the {size} sorted eigenvalues")
    logs = np.log(lam_sorted[start:] / lam_sorted[start])
    return math.inf if logs.sum() == 0 else 1.0 + (size - start) / float(logs.sum())


def hill_alpha(eigenvalues: Any) -> float:
    """α_Hill with xmin at the median: :func:`hill_tail_alpha` at i = ⌊N/2⌋ of the nonzero eigenvalues.

    Nonzero means above ``10 · N · ε_machine · λ_max`` (N = number of values given), as
    docs/model.md §5.5 defines it; ``inf`` for a constant upper half.
    """
    lam = np.sort(check_real_array("eigenvalues", eigenvalues).ravel())
    if lam.size == 0 or lam[-1] <= 0:
        raise TheoryArgumentError(f"eigenvalues=<{lam.size} values, max {lam.max() if lam.size else None}>: "
                                  "must contain at least one positive eigenvalue")
    lam = lam[lam > _ROUNDOFF_FACTOR * lam.size * np.finfo(float).eps * lam[-1]]
    return hill_tail_alpha(lam, lam.size // 2)


__dir__ = public_dir(__name__)
