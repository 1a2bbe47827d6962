"""Array argument checks of htcore's public functions; every error names the argument, the value (or its
shape/dtype) and what is allowed.

Two policies, one per kind of caller:

* **Engine arrays** (:func:`as_matrix`, :func:`as_vector`, :func:`check_dtypes_match`): the hot-path
  kernels take float64 or float32 ``numpy.ndarray`` only and never convert a dtype; bad input raises
  :class:`ArrayShapeError` (a ``ValueError``) or :class:`ArrayTypeError` (a ``TypeError``).
* **Spectral diagnostics** (:func:`as_finite_matrix`, :func:`positive_sorted`,
  :func:`check_not_constant`): any finite real array-like is accepted and converted to float64; every
  bad input raises :class:`SpectralInputError` (a ``ValueError``). Their scalar arguments go through
  :func:`check_int`, :func:`check_real` and :func:`check_shape` (bools and strings are not numbers),
  and :func:`check_memory` refuses sizes the machine cannot hold before allocating.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from theory._validate import available_memory
from theory.display import public_dir

__all__ = ["ArrayShapeError", "ArrayTypeError", "SpectralInputError", "roundoff_tolerance", "check_int", "check_real",
           "check_shape", "check_memory"]

FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))

#: Relative size (in units of N·eps·max|λ|) below which a value counts as eigen-solver round-off.
ROUNDOFF_FACTOR = 10.0


class ArrayShapeError(ValueError):
    """An array argument has the wrong number of dimensions or the wrong length."""


class ArrayTypeError(TypeError):
    """An array argument is not a real float32/float64 array."""


class SpectralInputError(ValueError):
    """Bad input to a spectral diagnostic; the message names the problem and the offending value."""


# ---------------------------------------------------------------------------------------------------
# Engine arrays: float64/float32 ndarrays, no conversion
# ---------------------------------------------------------------------------------------------------


def _as_float_array(name: str, value) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        raise ArrayTypeError(f"{name}: got {type(value).__name__}; expected a numpy.ndarray")
    if value.dtype not in FLOAT_DTYPES:
        raise ArrayTypeError(f"{name}: got dtype {value.dtype}; expected float64 or float32")
    return np.ascontiguousarray(value)


def as_matrix(name: str, value, cols: int | None = None, cols_name: str = "") -> np.ndarray:
    """`value` as a C-contiguous 2-D float array, optionally with `cols` columns."""
    arr = _as_float_array(name, value)
    if arr.ndim != 2 or arr.size == 0:
        raise ArrayShapeError(f"{name}: got shape {arr.shape}; expected a non-empty 2-D array")
    if cols is not None and arr.shape[1] != cols:
        raise ArrayShapeError(
            f"{name}: got shape {arr.shape}; expected {cols} columns (= {cols_name})"
        )
    return arr


def as_vector(name: str, value, length: int, length_name: str) -> np.ndarray:
    """`value` as a C-contiguous 1-D float array of the given length."""
    arr = _as_float_array(name, value)
    if arr.shape != (length,):
        raise ArrayShapeError(
            f"{name}: got shape {arr.shape}; expected ({length},) (length = {length_name})"
        )
    return arr


def check_dtypes_match(**arrays: np.ndarray) -> None:
    """All arrays share one dtype; otherwise name each argument's dtype."""
    dtypes = {arr.dtype for arr in arrays.values()}
    if len(dtypes) > 1:
        listing = ", ".join(f"{k}={v.dtype}" for k, v in arrays.items())
        raise ArrayTypeError(f"dtypes differ ({listing}); expected one dtype, float64 or float32")


# ---------------------------------------------------------------------------------------------------
# Spectral diagnostics: finite real array-likes, converted to float64
# ---------------------------------------------------------------------------------------------------


def roundoff_tolerance(n: int, scale: float) -> float:
    """Round-off level of eigenvalues of an n×n Gram with largest |eigenvalue| `scale`.

    ``tol = ROUNDOFF_FACTOR · n · eps · scale`` (the backward-error bound of a symmetric eigen-solver,
    with a safety factor of 10). Values in ``[−tol, tol]`` are numerically indistinguishable from 0.
    """
    return ROUNDOFF_FACTOR * n * np.finfo(np.float64).eps * scale


def as_finite_matrix(W: Any, name: str = "W") -> np.ndarray:
    """`W` as a finite, non-empty 2-D float64 array (a view when already so) whose Gram is representable:
    ``max|w|²·max(h, d)`` must stay below the largest float64, and a nonzero ``max|w|²`` above the
    smallest normal one (the spectra are scale-free up to a factor: rescale W otherwise)."""
    A = _real_finite_array(W, 2, name)
    top = float(np.max(np.abs(A)))
    info = np.finfo(np.float64)
    if top * top * max(A.shape) > info.max:
        raise SpectralInputError(f"{name} has entries up to {top:.3g}: its Gram overflows float64 "
                                 f"(needs max|w|² · {max(A.shape)} < {info.max:.3g}); rescale {name}")
    if 0.0 < top * top < info.tiny or (top > 0.0 and top * top == 0.0):
        raise SpectralInputError(f"{name} has entries no larger than {top:.3g}: their squares underflow "
                                 f"float64; rescale {name}")
    return A


def check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    """`value` as ``int`` if it is an integer (not a bool) in ``[low, high]`` (no upper bound when `high`
    is None); SpectralInputError naming `name` otherwise."""
    allowed = f"an integer in [{low}, {high}]" if high is not None else f"an integer >= {low}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < low or (
            high is not None and value > high):
        raise SpectralInputError(f"{name} must be {allowed}, got {value!r}")
    return int(value)


def check_real(name: str, value: Any, low: float = -np.inf, *, strict: bool = False) -> float:
    """`value` as ``float`` if it is a finite real number (not a bool or a string) ``>= low`` (``> low``
    when `strict`); SpectralInputError naming `name` otherwise."""
    bound = "" if low == -np.inf else f" {'>' if strict else '>='} {low:g}"
    ok = not isinstance(value, (bool, np.bool_)) and isinstance(value, numbers.Real) and np.isfinite(value)
    if not ok or (value <= low if strict else value < low):
        raise SpectralInputError(f"{name} must be a finite real number{bound}, got {value!r}")
    return float(value)


def check_shape(name: str, value: Any) -> tuple[int, int]:
    """`value` as ``(h, d)`` if it is a pair of positive integers (bools rejected)."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise SpectralInputError(f"{name} must be (h, d), two positive integers, got {value!r}")
    try:
        return check_int(f"{name}[0]", value[0], 1), check_int(f"{name}[1]", value[1], 1)
    except SpectralInputError:
        raise SpectralInputError(f"{name} must be (h, d), two positive integers, got {value!r}") from None


def check_memory(what: str, nbytes: float) -> None:
    """Raise SpectralInputError before allocating when `nbytes` (estimated from the shapes a function
    allocates) exceed the available memory (:func:`theory._validate.available_memory`)."""
    avail = available_memory()
    if avail is not None and nbytes > avail:
        raise SpectralInputError(f"{what}: too large for this machine: needs about {nbytes / 2**30:.3g} GiB "
                                 f"of memory, {avail / 2**30:.3g} GiB available")


def _real_finite_array(value: Any, ndim: int, name: str) -> np.ndarray:
    """`value` as a non-empty, finite, real float64 array with `ndim` dimensions (ragged sequences and
    non-numeric entries are rejected naming `name`)."""
    try:
        x = np.asarray(value)
    except (TypeError, ValueError):
        raise SpectralInputError(f"{name} must be a rectangular array of real numbers, got a ragged or "
                                 "non-numeric sequence") from None
    kind, values = ("a 2-D matrix", "a real numeric matrix") if ndim == 2 else ("1-D", "real numbers")
    if x.ndim != ndim:
        raise SpectralInputError(f"{name} must be {kind}, got an array of shape {x.shape}")
    if x.size == 0:
        raise SpectralInputError(f"{name} is empty (shape {x.shape})")
    if x.dtype.kind not in "iuf":  # bool, complex, str, object
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


__dir__ = public_dir(__name__)
