"""Likelihood-ratio tests of a power-law tail against alternatives (Clauset et al. 2009 §5; Vuong 1989).

All densities are normalised on the fitted tail ``λ ≥ xmin`` (n points) and fitted there by maximum
likelihood:

- power law: ``ln p = ln(α − 1) − ln xmin − α ln(λ/xmin)`` (the fit's α);
- exponential: ``p = μ e^{−μ(λ − xmin)}``, ``μ = 1/mean(λ − xmin)`` (closed form);
- log-normal: ``p = φ((ln λ − m)/s) / (λ s Φ(−(ln xmin − m)/s))`` (numerical MLE over m, ln s);
- truncated power law: ``p = λ^−a e^{−bλ} / Z``, ``Z = ∫_{xmin}^∞ t^−a e^{−bt} dt`` (numerical MLE over
  a, ln b; Z by quadrature).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import integrate, optimize, special, stats

from htcore.checks import SpectralInputError, positive_sorted
from theory.display import public_dir

from .fit import PowerLawFit

__all__ = ["SIGNIFICANCE", "LikelihoodRatio", "compare_distributions"]

#: A likelihood-ratio test decides only when its p-value is below this (Clauset et al. use 0.1).
SIGNIFICANCE = 0.1


@dataclass(frozen=True)
class LikelihoodRatio:
    """Power law vs one alternative on the same tail.

    ``R = Σ (ln p_PL − ln p_alt)`` (positive favours the power law); ``normalized_R = R/(σ√n)`` with σ
    the standard deviation of the pointwise log-ratios (Vuong); ``pvalue``: two-sided Vuong
    ``erfc(|R_n|/√2)`` for non-nested alternatives, Wilks ``χ²₁`` tail of ``2|R|`` for the nested
    truncated power law; ``favoured``: ``"power_law"`` or the alternative when ``pvalue < 0.1`` (for
    the nested test: the alternative if rejected, else ``"power_law"``, the simpler model),
    otherwise ``"inconclusive"``; ``params`` the alternative's MLE.
    """

    alternative: str
    R: float
    normalized_R: float
    pvalue: float
    favoured: str
    nested: bool
    params: dict[str, float]


def _powerlaw_loglik(x: np.ndarray, alpha: float, xmin: float) -> np.ndarray:
    return np.log(alpha - 1.0) - np.log(xmin) - alpha * np.log(x / xmin)


def _exponential(x: np.ndarray, xmin: float) -> tuple[np.ndarray, dict[str, float]]:
    rate = 1.0 / np.mean(x - xmin)
    return np.log(rate) - rate * (x - xmin), {"rate": float(rate)}


def _lognormal_loglik(x: np.ndarray, xmin: float, m: float, s: float) -> np.ndarray:
    z = (np.log(x) - m) / s
    return (-np.log(x) - np.log(s) - 0.5 * np.log(2.0 * np.pi) - 0.5 * z * z
            - special.log_ndtr(-(np.log(xmin) - m) / s))


def _best(negloglik: Callable[[np.ndarray], float], starts: list[np.ndarray]) -> np.ndarray:
    """Nelder–Mead from each start; the best end point (never worse than the best start)."""
    results = [optimize.minimize(negloglik, s, method="Nelder-Mead",
                                 options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 4000})
               for s in starts]
    return min(results, key=lambda r: r.fun).x


def _lognormal(x: np.ndarray, xmin: float) -> tuple[np.ndarray, dict[str, float]]:
    logs = np.log(x)

    def nll(p: np.ndarray) -> float:
        return float(-np.sum(_lognormal_loglik(x, xmin, p[0], np.exp(p[1]))))

    m, log_s = _best(nll, [np.array([logs.mean(), np.log(logs.std() + 1e-12)])])
    return _lognormal_loglik(x, xmin, m, np.exp(log_s)), {"mu": float(m), "sigma": float(np.exp(log_s))}


def _log_tpl_norm(a: float, b: float, xmin: float) -> float:
    """``ln ∫_{xmin}^∞ t^−a e^{−bt} dt`` via ``t = xmin(1 + u)``: ``(1−a)ln xmin − b·xmin + ln I``."""
    z = b * xmin
    integral, _ = integrate.quad(lambda u: np.exp(-a * np.log1p(u) - z * u), 0.0, np.inf, limit=200)
    return (1.0 - a) * np.log(xmin) - z + np.log(integral)


def _truncated(x: np.ndarray, xmin: float, alpha: float) -> tuple[np.ndarray, dict[str, float]]:
    logs, n = np.log(x), x.size

    def loglik(a: float, b: float) -> np.ndarray:
        return -a * logs - b * x - _log_tpl_norm(a, b, xmin)

    def nll(p: np.ndarray) -> float:
        a, b = p[0], np.exp(p[1])
        if a <= 1.0 and b * xmin < 1e-12:
            return np.inf
        return float(a * logs.sum() + b * x.sum() + n * _log_tpl_norm(a, b, xmin))

    starts = [np.array([alpha, np.log(1e-8 / xmin)]), np.array([1.0 + 0.5 * (alpha - 1.0), -np.log(np.mean(x))])]
    a, log_b = _best(nll, starts)
    return loglik(a, np.exp(log_b)), {"alpha": float(a), "lambda": float(np.exp(log_b))}


def _verdict(R: float, p: float, alternative: str, nested: bool) -> str:
    if nested:
        return alternative if p < SIGNIFICANCE and R < 0 else "power_law"
    if p >= SIGNIFICANCE:
        return "inconclusive"
    return "power_law" if R > 0 else alternative


def _ratio(name: str, pl: np.ndarray, alt: np.ndarray, params: dict[str, float],
           nested: bool) -> LikelihoodRatio:
    diff = pl - alt
    R = float(diff.sum())
    if nested:
        R = min(R, 0.0)  # the power law is the b → 0 member of the truncated family
    sd = float(diff.std())
    Rn = R / (sd * np.sqrt(diff.size)) if sd > 0 else 0.0
    p = float(stats.chi2.sf(2.0 * abs(R), 1)) if nested else float(special.erfc(abs(Rn) / np.sqrt(2.0)))
    return LikelihoodRatio(alternative=name, R=R, normalized_R=float(Rn), pvalue=p,
                           favoured=_verdict(R, p, name, nested), nested=nested, params=params)


def compare_distributions(evals: Any, fit: PowerLawFit) -> dict[str, LikelihoodRatio]:
    """Power law of `fit` vs exponential, log-normal and truncated power law on the tail λ ≥ fit.xmin.

    Returns ``{"exponential": …, "lognormal": …, "truncated_power_law": …}`` (see `LikelihoodRatio`
    and the module docstring for the densities). `fit` must come from `powerlaw_fit` on `evals`.
    """
    x, _ = positive_sorted(evals)
    tail = x[x >= fit.xmin]
    if x.size != fit.n_total or tail.size != fit.n_tail:
        raise SpectralInputError(f"fit (n_total={fit.n_total}, n_tail={fit.n_tail}) was not made on "
                                 f"these {x.size} nonzero values ({tail.size} ≥ xmin)")
    pl = _powerlaw_loglik(tail, fit.alpha, fit.xmin)
    exp_ll, exp_p = _exponential(tail, fit.xmin)
    ln_ll, ln_p = _lognormal(tail, fit.xmin)
    tpl_ll, tpl_p = _truncated(tail, fit.xmin, fit.alpha)
    return {
        "exponential": _ratio("exponential", pl, exp_ll, exp_p, False),
        "lognormal": _ratio("lognormal", pl, ln_ll, ln_p, False),
        "truncated_power_law": _ratio("truncated_power_law", pl, tpl_ll, tpl_p, True),
    }


__dir__ = public_dir(__name__)
