"""Keyword names shared with the engine's ``Config`` and the deprecated names they replace.

The public functions of :mod:`theory` take the readout as ``readout_scale`` (a ~ readout_scale·N(0, I_h),
so the second moment is ``A = ‖a‖²/h = readout_scale²``; for a realised readout pass the RMS
``‖a‖/√h``) and Adam's decay rates as ``adam_beta1``, ``adam_beta2``, as ``htcore.Config`` does. The
older ``readout_A`` (= A) and ``adam_betas`` (= (β1, β2)) still work, with a ``DeprecationWarning`` naming
the new keyword; giving both forms is an error.
"""

from __future__ import annotations

import functools
import inspect
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._validate import TheoryArgumentError, check_pair, check_positive

__all__ = ["readout_second_moment", "accepts_readout_scale", "adam_beta_pair", "undecorated"]

#: Default of ``readout_scale`` (a ~ N(0, I_h)), as ``htcore.Config``.
DEFAULT_READOUT_SCALE = 1.0
#: Defaults of Adam's decay rates (PyTorch's), as ``htcore.Config``.
DEFAULT_ADAM_BETAS = (0.9, 0.999)


_THEORY_DIR = str(Path(__file__).resolve().parent)


def _deprecated(old: str, new: str) -> None:
    """Warn at the user's line: the first frame outside the theory package (its wrappers vary)."""
    frame, level = sys._getframe(1), 2
    while frame is not None and str(Path(frame.f_code.co_filename).resolve().parent) == _THEORY_DIR:
        frame, level = frame.f_back, level + 1
    warnings.warn(f"{old} is deprecated; use {new}", DeprecationWarning, stacklevel=level)


def readout_second_moment(readout_scale: Any, readout_A: Any) -> float:
    """``A = readout_scale²`` (default readout_scale = 1), or the deprecated ``readout_A`` (= A) unchanged.

    Raises :class:`TheoryArgumentError` when both are given, or when ``readout_scale`` is not a finite
    number > 0 (``readout_A`` is validated where it is used, under its own name).
    """
    if readout_A is not None:
        if readout_scale is not None:
            raise TheoryArgumentError(
                f"readout_A={readout_A!r}: deprecated alias of readout_scale (A = readout_scale²); "
                f"give readout_scale only (got readout_scale={readout_scale!r} too)")
        _deprecated("readout_A", "readout_scale = √readout_A (A = readout_scale²)")
        return readout_A
    if readout_scale is None:
        return DEFAULT_READOUT_SCALE
    scale = check_positive("readout_scale", readout_scale)
    A = scale ** 2
    if not 0.0 < A < float("inf"):
        raise TheoryArgumentError(f"readout_scale={readout_scale!r}: its square A = readout_scale² "
                                  f"{'underflows to 0' if A == 0.0 else 'overflows'} in float64")
    return A


def accepts_readout_scale(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Public form of ``fn``, a function with a keyword ``readout_A`` (A = ‖a‖²/h): it takes
    ``readout_scale`` (A = readout_scale²) in that place and the deprecated ``readout_A`` as a last
    keyword (see :func:`readout_second_moment`). ``fn`` itself stays reachable through :func:`undecorated`
    (the internal callers pass A through it unchanged)."""
    sig = inspect.signature(fn)
    params = [p.replace(name="readout_scale", default=None, annotation="float | None") if p.name == "readout_A"
              else p for p in sig.parameters.values()]
    params.append(inspect.Parameter("readout_A", inspect.Parameter.KEYWORD_ONLY, default=None,
                                    annotation="float | None"))

    @functools.wraps(fn)
    def public(*args: Any, readout_scale: float | None = None, readout_A: float | None = None,
               **kwargs: Any) -> Any:
        return fn(*args, readout_A=readout_second_moment(readout_scale, readout_A), **kwargs)

    public.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    return public


def adam_beta_pair(adam_beta1: Any, adam_beta2: Any, adam_betas: Any) -> tuple[Any, Any]:
    """``(adam_beta1, adam_beta2)`` (defaults 0.9, 0.999), or the deprecated pair ``adam_betas``.

    Raises :class:`TheoryArgumentError` when ``adam_betas`` is given together with either new keyword, or
    is not a pair of reals in [0, 1); new keywords are validated by the caller.
    """
    if adam_betas is None:
        return (DEFAULT_ADAM_BETAS[0] if adam_beta1 is None else adam_beta1,
                DEFAULT_ADAM_BETAS[1] if adam_beta2 is None else adam_beta2)
    if adam_beta1 is not None or adam_beta2 is not None:
        raise TheoryArgumentError(
            f"adam_betas={adam_betas!r}: deprecated alias of adam_beta1, adam_beta2; give those only "
            f"(got adam_beta1={adam_beta1!r}, adam_beta2={adam_beta2!r} too)")
    beta1, beta2 = check_pair("adam_betas", adam_betas, 0.0, 1.0)
    _deprecated("adam_betas", "adam_beta1 and adam_beta2")
    return beta1, beta2


def undecorated(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` without its public wrappers (this module's keyword aliases, :func:`theory._validate.finite_result`):
    what the theory's own modules call, with ``readout_A`` and already validated values."""
    return inspect.unwrap(fn)
