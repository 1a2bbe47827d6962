"""How objects present themselves in a notebook: short ``__repr__`` of result classes (key numbers,
shapes instead of arrays, under 1 kB) and module ``__dir__`` listing the public names only.

Used by theory's modules and result classes and by htcore's (``htcore.Result``, the spectral reports),
so that both packages present themselves alike."""

from __future__ import annotations

import numbers
import pkgutil
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["public_dir", "short_repr", "short_value"]

#: Arrays with at most this many entries are shown in full.
SHOWN_ENTRIES = 4


def short_value(value: Any) -> str:
    """A few characters for one value: numbers to 6 significant digits, short 1-D arrays in full, longer
    arrays as ``<array shape min…max>``, lists and dicts by their length."""
    if value is None or isinstance(value, (bool, np.bool_, str)):
        return repr(value if not isinstance(value, np.bool_) else bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{float(value):.6g}"
    if isinstance(value, tuple) and all(isinstance(v, numbers.Real) for v in value) and len(value) <= SHOWN_ENTRIES:
        return "(" + ", ".join(short_value(v) for v in value) + ")"
    if isinstance(value, np.ndarray):
        return _short_array(value)
    if isinstance(value, (list, tuple, dict)):
        kinds = sorted({type(v).__name__ for v in (value.values() if isinstance(value, dict) else value)})
        return f"<{type(value).__name__} of {len(value)} {'/'.join(kinds)}>"
    return f"<{type(value).__name__}>"


def _short_array(arr: np.ndarray) -> str:
    if arr.ndim == 1 and arr.size <= SHOWN_ENTRIES and arr.dtype.kind in "biuf":
        return "[" + ", ".join(short_value(v.item()) for v in arr) + "]"
    shape = "×".join(map(str, arr.shape)) or "scalar"
    if arr.size and arr.dtype.kind in "iuf":
        finite = arr[np.isfinite(arr)] if arr.dtype.kind == "f" else arr
        span = f" {short_value(finite.min().item())}…{short_value(finite.max().item())}" if finite.size else ""
        return f"<array {shape}{span}>"
    return f"<array {shape} {arr.dtype}>"


def short_repr(obj: Any, names: tuple[str, ...]) -> str:
    """``ClassName(name=value, …)`` for the attributes `names` of `obj`, each by :func:`short_value`."""
    return f"{type(obj).__name__}(" + ", ".join(f"{n}={short_value(getattr(obj, n))}" for n in names) + ")"


def public_dir(module: str) -> Callable[[], list[str]]:
    """A module-level ``__dir__`` (PEP 562) for the module named `module`: its ``__all__`` plus, for a
    package, its public submodules, so that ``dir()`` and tab completion show the public names and not
    the imported helpers (``np``, ``math``, ``Any``, …). Use as ``__dir__ = public_dir(__name__)``."""

    def listing() -> list[str]:
        mod = sys.modules[module]
        names = set(mod.__all__)
        if hasattr(mod, "__path__"):
            names |= {info.name for info in pkgutil.iter_modules(mod.__path__) if not info.name.startswith("_")}
        return sorted(names)

    return listing


__dir__ = public_dir(__name__)
