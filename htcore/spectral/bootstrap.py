"""Semi-parametric goodness-of-fit bootstrap of a power-law fit (Clauset, Shalizi & Newman 2009 §4.1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from htcore.checks import SpectralInputError, check_int, positive_sorted
from theory.display import public_dir, short_repr

from ._kernels import _bootstrap_distances
from .fit import PowerLawFit

__all__ = ["BootstrapResult", "bootstrap_pvalue"]

#: Random numbers held in memory at once (two per point and replicate), bounding the batch size.
_BATCH_VALUES = 4_000_000
#: Show a progress bar by default when n_boot × n exceeds this.
_PROGRESS_WORK = 20_000_000


@dataclass(frozen=True)
class BootstrapResult:
    """``pvalue = #{D*_r ≥ D} / n_boot`` with ``D_boot`` the synthetic distances D*_r (r = 0…n_boot−1)."""

    pvalue: float
    n_boot: int
    D: float
    D_boot: np.ndarray

    def __repr__(self) -> str:
        return short_repr(self, ("pvalue", "n_boot", "D", "D_boot"))


def _uniforms(seed: int, n_boot: int, n: int, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniforms of replicates start…stop−1: replicate r uses its own child r of SeedSequence(seed)."""
    children = np.random.SeedSequence(seed).spawn(n_boot)[start:stop]
    draws = np.stack([np.random.default_rng(child).random((2, n)) for child in children])
    return np.ascontiguousarray(draws[:, 0]), np.ascontiguousarray(draws[:, 1])


def bootstrap_pvalue(evals: Any, fit: PowerLawFit, n_boot: int = 1000, seed: int = 0,
                     progress: bool | None = None) -> BootstrapResult:
    """Goodness-of-fit p-value of `fit` (made by `powerlaw_fit` on the same `evals`).

    Each of `n_boot` synthetic samples has the data's size n: with probability ``n_tail/n`` a point is
    drawn from the fitted power law above xmin, otherwise resampled uniformly from the data below
    xmin. Each sample is refitted by the same procedure (KS xmin scan with the fit's xmin_range, or
    α alone when xmin was fixed) and its KS distance D* recorded; ``p = #{D* ≥ D}/n_boot``.
    p ≤ 0.1 rejects the power law (Clauset et al.). Replicate r draws from child r of
    ``numpy.random.SeedSequence(seed)``, and replicates run in parallel in a Numba kernel, so the
    result depends only on (evals, fit, n_boot, seed), not on the number of threads. A tqdm bar
    shows progress when `progress` is True (default: when n_boot·n > 2·10⁷).
    """
    x, _ = positive_sorted(evals)
    if x.size != fit.n_total or not np.any(x == fit.xmin):
        raise SpectralInputError(f"fit (n_total={fit.n_total}, xmin={fit.xmin:.6g}) was not made on "
                                 f"these {x.size} nonzero values")
    n_boot, seed = check_int("n_boot", n_boot, 1), check_int("seed", seed, 0)
    body = x[x < fit.xmin]
    lo, hi = (-np.inf, np.inf) if fit.xmin_range is None else fit.xmin_range
    batch = max(1, _BATCH_VALUES // (2 * x.size))
    show = progress if progress is not None else n_boot * x.size > _PROGRESS_WORK
    D_boot = np.empty(n_boot)
    with tqdm(total=n_boot, desc="bootstrap", disable=not show) as bar:
        for start in range(0, n_boot, batch):
            stop = min(start + batch, n_boot)
            u_mix, u_val = _uniforms(seed, n_boot, x.size, start, stop)
            D_boot[start:stop] = _bootstrap_distances(u_mix, u_val, body, fit.n_tail / x.size,
                                                      fit.alpha, fit.xmin, lo, hi, fit.fixed_xmin)
            bar.update(stop - start)
    return BootstrapResult(pvalue=float(np.mean(D_boot >= fit.D)), n_boot=int(n_boot), D=fit.D,
                           D_boot=D_boot)


__dir__ = public_dir(__name__)
