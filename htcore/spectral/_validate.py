"""Input checks shared by the spectral diagnostics: every bad input raises `SpectralInputError`."""

from __future__ import annotations

from typing import Any

import numpy as np

#: Relative size (in units of N·eps·max|λ|) below which a value counts as eigen-solver round-off.
ROUNDOFF_FACTOR = 10.0


class SpectralInputError(ValueError):
    """Bad input to a spectral diagnostic; the message names the problem and the offending value."""


def roundoff_tolerance(n: int, scale: float) -> float:
    """Round-off level of eigenvalues of an n×n Gram with largest |eigenvalue| `scale`.

    ``tol = ROUNDOFF_FACTOR · n · eps · scale`` (the backward-error bound of a symmetric eigen-solver,
    with a safety factor of 10). Values in ``[−tol, tol]`` are numerically indistinguishable from 0.
    """
    return ROUNDOFF_FACTOR * n * np.finfo(np.float64).eps * scale


def as_matrix(W: Any, name: str = "W") -> np.ndarray:
    """`W` as a finite, non-empty 2-D float64 array (a view when already so)."""
    return _real_finite_array(W, 2, name)


def _real_finite_array(value: Any, ndim: int, name: str) -> np.ndarray:
    """`value` as a non-empty, finite, real float64 array with `ndim` dimensions."""
    x = np.asarray(value)
    kind, values = ("a 2-D matrix", "a real numeric matrix") if ndim == 2 else ("1-D", "real numbers")
    if x.ndim != ndim:
        raise SpectralInputError(f"{name} must be {kind}, got an array of shape {x.shape}")
    if x.size == 0:
        raise SpectralInputError(f"{name} is empty (shape {x.shape})")
    if not np.issubdtype(x.dtype, np.number) or np.iscomplexobj(x):
        raise SpectralInputError(f"{name} must be {values}, got dtype {x.dtype}")
    x = x.astype(np.float64, copy=False)
    _check_finite(x, name)
    return x


def _check_finite(x: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(x)
    if bad.any():
        first = x[bad].flat[0]
        raise SpectralInputError(f"{name} contains {int(bad.sum())} non-finite value(s), e.g. {first}")


def positive_sorted(evals: Any, name: str = "evals") -> tuple[np.ndarray, int]:
    """Ascending positive eigenvalues and the number of zeros dropped.

    Rules: the input must be a non-empty finite 1-D real array. Values in ``[−tol, 0]``
    (``tol`` = :func:`roundoff_tolerance` of N and max|λ|) are round-off and count as zeros; a value
    below ``−tol`` raises. Zeros are dropped and counted. All-zero input raises.
    """
    x = _real_finite_array(evals, 1, name)
    tol = roundoff_tolerance(x.size, float(np.max(np.abs(x))))
    if x.min() < -tol:
        raise SpectralInputError(
            f"{name} has a negative value {x.min():.6g} beyond round-off (tolerance {tol:.3g})")
    positive = np.sort(x[x > 0.0])
    if positive.size == 0:
        raise SpectralInputError(f"{name}: all {x.size} values are zero")
    return positive, int(x.size - positive.size)


def check_not_constant(x: np.ndarray, name: str = "evals") -> None:
    """Raise when the sorted array `x` has fewer than two distinct values (no tail to fit)."""
    if x[0] == x[-1]:
        raise SpectralInputError(f"{name}: all {x.size} nonzero values are equal ({x[0]:.6g})")
