"""Argument validation shared by every public function of :mod:`theory`.

All checks raise :class:`TheoryArgumentError` (a ``ValueError`` subclass) whose message names the
argument, repeats the value that was given and states what is allowed. Numbers are real numbers only
(bools, strings and complex numbers are rejected, never converted); arrays must be rectangular arrays of
real numbers. Two checks guard what the formulas produce rather than what they are given:
:func:`check_memory` refuses sizes whose arrays would not fit in memory before allocating them, and the
decorator :func:`finite_result` makes sure that no public function returns a NaN or an inf — an overflow
is reported naming the argument that caused it.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "TheoryArgumentError",
    "check_positive_int",
    "check_nonnegative_int",
    "check_positive",
    "check_nonnegative",
    "check_nonnegative_array",
    "check_lr",
    "check_choice",
    "check_matrix",
    "check_vector",
    "check_pair",
    "check_real",
    "check_real_array",
    "check_memory",
    "available_memory",
    "finite_result",
]

F = TypeVar("F", bound=Callable[..., Any])


class TheoryArgumentError(ValueError):
    """Invalid argument passed to a :mod:`theory` function.

    Subclass of ``ValueError``; the message always has the form
    ``"<name>=<value given>: <what is allowed>"``. ``name`` is the argument's name (None when the
    error is about several arguments together).
    """

    def __init__(self, message: str, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name


def _fail(name: str, value: Any, allowed: str) -> TheoryArgumentError:
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return TheoryArgumentError(f"{name}={text}: {allowed}", name)


def _real_array(name: str, value: Any, allowed: str) -> np.ndarray:
    """``value`` as a float64 array if it holds real numbers (ints or floats; bools, strings, complex
    numbers, objects and ragged sequences are rejected), else raise naming ``name``."""
    if isinstance(value, (str, bytes)):
        raise _fail(name, value, allowed)
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):  # ragged nested sequences
        raise _fail(name, value, f"{allowed} (got a ragged or non-numeric sequence)") from None
    if arr.dtype.kind not in "iuf":
        raise _fail(name, value if arr.ndim == 0 else f"array of dtype {arr.dtype}",
                    f"{allowed} (got dtype {arr.dtype}; real numbers only)")
    return arr.astype(float, copy=False)


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` as ``int`` if it is a positive integer (bools rejected), else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise _fail(name, value, "must be a positive integer")
    return int(value)


def check_nonnegative_int(name: str, value: Any) -> int:
    """Return ``value`` as ``int`` if it is an integer >= 0 (bools rejected), else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise _fail(name, value, "must be an integer >= 0")
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
    arr = _real_array(name, value, allowed)
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
    arr = _real_array(name, value, "must be a non-empty finite real 2-D array")
    if arr.ndim != 2 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise _fail(name, f"array of shape {arr.shape}", "must be a non-empty finite 2-D array")
    for axis, want in enumerate(shape):
        if want is not None and arr.shape[axis] != want:
            raise _fail(name, f"array of shape {arr.shape}", f"axis {axis} must have length {want}")
    return arr


def check_vector(name: str, value: Any, length: int | None = None) -> np.ndarray:
    """Return ``value`` as a finite 1-D float array, optionally with a required length."""
    arr = _real_array(name, value, "must be a non-empty finite real 1-D array")
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise _fail(name, f"array of shape {arr.shape}", "must be a non-empty finite 1-D array")
    if length is not None and arr.shape[0] != length:
        raise _fail(name, f"array of shape {arr.shape}", f"must have length {length}")
    return arr


def check_real(name: str, value: Any) -> float:
    """Return ``value`` as ``float`` if it is a finite real number (bools and strings rejected), else raise."""
    return _as_real(name, value, "must be a finite real number")


def check_real_array(name: str, value: Any, *, finite: bool = True) -> np.ndarray:
    """Return ``value`` as a float64 array of real numbers (any sign, any shape, scalars allowed; finite
    unless ``finite=False``), else raise."""
    allowed = "must be a finite real number or an array of them" if finite else "must be real numbers"
    arr = _real_array(name, value, allowed)
    if finite and not np.all(np.isfinite(arr)):
        raise _fail(name, value, allowed)
    return arr


def check_pair(name: str, value: Any, low: float, high: float) -> tuple[float, float]:
    """Return ``value`` as two floats if it is a sequence of exactly two real numbers in ``[low, high)``."""
    allowed = f"must be two real numbers in [{low:g}, {high:g})"
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise _fail(name, value, allowed)
    out = tuple(_as_real(name, x, allowed) for x in value)
    if not all(low <= x < high for x in out):
        raise _fail(name, value, allowed)
    return out[0], out[1]


# --------------------------------------------------------------------------- memory


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation: psutil's ``available`` when installed, else
    ``MemAvailable`` of /proc/meminfo (Linux), else the physical memory (``os.sysconf``); None if unknown."""
    try:
        import psutil  # optional

        return int(psutil.virtual_memory().available)
    except ImportError:
        pass
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if unit == "B" and n < 1024:
            return f"{int(n)} B"
        if n < 1024 or unit == "PiB":
            return f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} PiB"  # pragma: no cover


class _TooLarge(TheoryArgumentError):
    """Sizes whose arrays would not fit in memory (passed through :func:`finite_result` unchanged)."""


def check_memory(what: str, nbytes: float, name: str | None = None) -> None:
    """Raise before allocating when ``nbytes`` (estimated from the shapes a function allocates) exceed
    the available memory; ``what`` names the sizes responsible (e.g. ``"h=10**12"``)."""
    avail = available_memory()
    if avail is not None and nbytes > avail:
        raise _TooLarge(
            f"{what}: too large for this machine: needs about {_bytes(nbytes)} of memory, "
            f"{_bytes(avail)} available", name)


# --------------------------------------------------------------------------- finite results


def _nonfinite_field(value: Any, path: str, allow_inf: bool) -> str | None:
    """The dotted path of the first non-finite number in ``value`` (a number, array, dataclass, tuple or
    list; None, strings, bools and private fields are skipped), or None when all are finite."""
    if value is None or isinstance(value, (str, bool, np.bool_)):
        return None
    if is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            if not f.name.startswith("_"):
                found = _nonfinite_field(getattr(value, f.name), f"{path}.{f.name}" if path else f.name, allow_inf)
                if found:
                    return found
        return None
    if isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            found = _nonfinite_field(item, f"{path}[{i}]", allow_inf)
            if found:
                return found
        return None
    if isinstance(value, (numbers.Real, np.ndarray)):
        arr = np.asarray(value)
        if arr.dtype.kind == "f":
            bad = np.isnan(arr) if allow_inf else ~np.isfinite(arr)
            if bad.any():
                return path or "result"
    return None


def _culprit(arguments: dict[str, Any]) -> tuple[str, Any]:
    """The user's numeric argument farthest from 1 in orders of magnitude (the likely cause of an
    overflow), among the real numbers and real arrays passed or defaulted."""
    best, best_score = ("", None), -1.0
    for name, value in arguments.items():
        if isinstance(value, (bool, np.bool_, str)) or value is None:
            continue
        try:
            arr = np.abs(np.asarray(value, dtype=float))
        except (TypeError, ValueError):
            continue
        arr = arr[np.isfinite(arr) & (arr > 0)]
        score = float(np.max(np.abs(np.log10(arr)))) if arr.size else -1.0
        if score > best_score:
            best, best_score = (name, value), score
    return best


def _overflow_error(func: Callable, arguments: dict[str, Any], detail: str, allow_inf: bool = False,
                    seconds: float = math.inf) -> TheoryArgumentError:
    name, value = _culprit(arguments)
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    fast = seconds < _SEARCH_MAX_CALL_SECONDS
    limit = _finite_limit(func, arguments, name, value, allow_inf) if fast else None
    where = f" (finite up to {name} ≈ {limit:.3g} at these values of the other arguments)" if limit else ""
    return TheoryArgumentError(
        f"{name}={text}: makes the prediction overflow float64 ({detail}); "
        f"the formulas hold only where every quantity stays finite{where}: use a {_direction(value)} {name}",
        name)


#: The largest finite argument is searched (bisection in log10, at most :data:`_SEARCH_STEPS` calls) only
#: when the failed call took less than this many seconds, and the search gives up (no bound is stated)
#: after :data:`_SEARCH_BUDGET_SECONDS`: cheap for the closed forms, skipped for the eigenvalue law.
_SEARCH_MAX_CALL_SECONDS = 0.005
_SEARCH_BUDGET_SECONDS = 0.2
_SEARCH_STEPS = 40


def _finite_limit(func: Callable, arguments: dict[str, Any], name: str, value: Any,
                  allow_inf: bool) -> float | None:
    """The largest value of the scalar argument `name` (between 1 and `value` > 1, in log10 to 3 digits)
    for which `func` with the other `arguments` returns finite numbers; None when `value` is not
    a real scalar above 1, when even 1 fails or when the search runs out of its time budget."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not 1.0 < value < math.inf:
        return None

    def finite(x: float) -> bool:
        trial = arguments | {name: x}
        try:
            return not _nonfinite_field(func(**trial), "", allow_inf)
        except Exception:  # noqa: BLE001 — any failure at a trial value means "not finite there"
            return False

    deadline = time.perf_counter() + _SEARCH_BUDGET_SECONDS
    lo, hi = 0.0, math.log10(value)
    if not finite(1.0):
        return None
    for _ in range(_SEARCH_STEPS):
        if time.perf_counter() > deadline:
            return None
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if finite(10.0**mid) else (lo, mid)
        if hi - lo < 1e-3:
            break
    return float(10.0**lo)


def _direction(value: Any) -> str:
    """"smaller" for a value beyond 1 in magnitude (the likely overflow), "larger" for one below it."""
    try:
        arr = np.abs(np.asarray(value, dtype=float))
        return "smaller" if np.nanmax(arr) >= 1 else "larger"
    except (TypeError, ValueError):
        return "smaller"


def finite_result(func: F | None = None, *, allow_inf: bool = False) -> Any:
    """Decorator of the public :mod:`theory` functions: a non-finite number is never returned.

    The function runs with NumPy's floating-point warnings silenced (its values are unchanged); if it
    overflows (``OverflowError``; ``ZeroDivisionError`` from an underflowed divisor; a public function it
    calls rejects a quantity the user did not pass; a linear-algebra routine fails on the overflowed
    values) or returns a NaN or inf (inf is allowed with ``allow_inf=True``, where the docstring
    promises it), a
    :class:`TheoryArgumentError` names the user's argument most likely responsible — the one farthest
    from 1 in orders of magnitude — and says that it makes the prediction overflow. Only the outermost
    decorated call judges (a public function calling another one names its own caller's arguments).
    """
    if func is None:
        return functools.partial(finite_result, allow_inf=allow_inf)
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if getattr(_NESTING, "depth", 0):
            try:
                return func(*args, **kwargs)
            except TheoryArgumentError as err:
                err.nested = True  # raised by a public function the outer one called, on internal values
                raise
        _NESTING.depth = 1
        try:
            return _judged(func, signature, allow_inf, args, kwargs)
        finally:
            _NESTING.depth = 0

    return wrapper


#: Whether a :func:`finite_result` call is already running in this thread.
_NESTING = threading.local()


def _judged(func: Callable, signature: inspect.Signature, allow_inf: bool, args: tuple, kwargs: dict) -> Any:
    """``func(*args, **kwargs)`` judged by the rules of :func:`finite_result`."""
    start = time.perf_counter()
    with np.errstate(all="ignore"):
        try:
            out = func(*args, **kwargs)
        except (OverflowError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError) as err:
            detail = str(err)
        except TheoryArgumentError as err:
            internal = getattr(err, "nested", False) and err.name not in signature.parameters
            if not internal or err.name is None or isinstance(err, _TooLarge):
                raise
            detail = f"internal {err.name} is out of range"
        else:
            bad = _nonfinite_field(out, "", allow_inf)
            if not bad:
                return out
            detail = f"{bad} is not finite"
        seconds = time.perf_counter() - start
        raise _overflow_error(func, _bind(signature, args, kwargs), detail, allow_inf, seconds) from None


def _bind(signature: inspect.Signature, args: tuple, kwargs: dict) -> dict[str, Any]:
    """Every argument of the call by name, defaults included. A keyword the signature does not list (one
    an inner wrapper accepts, such as a deprecated alias) is kept as given."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:
        return {**dict(zip(signature.parameters, args)), **kwargs}
    bound.apply_defaults()
    return dict(bound.arguments)
