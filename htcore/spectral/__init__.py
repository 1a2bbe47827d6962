"""Spectral diagnostics of weight matrices: ESD, singular triplets, power-law tails, MP analysis.

Everything takes a plain matrix or eigenvalue array (float64 internally) and raises
`SpectralInputError` (a ValueError) naming the problem on bad input.
"""

from htcore.checks import SpectralInputError

from .bootstrap import BootstrapResult, bootstrap_pvalue
from .classify import Classification, classify
from .compare import LikelihoodRatio, compare_distributions
from .fit import MIN_TAIL, PowerLawFit, hill_alpha, ks_alpha, powerlaw_fit
from .linalg import esd, esd_and_top, overlaps, stable_rank, top_singular
from .mp import MPFit, RandomBaselines, mp_fit, random_baselines

__all__ = [
    "SpectralInputError",
    "BootstrapResult",
    "bootstrap_pvalue",
    "Classification",
    "classify",
    "LikelihoodRatio",
    "compare_distributions",
    "MIN_TAIL",
    "PowerLawFit",
    "hill_alpha",
    "ks_alpha",
    "powerlaw_fit",
    "esd",
    "esd_and_top",
    "overlaps",
    "stable_rank",
    "top_singular",
    "MPFit",
    "RandomBaselines",
    "mp_fit",
    "random_baselines",
]
