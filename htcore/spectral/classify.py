"""Heavy-tailed self-regularisation phase of an ESD (rules and thresholds in `theory.htsr`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from theory.display import public_dir, short_value
from theory.htsr import Phase, alpha_class, phase

from .fit import PowerLawFit, powerlaw_fit
from .mp import DEFAULT_MARGIN, MPFit, mp_fit

__all__ = ["Classification", "classify"]


@dataclass(frozen=True)
class Classification:
    """``phase`` (a `theory.htsr.Phase`), ``alpha_class`` of the KS tail exponent, and the measurements
    behind them: ``mp`` (`MPFit`: zeros, spikes, bulk KS distance) and ``fit`` (`PowerLawFit`)."""

    phase: Phase
    alpha_class: str
    mp: MPFit
    fit: PowerLawFit

    def __repr__(self) -> str:
        return (f"Classification(phase={self.phase.value!r}, alpha_class={self.alpha_class!r}, "
                f"fit.alpha={short_value(self.fit.alpha)}, mp.n_spikes={self.mp.n_spikes}, "
                f"mp.bulk_ks={short_value(self.mp.bulk_ks)}, mp.zero_fraction={short_value(self.mp.zero_fraction)})")


def classify(evals: Any, shape: tuple[int, int], variance: float | None = None,
             margin: float = DEFAULT_MARGIN) -> Classification:
    """HT-SR phase of the ESD `evals` of an h×d matrix (`shape`).

    Measures the zero fraction, the number of eigenvalues above the MP edge + Tracy–Widom margin and
    the KS distance of the ESD to the fitted MP law (`mp_fit`, median-matched variance unless given),
    and the KS power-law exponent of the nonzero ESD (`powerlaw_fit`), then applies
    `theory.htsr.phase`: rank-collapse if ≥ 10 % zeros; random-like if no spike; with an MP-like bulk
    (KS ≤ 0.05) bulk+spikes for at most max(3, 1 % of min(h, d)) spikes, else bleeding-out; with a
    non-MP bulk heavy-tailed if α ≤ 6, else bulk-decay.
    """
    mp = mp_fit(evals, shape, variance, margin)
    fit = powerlaw_fit(evals)
    label = phase(mp.zero_fraction, mp.n_spikes, min(mp.shape), mp.bulk_ks, fit.alpha)
    return Classification(phase=label, alpha_class=alpha_class(fit.alpha), mp=mp, fit=fit)


__dir__ = public_dir(__name__)
