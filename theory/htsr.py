"""Heavy-tailed self-regularisation (HT-SR) vocabulary: α classes, phases and the phase rule.

Plain definitions (no htcore import): `htcore.spectral.classify` measures the features of an
ESD and calls :func:`phase` with them. Sources: Martin & Mahoney (2019, 2021) for the 5+1 phases and
the α ranges; docs/theory.md §6 for the ranges used here:
α ∈ (1, 2] very heavy, (2, 6] heavy/fat, > 6 weak, and α above ≈ 8 uninformative (a power-law fit of a
Marchenko–Pastur bulk, or of a bulk plus one spike, returns such values).
"""

from __future__ import annotations

import math
from enum import Enum

from ._validate import (
    TheoryArgumentError,
    check_nonnegative,
    check_nonnegative_int,
    check_positive_int,
    check_real_array,
)
from .display import public_dir

__all__ = [
    "ALPHA_VERY_HEAVY",
    "ALPHA_HEAVY",
    "ALPHA_UNINFORMATIVE",
    "RANK_COLLAPSE_FRACTION",
    "BULK_KS_MAX",
    "SPIKES_MAX_FRACTION",
    "Phase",
    "alpha_class",
    "max_spikes",
    "phase",
]

#: Upper end of the "very heavy" class: α ∈ (1, ALPHA_VERY_HEAVY].
ALPHA_VERY_HEAVY: float = 2.0
#: Upper end of the "heavy" (fat-tailed) class: α ∈ (ALPHA_VERY_HEAVY, ALPHA_HEAVY]; above is "weak".
ALPHA_HEAVY: float = 6.0
#: Above this α a power-law fit carries no information about heavy tails (MP bulk or spike lock-on).
ALPHA_UNINFORMATIVE: float = 8.0
#: Rank collapse: at least this fraction of the min(h, d) eigenvalues is zero (to round-off).
RANK_COLLAPSE_FRACTION: float = 0.1
#: The bulk is Marchenko–Pastur-like when the KS distance between its ESD and the fitted MP law is
#: at most this (Gaussian matrices with min(h, d) ≥ 100 give ≤ 0.03; Pareto-entry matrices ≥ 0.1).
BULK_KS_MAX: float = 0.05
#: "Bulk + spikes" allows at most max(3, SPIKES_MAX_FRACTION·min(h, d)) eigenvalues above the MP edge;
#: more, with an MP-like bulk, is "bleeding-out".
SPIKES_MAX_FRACTION: float = 0.01


class Phase(str, Enum):
    """The HT-SR phases of a weight matrix's ESD (Martin & Mahoney's 5+1)."""

    RANDOM_LIKE = "random-like"
    BLEEDING_OUT = "bleeding-out"
    BULK_PLUS_SPIKES = "bulk+spikes"
    BULK_DECAY = "bulk-decay"
    HEAVY_TAILED = "heavy-tailed"
    RANK_COLLAPSE = "rank-collapse"


def _alpha(value: object) -> float:
    """α as a float: one real number (inf and nan allowed: they mean "no finite exponent")."""
    arr = check_real_array("alpha", value, finite=False)
    if arr.ndim:
        raise TheoryArgumentError(f"alpha=<array of shape {arr.shape}>: must be one real number", "alpha")
    return float(arr)


def alpha_class(alpha: float) -> str:
    """Class of a power-law exponent α of the ESD tail (docs/theory.md §6).

    ``"very heavy"`` for α ∈ (1, 2], ``"heavy"`` for (2, 6], ``"weak"`` for (6, 8], ``"uninformative"``
    above 8 or when α is not finite, ``"invalid"`` for α ≤ 1 (not a normalisable tail).
    """
    alpha = _alpha(alpha)
    if not math.isfinite(alpha) or alpha > ALPHA_UNINFORMATIVE:
        return "uninformative"
    if alpha <= 1.0:
        return "invalid"
    if alpha <= ALPHA_VERY_HEAVY:
        return "very heavy"
    return "heavy" if alpha <= ALPHA_HEAVY else "weak"


def max_spikes(p: int) -> int:
    """Largest number of outliers still called "bulk+spikes" for p = min(h, d) eigenvalues.

    ``max(3, ⌊SPIKES_MAX_FRACTION · p⌋)``.
    """
    p = check_positive_int("p", p)
    return max(3, int(SPIKES_MAX_FRACTION * p))


def phase(zero_fraction: float, n_outliers: int, p: int, bulk_ks: float, alpha: float) -> Phase:
    """HT-SR phase from measured ESD features, applying the rules in this order:

    1. ``zero_fraction ≥ RANK_COLLAPSE_FRACTION`` → rank-collapse;
    2. no eigenvalue above the MP edge + Tracy–Widom margin (``n_outliers == 0``) → random-like;
    3. MP-like bulk (``bulk_ks ≤ BULK_KS_MAX``): ``n_outliers ≤ max_spikes(p)`` → bulk+spikes,
       otherwise bleeding-out;
    4. non-MP bulk: tail ``α ≤ ALPHA_HEAVY`` → heavy-tailed, otherwise (or α not finite) bulk-decay.

    `p` is min(h, d); `alpha` the KS power-law exponent of the nonzero ESD (any real, inf or nan).
    """
    zero_fraction, bulk_ks = check_nonnegative("zero_fraction", zero_fraction), check_nonnegative("bulk_ks", bulk_ks)
    n_outliers, p, alpha = check_nonnegative_int("n_outliers", n_outliers), check_positive_int("p", p), _alpha(alpha)
    if zero_fraction >= RANK_COLLAPSE_FRACTION:
        return Phase.RANK_COLLAPSE
    if n_outliers == 0:
        return Phase.RANDOM_LIKE
    if bulk_ks <= BULK_KS_MAX:
        return Phase.BULK_PLUS_SPIKES if n_outliers <= max_spikes(p) else Phase.BLEEDING_OUT
    return Phase.HEAVY_TAILED if math.isfinite(alpha) and alpha <= ALPHA_HEAVY else Phase.BULK_DECAY


__dir__ = public_dir(__name__)
