"""Marchenko–Pastur analysis of an ESD: bulk variance, edges, spikes, and random baselines.

Formulas (edges, density, Tracy–Widom scale) come from `theory.rmt`; this module only measures.
Convention: W is h×d, the ESD is the p = min(h, d) eigenvalues of the smaller Gram (`esd`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from htcore.checks import SpectralInputError, as_finite_matrix, check_int, check_real, check_shape, positive_sorted
from theory.display import public_dir, short_repr, short_value
from theory.rmt import TW1_MEAN, TW1_STD, mp_density, mp_eigen_edges, mp_singular_edges, tw_scale

from .fit import PowerLawFit, hill_alpha, powerlaw_fit
from .linalg import esd

__all__ = ["DEFAULT_MARGIN", "MPFit", "RandomBaselines", "mp_fit", "random_baselines"]

#: Default spike margin: a spike is a singular value above edge + (E TW1 + 4·sd TW1)·tw_scale.
DEFAULT_MARGIN = 4.0
#: Nodes of the quadrature grid of the MP CDF (θ-substitution, exact at both edges).
_GRID = 4097


@dataclass(frozen=True)
class MPFit:
    """MP description of an ESD.

    ``variance`` v of the entries (estimated unless given); ``eigen_edges``/``singular_edges`` the MP
    bulk edges for v; ``tw_scale`` the Tracy–Widom scale of σ1; ``threshold`` the eigenvalue above
    which a value is a spike, ``(edge_σ + (TW1_MEAN + margin·TW1_STD)·tw_scale)²``; ``spikes`` those
    eigenvalues, descending; ``bulk_ks`` the KS distance between the bulk (nonzero eigenvalues up to
    the threshold) and the MP law of variance v (1 when the bulk is empty); ``n_zeros`` zero eigenvalues
    among the p = min(h, d); ``zero_fraction = n_zeros/p``.
    """

    shape: tuple[int, int]
    variance: float
    variance_estimated: bool
    eigen_edges: tuple[float, float]
    singular_edges: tuple[float, float]
    tw_scale: float
    threshold: float
    spikes: np.ndarray
    bulk_ks: float
    n_zeros: int
    zero_fraction: float

    @property
    def n_spikes(self) -> int:
        """Number of eigenvalues above `threshold`."""
        return int(self.spikes.size)

    def __repr__(self) -> str:
        return short_repr(self, ("shape", "variance", "singular_edges", "tw_scale", "n_spikes", "spikes", "bulk_ks",
                                 "n_zeros"))


@lru_cache(maxsize=64)
def _unit_cdf(h: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """(λ grid, CDF) of the MP law of the nonzero smaller-Gram eigenvalues, entry variance 1.

    Integrates `theory.rmt.mp_density` with ``λ = λ₋ + (λ₊ − λ₋)(1 − cos θ)/2``, θ ∈ [0, π], which
    removes the square-root (and, for h = d, inverse-square-root) edge behaviour.
    """
    lo, hi = mp_eigen_edges(h, d)
    theta = np.linspace(0.0, np.pi, _GRID)
    lam = lo + (hi - lo) * (1.0 - np.cos(theta)) / 2.0
    integrand = mp_density(lam, h, d) * (hi - lo) * np.sin(theta) / 2.0
    steps = 0.5 * (integrand[1:] + integrand[:-1]) * np.diff(theta)  # cumulative trapezoid rule
    cdf = np.concatenate(([0.0], np.cumsum(steps)))
    return lam, cdf / cdf[-1]


def _mp_cdf(x: np.ndarray, h: int, d: int, variance: float) -> np.ndarray:
    lam, cdf = _unit_cdf(h, d)
    return np.interp(x / variance, lam, cdf)


def _check_shape(shape: Any) -> tuple[int, int]:
    return check_shape("shape", shape)


def _nonzero_esd(evals: Any, h: int, d: int) -> tuple[np.ndarray, int]:
    """Nonzero eigenvalues and the number of zeros among the p = min(h, d) of the smaller Gram.

    `evals` may hold the p eigenvalues of the smaller Gram or the max(h, d) of the larger one (whose
    extra max(h, d) − p values must be zero).
    """
    x, zeros = positive_sorted(evals)
    size = x.size + zeros
    p, big = min(h, d), max(h, d)
    if size not in (p, big):
        raise SpectralInputError(f"evals: {size} eigenvalues do not fit shape {(h, d)}: expected {p} or {big}")
    structural = size - p
    if zeros < structural:
        raise SpectralInputError(f"evals: {size} eigenvalues of the larger Gram of a {(h, d)} matrix need at "
                                 f"least {structural} zeros, found {zeros}")
    return x, zeros - structural


def _ks_to_mp(x: np.ndarray, h: int, d: int, variance: float) -> float:
    """Two-sided KS distance between the ascending sample x and the MP law of the given variance."""
    if x.size == 0:
        return 1.0
    F = _mp_cdf(x, h, d, variance)
    j = np.arange(x.size)
    return float(max(np.max(F - j / x.size), np.max((j + 1) / x.size - F)))


def mp_fit(evals: Any, shape: tuple[int, int], variance: float | None = None,
           margin: float = DEFAULT_MARGIN) -> MPFit:
    """Fit the Marchenko–Pastur law to an ESD of an h×d matrix (`shape`) and count spikes.

    Variance estimate (when `variance` is None): median matching, ``v = median(λ)/median_MP(h, d, 1)``
    over the nonzero eigenvalues; a median is insensitive to a few spikes and to a heavy tail, unlike
    ``‖W‖_F²/(hd)``. Spikes are the eigenvalues above ``(√v(√h+√d) + (TW1_MEAN + margin·TW1_STD)·s)²``,
    ``s`` = `theory.rmt.tw_scale` (margin 4: a pure Gaussian matrix exceeds it with probability
    ≲ 1e-4). See `MPFit` for the fields.
    """
    h, d = _check_shape(shape)
    x, zeros = _nonzero_esd(evals, h, d)
    if variance is None:
        lam, cdf = _unit_cdf(h, d)
        v = float(np.median(x) / np.interp(0.5, cdf, lam))
    else:
        v = check_real("variance", variance, 0.0, strict=True)
    margin = check_real("margin", margin, 0.0)
    s_edges = mp_singular_edges(h, d, v)
    scale = tw_scale(h, d, v)
    threshold = (s_edges[1] + (TW1_MEAN + margin * TW1_STD) * scale) ** 2
    p = min(h, d)
    return MPFit(shape=(h, d), variance=v, variance_estimated=variance is None,
                 eigen_edges=mp_eigen_edges(h, d, v), singular_edges=s_edges, tw_scale=scale,
                 threshold=float(threshold), spikes=x[x > threshold][::-1].copy(),
                 bulk_ks=_ks_to_mp(x[x <= threshold], h, d, v), n_zeros=zeros, zero_fraction=zeros / p)


@dataclass(frozen=True)
class RandomBaselines:
    """Power-law fits of random matrices shaped like W: ``gaussian`` (iid N(0,1)) and ``permuted``
    (W's entries randomly permuted), with their Hill α (median xmin) beside them."""

    gaussian: PowerLawFit
    permuted: PowerLawFit
    gaussian_hill: float
    permuted_hill: float

    def __repr__(self) -> str:
        return (f"RandomBaselines(gaussian.alpha={short_value(self.gaussian.alpha)}, "
                f"permuted.alpha={short_value(self.permuted.alpha)}, gaussian_hill={short_value(self.gaussian_hill)}, "
                f"permuted_hill={short_value(self.permuted_hill)})")


def random_baselines(W: Any, seed: int = 0) -> RandomBaselines:
    """α of the null models of W: a Gaussian matrix of W's shape and W with its entries permuted.

    α is scale-invariant, so the Gaussian has unit variance. Both draws use children of
    ``numpy.random.SeedSequence(seed)``. If W's own α is close to these, it carries no information
    about heavy tails (docs/theory.md §6).
    """
    A = as_finite_matrix(W)
    seed = check_int("seed", seed, 0)
    g_rng, p_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    gaussian = esd(g_rng.standard_normal(A.shape))
    permuted = esd(p_rng.permutation(A.ravel()).reshape(A.shape))
    return RandomBaselines(gaussian=powerlaw_fit(gaussian), permuted=powerlaw_fit(permuted),
                           gaussian_hill=hill_alpha(gaussian), permuted_hill=hill_alpha(permuted))


__dir__ = public_dir(__name__)
