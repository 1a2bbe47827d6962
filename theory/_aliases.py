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
import warnings
from collections.abc import Callable
from typing import Any

from ._validate import TheoryArgumentError, check_positive

__all__ = ["readout_second_moment", "accepts_readout_scale", "adam_beta_pair"]

#: Default of ``readout_scale`` (a ~ N(0, I_h)), as ``htcore.Config``.
DEFAULT_READOUT_SCALE = 1.0
#: Defaults of Adam's decay rates (PyTorch's), as ``htcore.Config``.
DEFAULT_ADAM_BETAS = (0.9, 0.999)


def _deprecated(old: str, new: str, stacklevel: int) -> None:
    warnings.warn(f"{old} is deprecated; use {new}", DeprecationWarning, stacklevel=stacklevel + 1)


def readout_second_moment(readout_scale: Any, readout_A: Any, *, stacklevel: int = 2) -> float:
    """``A = readout_scale²`` (default readout_scale = 1), or the deprecated ``readout_A`` (= A) unchanged.

    Raises :class:`TheoryArgumentError` when both are given, or when ``readout_scale`` is not a finite
    number > 0 (``readout_A`` is validated where it is used, under its own name).
    """
    if readout_A is not None:
        if readout_scale is not None:
            raise TheoryArgumentError(
                f"readout_A={readout_A!r}: deprecated alias of readout_scale (A = readout_scale²); "
                f"give readout_scale only (got readout_scale={readout_scale!r} too)")
        _deprecated("readout_A", "readout_scale = √readout_A (A = readout_scale²)", stacklevel)
        return readout_A
    if readout_scale is None:
        return DEFAULT_READOUT_SCALE
    return check_positive("readout_scale", readout_scale) ** 2


def accepts_readout_scale(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Public form of ``fn``, a function with a keyword ``readout_A`` (A = ‖a‖²/h): it takes
    ``readout_scale`` (A = readout_scale²) in that place and the deprecated ``readout_A`` as a last
    keyword (see :func:`readout_second_moment`). ``fn`` itself stays reachable as ``__wrapped__`` (the
    internal callers pass A through it unchanged)."""
    sig = inspect.signature(fn)
    params = [p.replace(name="readout_scale", default=None, annotation="float | None") if p.name == "readout_A"
              else p for p in sig.parameters.values()]
    params.append(inspect.Parameter("readout_A", inspect.Parameter.KEYWORD_ONLY, default=None,
                                    annotation="float | None"))

    @functools.wraps(fn)
    def public(*args: Any, readout_scale: float | None = None, readout_A: float | None = None,
               **kwargs: Any) -> Any:
        return fn(*args, readout_A=readout_second_moment(readout_scale, readout_A, stacklevel=3), **kwargs)

    public.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    return public


def adam_beta_pair(adam_beta1: Any, adam_beta2: Any, adam_betas: Any, *, stacklevel: int = 2) -> tuple[Any, Any]:
    """``(adam_beta1, adam_beta2)`` (defaults 0.9, 0.999), or the deprecated pair ``adam_betas``.

    Raises :class:`TheoryArgumentError` when ``adam_betas`` is given together with either new keyword, or
    is not a pair. The values are validated by the caller.
    """
    if adam_betas is None:
        return (DEFAULT_ADAM_BETAS[0] if adam_beta1 is None else adam_beta1,
                DEFAULT_ADAM_BETAS[1] if adam_beta2 is None else adam_beta2)
    if adam_beta1 is not None or adam_beta2 is not None:
        raise TheoryArgumentError(
            f"adam_betas={adam_betas!r}: deprecated alias of adam_beta1, adam_beta2; give those only "
            f"(got adam_beta1={adam_beta1!r}, adam_beta2={adam_beta2!r} too)")
    try:
        beta1, beta2 = adam_betas
    except (TypeError, ValueError):
        raise TheoryArgumentError(f"adam_betas={adam_betas!r}: must be a pair (beta1, beta2)") from None
    _deprecated("adam_betas", "adam_beta1 and adam_beta2", stacklevel)
    return beta1, beta2
