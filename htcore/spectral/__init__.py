"""Spectral diagnostics of weight matrices: ESD, singular triplets, power-law tails, MP analysis.

Everything takes a plain matrix or eigenvalue array (float64 internally) and raises
`SpectralInputError` (a ValueError) naming the problem on bad input. The bootstrap and the likelihood
ratios (which need scipy.stats and tqdm) are imported on first use, so that a training run, which needs
neither, starts without them. `analyse` is the one-call entry: every diagnostic of one matrix in a
`Report` (what ``htcore spectrum FILE`` prints).
"""

import importlib
from typing import Any

from htcore.checks import SpectralInputError
from theory.display import public_dir

from .classify import Classification, classify
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
    "Report",
    "analyse",
]

#: Names imported on first access (PEP 562): name → submodule.
_LAZY = {"BootstrapResult": "bootstrap", "bootstrap_pvalue": "bootstrap",
         "LikelihoodRatio": "compare", "compare_distributions": "compare",
         "Report": "report", "analyse": "report"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__dir__ = public_dir(__name__)
