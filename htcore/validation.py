"""Argument checks shared by the public array functions (scikit-learn style messages).

Errors name the argument, the value (or its shape/dtype) and what is allowed.
"""

from __future__ import annotations

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


class ArrayShapeError(ValueError):
    """An array argument has the wrong number of dimensions or the wrong length."""


class ArrayTypeError(TypeError):
    """An array argument is not a real float32/float64 array."""


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
