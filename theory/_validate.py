"""Argument validation shared by every public function of :mod:`theory`.

All checks raise :class:`TheoryArgumentError` (a ``ValueError`` subclass) whose message names the
argument, repeats the value that was given and states what is allowed.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "TheoryArgumentError",
    "check_positive_int",
    "check_positive",
    "check_nonnegative",
    "check_nonnegative_array",
    "check_lr",
    "check_choice",
    "check_matrix",
    "check_vector",
]


class TheoryArgumentError(ValueError):
    """Invalid argument passed to a :mod:`theory` function.

    Subclass of ``ValueError``; the message always has the form
    ``"<name>=<value given>: <what is allowed>"``.
    """


def _fail(name: str, value: Any, allowed: str) -> TheoryArgumentError:
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return TheoryArgumentError(f"{name}={text}: {allowed}")


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` as ``int`` if it is a positive integer (bools rejected), else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise _fail(name, value, "must be a positive integer")
    return int(value)


def _as_real(name: str, value: Any, allowed: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _fail(name, value, allowed)
    out = float(value)
    if not np.isfinite(out):
        raise _fail(name, value, allowed)
    return out


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` as ``bool`` if it is True or False (Python or NumPy bool), else raise."""
    if not isinstance(value, (bool, np.bool_)):
        raise _fail(name, value, "must be True or False")
    return bool(value)


def check_positive(name: str, value: Any) -> float:
    """Return ``value`` as ``float`` if it is a finite real number > 0, else raise."""
    out = _as_real(name, value, "must be a finite real number > 0")
    if out <= 0:
        raise _fail(name, value, "must be a finite real number > 0")
    return out


def check_nonnegative(name: str, value: Any) -> float:
    """Return ``value`` as ``float`` if it is a finite real number >= 0, else raise."""
    out = _as_real(name, value, "must be a finite real number >= 0")
    if out < 0:
        raise _fail(name, value, "must be a finite real number >= 0")
    return out


def check_nonnegative_array(name: str, value: Any) -> np.ndarray:
    """Return ``value`` as a float array if every entry is finite and >= 0 (scalars allowed)."""
    allowed = "must be a finite real number >= 0 or an array of them"
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise _fail(name, value, allowed) from None
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise _fail(name, value, allowed)
    return arr


def check_lr(value: Any, name: str = "lr", *, scalar: bool = False) -> Any:
    """The one learning-rate rule of :mod:`theory` (the engine's ``Config`` has the same): finite and >= 0.

    ``lr = 0`` is allowed everywhere: it means "no step", and the prediction is then that of the initial
    W0. ``scalar=False``: a number or an array of them, returned as a float array (the one-step functions
    are vectorised over ``lr``); ``scalar=True``: one real number (bools rejected), returned as ``float``.
    """
    return check_nonnegative(name, value) if scalar else check_nonnegative_array(name, value)


def check_choice(name: str, value: Any, allowed: Iterable[str]) -> str:
    """Return ``value`` if it is one of the strings in ``allowed``, else raise."""
    options = tuple(allowed)
    if not isinstance(value, str) or value not in options:
        raise _fail(name, value, f"must be one of {sorted(options)}")
    return value


def check_matrix(name: str, value: Any, shape: tuple[int | None, int | None] = (None, None)) -> np.ndarray:
    """Return ``value`` as a finite 2-D float array, optionally with a required shape."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim != 2 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise _fail(name, f"array of shape {arr.shape}", "must be a non-empty finite 2-D array")
    for axis, want in enumerate(shape):
        if want is not None and arr.shape[axis] != want:
            raise _fail(name, f"array of shape {arr.shape}", f"axis {axis} must have length {want}")
    return arr


def check_vector(name: str, value: Any, length: int | None = None) -> np.ndarray:
    """Return ``value`` as a finite 1-D float array, optionally with a required length."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise _fail(name, f"array of shape {arr.shape}", "must be a non-empty finite 1-D array")
    if length is not None and arr.shape[0] != length:
        raise _fail(name, f"array of shape {arr.shape}", f"must have length {length}")
    return arr
