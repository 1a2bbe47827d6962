"""Learning-rate scales at which one update is as large as W0 (docs/theory.md §5).

Convention: W0 h×d with N(0,1) entries, ``f = aᵀσ(Wx/√d)/√h``, loss ``(c_L/2n)Σ(f − y)²`` (c_L = 2 is the
reference MSE). ``‖W0‖_op ≈ √h + √d`` and ``‖W0‖_F ≈ √(hd)``.

* GD update: ``ΔW ≈ θ·(a/‖a‖)gᵀ + remainder`` with ``θ = c_L η μ1 √(A/d)``, ``‖g‖² ≈ G²`` and a remainder of
  squared Frobenius norm ``c_L²η²A·E[r²]ν²/n`` (docs/theory.md §3). Operator scale Θ(d), Frobenius Θ(d^{3/2}).
* Adam (sign) update: ``ΔW = η·sign(·)`` = ``η(√h ŝ mᵀ + N)`` with ``‖m‖² = dq``, N of entry variance 1 − q
  (docs/theory.md §4); its Frobenius norm is exactly ``η√(hd)``. Operator scale Θ(d^{−½}), Frobenius Θ(1).

Ba et al. (2022) parameterisation: ``W_Ba = W/√d`` (entries N(0, 1/d)). For GD, ``η·c_L = d·η_Ba·c_L,Ba``
(docs/theory.md §5: a gradient step on W_Ba is a step of d·η_Ba on W). For a sign step the loss scale cancels
and ``η = √d·η_Ba`` (derived here by the same change of variables; Ba et al. study GD only).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._aliases import accepts_readout_scale, undecorated
from ._validate import check_choice, check_lr, check_positive, check_positive_int, finite_result
from .display import public_dir
from .names import OPTIMIZERS
from .one_step import _adam_constants
from .rmt import spiked_sigma1
from .setup import AsymptoticSetup, asymptotic_setup

__all__ = ["LearningRateScales", "PARAMETERISATIONS", "lr_scales", "lr_to_ba", "lr_from_ba"]

#: ``"here"``: this package's parameterisation; ``"ba"``: Ba et al. 2022 (W entries N(0, 1/d)).
PARAMETERISATIONS: tuple[str, ...] = ("here", "ba")


@dataclass(frozen=True)
class LearningRateScales:
    """Learning rates at which one update matches W0 in operator norm and in Frobenius norm.

    ``operator``: ‖ΔW‖_op = √h + √d; ``frobenius``: ‖ΔW‖_F = √(hd); both in ``parameterisation`` units.
    """

    optimizer: str
    parameterisation: str
    operator: float
    frobenius: float


def _convert_factor(optimizer: str, d: int, c_L: float, c_L_ba: float) -> float:
    """η_Ba / η: GD ``c_L/(d·c_L,Ba)``; Adam ``1/√d``."""
    return c_L / (d * c_L_ba) if optimizer == "gd" else 1.0 / math.sqrt(d)


@finite_result
def lr_to_ba(lr: Any, optimizer: str, *, d: int, c_L: float = 2.0, c_L_ba: float = 1.0) -> float | np.ndarray:
    """Convert a learning rate of this parameterisation to Ba et al.'s.

    GD: ``η_Ba = η·c_L/(d·c_L,Ba)`` (docs/theory.md §5; Ba et al. use the ½-MSE, c_L,Ba = 1). Adam (sign
    step): ``η_Ba = η/√d``. Vectorised over ``lr``.
    """
    opt = check_choice("optimizer", optimizer, OPTIMIZERS)
    arr = check_lr(lr)
    out = arr * _convert_factor(opt, check_positive_int("d", d), check_positive("c_L", c_L),
                                check_positive("c_L_ba", c_L_ba))
    return float(out) if np.ndim(lr) == 0 else out


@finite_result
def lr_from_ba(lr_ba: Any, optimizer: str, *, d: int, c_L: float = 2.0, c_L_ba: float = 1.0) -> float | np.ndarray:
    """Inverse of :func:`lr_to_ba`: GD ``η = d·η_Ba·c_L,Ba/c_L``; Adam ``η = √d·η_Ba``."""
    opt = check_choice("optimizer", optimizer, OPTIMIZERS)
    arr = check_lr(lr_ba, "lr_ba")
    out = arr / _convert_factor(opt, check_positive_int("d", d), check_positive("c_L", c_L),
                                check_positive("c_L_ba", c_L_ba))
    return float(out) if np.ndim(lr_ba) == 0 else out


def _gd_scales(s: AsymptoticSetup) -> tuple[float, float]:
    """GD: ``η_op = (√h+√d)√d/(c_L μ1 √A G)``, ``η_F = √(hd)/(c_L √A √(μ1²G²/d + E[r²]ν²/n))``."""
    mu1, A = s.act.mu1, s.readout_A
    op = (math.sqrt(s.h) + math.sqrt(s.d)) * math.sqrt(s.d) / (s.c_L * mu1 * math.sqrt(A * s.grad_sq))
    frob_per_lr_sq = s.c_L**2 * A * (mu1**2 * s.grad_sq / s.d + s.er2 * s.act.nu2 / s.n)
    return op, math.sqrt(s.h * s.d / frob_per_lr_sq)


def _adam_scales(s: AsymptoticSetup) -> tuple[float, float]:
    """Adam: ``η_op = (√h+√d)/σ1(√h ŝ mᵀ + N)`` (spiked formula, s = √(hdq), variance 1 − q); ``η_F = 1``."""
    q = _adam_constants(s)[2]
    unit_sigma1 = spiked_sigma1(math.sqrt(s.h * s.d * q), s.h, s.d, variance=max(1.0 - q, 1e-300))
    return (math.sqrt(s.h) + math.sqrt(s.d)) / unit_sigma1, 1.0


@finite_result
@accepts_readout_scale
def lr_scales(optimizer: str, *, n: int, d: int, h: int, activation: str = "tanh", teacher: str = "softplus",
              label_noise_std: float = 0.3, readout_A: float = 1.0, c_L: float = 2.0, f0: bool = True,
              parameterisation: str = "here", c_L_ba: float = 1.0) -> LearningRateScales:
    """Learning rates at which one GD/Adam update matches ‖W0‖_op = √h+√d and ‖W0‖_F = √(hd) (§5).

    Loss ``(c_L/2n)Σ(f − y)²``. GD: ``η_op = (√h+√d)√d/(c_L μ1 √A G)`` (≈ 1.6·10³ at the default sizes),
    ``η_F = √(hd)/(c_L√A·√(μ1²G²/d + E[r²]ν²/n))`` (≈ 2.6·10⁴; the rank-one-only estimate 2.8·10⁴ omits
    the remainder). Adam: ``η_op = (√h+√d)/σ1(sign step of unit size)`` (≈ 0.07), ``η_F = 1``.
    ``parameterisation="ba"`` converts with :func:`lr_to_ba`.
    """
    opt = check_choice("optimizer", optimizer, OPTIMIZERS)
    par = check_choice("parameterisation", parameterisation, PARAMETERISATIONS)
    c_L_ba = check_positive("c_L_ba", c_L_ba)
    s = undecorated(asymptotic_setup)(n=n, d=d, h=h, activation=activation, teacher=teacher,
                         label_noise_std=label_noise_std, readout_A=readout_A, c_L=c_L, f0=f0)
    op, frob = _gd_scales(s) if opt == "gd" else _adam_scales(s)
    if par == "ba":
        op, frob = (lr_to_ba(x, opt, d=s.d, c_L=s.c_L, c_L_ba=c_L_ba) for x in (op, frob))
    return LearningRateScales(optimizer=opt, parameterisation=par, operator=float(op), frobenius=float(frob))


__dir__ = public_dir(__name__)
