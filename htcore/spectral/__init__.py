"""Spectral diagnostics of weight matrices: ESD, singular triplets, power-law tails, MP analysis.

Everything takes a plain matrix or eigenvalue array (float64 internally) and raises
`SpectralInputError` (a ValueError) naming the problem on bad input.
"""

from ._validate import SpectralInputError
from .fit import MIN_TAIL, PowerLawFit, hill_alpha, ks_alpha, powerlaw_fit
from .linalg import esd, overlaps, stable_rank, top_singular

__all__ = [
    "SpectralInputError",
    "MIN_TAIL",
    "PowerLawFit",
    "hill_alpha",
    "ks_alpha",
    "powerlaw_fit",
    "esd",
    "overlaps",
    "stable_rank",
    "top_singular",
]
