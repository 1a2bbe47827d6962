"""The whole eigenvalue law after one large GD or Adam step (suite `one_step_spectrum`).

Per seed at the suite's size, one exact gradient (``validation.suites._one_step_common.draw``) and W1 after one GD step
or the engine's first Adam update at η = 0.5 … 30 × η_c; measured: the eigenvalues of the smaller Gram of
W1 (``htcore.spectral.esd``) and the top singular pair's overlaps with β and a/‖a‖. Predicted by
``theory.plugin_one_step_spectrum`` (the seed's W0, a, X, y — never the step's gradient) and
``theory.one_step_spectrum`` (sizes and Hermite constants only, a ~ N(0, I)); derivation in
docs/theory.md "One-step eigenvalue law".

Definitions. The simulated spectrum is split into outliers and bulk by a rule applied to the sample
alone (:func:`outlier_count`, never the predicted edge): with the singular values s_1 ≥ s_2 ≥ … of W1 and
their gaps g_j = s_j − s_{j+1}, the outliers are s_1 … s_k, k the largest j ≤ 20 whose gap exceeds 25 ×
the median of the next 20 gaps g_{j+1} … g_{j+20} (0 if there is none); the *bulk* is every other
eigenvalue. The gap is measured in the sample's own spacing, so the rule adapts to a bulk whose top
spreads out at giant steps. The factor 25 separates the bulk's largest ratio from the outliers'
smallest on the calibration seeds (numbers and history of the rule: docs/validation.md).
Checks per optimizer and η
(policy of ``validation.checks``: bias + 3·calibrated scatter/√seeds; issue targets as biases):

* upper bulk edge (singular value) against the largest bulk singular value, relative, bias 2 %;
* Kolmogorov distance between the predicted bulk CDF and the empirical one, bias 0.02 (plug-in) and
  0.03 (asymptotic) — the distance is ≥ 0, so this bounds its mean;
* α_Hill (xmin at the median, the engine's estimator) of the law — its bulk quantiles plus its outliers,
  :meth:`theory.OneStepSpectrum.alpha_hill` — against the ESD's, absolute, bias 0.01 at every η; rows
  whose calibration-seed mean error exceeds the bias are open targets (:data:`ALPHA_OPEN`);
* for η ≥ 1.5·η_c: outlier count equal to the predicted count on every seed; top outlier location
  (singular value), relative, bias 1 %; its ⟨v1,β⟩² and ⟨u1,a/‖a‖⟩², absolute, bias 0.02.

Figures: the predicted density over the histogram of the simulated bulk eigenvalues of all check seeds,
one panel per η, one figure per optimizer.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import theory
from htcore import spectral
from validation.calibration import Calibration
from validation.checks import Check, Judge, SuiteResult
from validation.suites._one_step_common import MULTIPLES, critical_lr, draw, sizes, step
from validation.tasks import Profile, Task, sizes_for, task_seed

NAME = "one_step_spectrum"
#: Size d (h = 3d/2, n = 2d) and check seeds per profile.
SIZES = {"quick": {"d": 1000, "seeds": 4}, "full": {"d": 1000, "seeds": 8}}
EDGE_BIAS = 0.02
KS_BIAS = {"plugin": 0.02, "asymptotic": 0.03}
OUTLIER_BIAS = 0.01
OVERLAP_BIAS = 0.02
#: An outlier gap exceeds OUTLIER_GAP × the median of the next OUTLIER_SEARCH gaps; the top OUTLIER_SEARCH
#: singular values are searched (:func:`outlier_count`).
OUTLIER_GAP = 25.0
OUTLIER_SEARCH = 20
#: From this multiple of η_c the asymptotic GD outlier count is an open target (module docstring of the check).
COUNT_OPEN_FROM = 30.0
#: Why the asymptotic GD outlier count at giant steps is open.
COUNT_WHY_OPEN = ("the asymptotic law averages a_i² and C's spectrum into quantile atoms, so it cannot see the few "
                  "largest a_i² × top directions of C that push single GD rows out of the bulk at giant steps; its "
                  "outliers come from the rank-one direction only")
#: α_Hill of the law (:meth:`theory.OneStepSpectrum.alpha_hill`) against the ESD's, absolute: the allowed bias.
ALPHA_BIAS = 0.01
#: (optimizer, form, multiple of η_c) whose α_Hill check is an open target: the mean error on the calibration
#: seeds exceeds ALPHA_BIAS there (numbers: docs/validation.md).
ALPHA_OPEN: frozenset[tuple[str, str, float]] = frozenset({("adam", "asymptotic", 30.0)})
#: Why those α_Hill rows are open.
ALPHA_WHY_OPEN = ("at 30·η_c the asymptotic Adam law's α_Hill sits ≈ 0.013 below the ESD's on the calibration seeds, "
                  "while the plug-in law (the same equations on the seed's own W0, a, X, y) is within 0.002: what the "
                  "asymptotic form averages away (the realised readout and residual) shapes the upper bulk there")
#: Quantiles of the bulk kept per seed for the figure.
QUANTILES = 400
FORMS = ("plugin", "asymptotic")


@functools.lru_cache(maxsize=4)
def asymptotic(optimizer: str, d: int) -> tuple:
    """``theory.one_step_spectrum`` at every multiple of :data:`MULTIPLES` (cached per worker)."""
    lrs = np.asarray(MULTIPLES) * critical_lr(optimizer, d)
    return tuple(theory.one_step_spectrum(optimizer, lrs, **sizes(d)))


def outlier_count(singular_values: np.ndarray) -> int:
    """Number of outliers of a sample spectrum (descending singular values), from the sample alone: the
    largest j ≤ OUTLIER_SEARCH whose gap s_j − s_{j+1} exceeds OUTLIER_GAP × the median of the next
    OUTLIER_SEARCH gaps, 0 if none (module docstring)."""
    gaps = -np.diff(np.asarray(singular_values[: 2 * OUTLIER_SEARCH + 1], dtype=float))
    if gaps.size < 2 * OUTLIER_SEARCH:
        raise ValueError(f"outlier_count needs {2 * OUTLIER_SEARCH + 1} singular values, got {gaps.size + 1}")
    spacing = np.array([np.median(gaps[j + 1: j + 1 + OUTLIER_SEARCH]) for j in range(OUTLIER_SEARCH)])
    separated = np.flatnonzero(gaps[:OUTLIER_SEARCH] > OUTLIER_GAP * spacing)
    return int(separated[-1] + 1) if separated.size else 0


def _ks(eigs: np.ndarray, cdf) -> float:
    """sup |F_pred − F_emp| over the bulk eigenvalues (both one-sided limits of the empirical CDF)."""
    k = eigs.size
    f = np.asarray(cdf(eigs))
    i = np.arange(k)
    return float(max(np.max(np.abs(f - i / k)), np.max(np.abs(f - (i + 1) / k))))


def _compare_one(eigs: np.ndarray, U: np.ndarray, V: np.ndarray, a: np.ndarray, beta: np.ndarray,
                 law: theory.OneStepSpectrum) -> dict:
    """Measured vs predicted for one law (one form) on one W1 (eigenvalues ascending)."""
    sv = np.sqrt(np.clip(eigs[::-1], 0.0, None))
    count = outlier_count(sv)
    bulk = eigs[: eigs.size - count]
    out = {"edge": math.sqrt(law.bulk_edges[1]), "sigma_bulk": float(sv[count]), "count_sim": count,
           "count_pred": int(len(law.outliers)), "ks": _ks(bulk, law.cdf),
           "sigma1_pred": float(math.sqrt(law.outliers[0])) if len(law.outliers) else math.nan,
           "sigma1_sim": float(sv[0]),
           "overlap_beta_pred": float(law.overlap_beta[0]) if len(law.outliers) and law.overlap_beta is not None
           else math.nan,
           "overlap_a_pred": float(law.overlap_a[0]) if len(law.outliers) else math.nan,
           "overlap_beta_sim": float(V[:, 0] @ beta) ** 2, "overlap_a_sim": float(U[:, 0] @ a) ** 2 / float(a @ a),
           "alpha_pred": law.alpha_hill(eigs.size), "alpha_sim": spectral.hill_alpha(eigs)}
    return out


def simulate(d: int, seed: int) -> dict:
    """One seed: per optimizer and η, measured and predicted (plug-in, asymptotic) law statistics, and the
    bulk quantiles for the figure."""
    s = draw(d, seed)
    out: dict = {"seed": seed}
    for optimizer in theory.one_step.OPTIMIZERS:
        lrs = np.asarray(MULTIPLES) * critical_lr(optimizer, d)
        plug = theory.plugin_one_step_spectrum(optimizer, lrs, s.W0, s.a, s.X, s.y, beta=s.beta)
        laws = {"plugin": plug, "asymptotic": asymptotic(optimizer, d)}
        records = []
        for i, lr in enumerate(lrs):
            W1 = step(s, optimizer, float(lr))
            eigs = np.sort(spectral.esd(W1))
            _, U, V = spectral.top_singular(W1, 1)
            rec = {form: _compare_one(eigs, U, V, s.a, s.beta, laws[form][i]) for form in FORMS}
            bulk = eigs[: eigs.size - rec["plugin"]["count_sim"]]
            rec["quantiles"] = np.quantile(bulk, np.linspace(0.0, 1.0, QUANTILES)).tolist()
            records.append(rec)
        out[optimizer] = records
    return out


def describe(sizes: Mapping[str, Any]) -> str:
    """The report header's words for these sizes."""
    return f"d = {sizes['d']} × {sizes['seeds']} seeds per η"


def plan(profile: Profile, role: str = "check") -> list[Task]:
    """One task per seed at the suite's size."""
    s = sizes_for(SIZES, profile, NAME)
    return [Task(__name__, "simulate", {"d": s["d"], "seed": task_seed(NAME, i, role)}, cost=3.0)
            for i in range(profile.seeds_for(s["seeds"], role))]


def _col(outputs: list[dict], optimizer: str, i: int, form: str, key: str) -> np.ndarray:
    return np.array([o[optimizer][i][form][key] for o in outputs], dtype=float)


def _checks(judge: Judge, optimizer: str, outputs: list[dict], i: int, m: float, form: str) -> list[Check]:
    def col(key: str) -> np.ndarray:
        return _col(outputs, optimizer, i, form, key)

    at = f"{optimizer}, {form}, η = {m:g}·η_c"
    checks = [
        judge.compare(f"upper bulk edge, {at}", col("edge"), col("sigma_bulk"), relative=True, bias=EDGE_BIAS,
                      reason="predicted edge vs the largest bulk singular value; bias 2 %"),
        judge.compare(f"Kolmogorov distance of the bulk, {at}", np.zeros(len(outputs)), col("ks"), relative=False,
                      bias=KS_BIAS[form], reason=f"sup |F_pred − F_emp| over the bulk; bias {KS_BIAS[form]:g}"),
    ]
    alpha_open = (optimizer, form, m) in ALPHA_OPEN
    alpha = judge.compare(f"α_Hill, {at}", col("alpha_pred"), col("alpha_sim"), relative=False, bias=ALPHA_BIAS,
                          gating=not alpha_open, target=f"{ALPHA_BIAS:g}" if alpha_open else "",
                          reason=f"α_Hill (xmin at the median) of the law's quantiles and outliers vs of the ESD; "
                                 f"bias {ALPHA_BIAS:g}")
    checks.append(replace(alpha, why_open=ALPHA_WHY_OPEN) if alpha_open else alpha)
    if m < 1.5:
        return checks
    count_error = np.abs(col("count_sim") - col("count_pred"))
    is_open = (optimizer, form) == ("gd", "asymptotic") and m >= COUNT_OPEN_FROM
    count = judge.bound(f"outlier count, {at}", count_error, 0.0, upper=True, worst=True, gating=not is_open,
                        reason=f"every seed: simulated count (a gap > {OUTLIER_GAP:g}× the median of the next "
                               f"{OUTLIER_SEARCH} gaps) = predicted")
    checks.append(replace(count, why_open=COUNT_WHY_OPEN) if is_open else count)
    checks.append(judge.compare(f"top outlier, {at}", col("sigma1_pred"), col("sigma1_sim"), relative=True,
                                bias=OUTLIER_BIAS, reason="predicted outlier (singular value); bias 1 %"))
    for key, label in (("overlap_beta", "⟨v1,β⟩²"), ("overlap_a", "⟨u1,a⟩²")):
        checks.append(judge.compare(f"{label} of the top outlier, {at}", col(f"{key}_pred"), col(f"{key}_sim"),
                                    relative=False, bias=OVERLAP_BIAS, reason="BGN overlap with projection; bias 0.02"))
    return checks


def evaluate(profile: Profile, outputs: list[dict], calibration: Calibration) -> SuiteResult:
    """Checks of the module docstring; data: pooled bulk quantiles and predicted densities for the figures."""
    judge = Judge(NAME, calibration)
    d = sizes_for(SIZES, profile, NAME)["d"]
    checks: list[Check] = []
    data: dict = {"d": d, "multiples": list(MULTIPLES)}
    for optimizer in theory.one_step.OPTIMIZERS:
        for i, m in enumerate(MULTIPLES):
            for form in FORMS:
                checks += _checks(judge, optimizer, outputs, i, m, form)
        data[optimizer] = _figure_data(optimizer, d, outputs)
    return SuiteResult(name=NAME, checks=checks, data=data)


def _figure_data(optimizer: str, d: int, outputs: list[dict]) -> list[dict]:
    """Per η: pooled bulk quantiles of every seed and the asymptotic density on a grid."""
    panels = []
    for i, law in enumerate(asymptotic(optimizer, d)):
        pooled = np.concatenate([o[optimizer][i]["quantiles"] for o in outputs])
        lo, hi = law.bulk_edges
        grid = np.linspace(lo, hi, 200)
        panels.append({"multiple": MULTIPLES[i], "quantiles": pooled.tolist(), "grid": grid.tolist(),
                       "density": np.asarray(law.density(grid)).tolist(),
                       "outliers": [float(x) for x in law.outliers]})
    return panels


def figures(data: Mapping[str, dict]) -> dict[str, Figure]:
    """The report's figures of this suite (one per optimizer), from its data (``data[NAME]``)."""
    if NAME not in data:
        return {}
    mine = data[NAME]
    return {f"one_step_spectrum_{opt}.png": fig_one_step_spectrum(mine[opt], opt, mine["d"]) for opt in ("gd", "adam")}


def fig_one_step_spectrum(panels: list[dict], optimizer: str, d: int) -> Figure:
    """Predicted (asymptotic) bulk density over the histogram of the simulated bulk eigenvalues of every
    check seed (pooled quantiles), one panel per η."""
    fig = Figure(figsize=(15, 8), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    for ax, p in zip(axes, panels):
        ax.hist(p["quantiles"], bins=60, density=True, color="0.75", label="simulated bulk (all seeds)")
        ax.plot(p["grid"], p["density"], color="C3", lw=1.5, label="predicted density (asymptotic)")
        ax.set(title=f"{optimizer.upper()}, η = {p['multiple']:g}·η_c, d = {d}", xlabel="eigenvalue of W1ᵀW1")
        if p["outliers"]:
            ax.text(0.98, 0.95, "outliers: " + ", ".join(f"{x:.3g}" for x in p["outliers"]), ha="right", va="top",
                    transform=ax.transAxes, fontsize=7)
    axes[0].legend(fontsize=7)
    return fig
