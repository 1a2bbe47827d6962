"""The BBP transition of one GD or Adam step: where does the outlier appear? (suite `bbp`).

For many seeds and η on a grid dense around η_c = ``theory.bbp_lr`` (the asymptotic rate at which the
one-step spike crosses the BBP threshold, docs/theory.md "BBP learning rate"), one step is simulated
with the engine (``validation.suites._one_step_common``) at the suite's size d and the top of the spectrum of W1 is
summarised by one statistic computed from the sample alone (:func:`gap_statistic`):

    T = (σ1 − σ2) / tw(v̂),   v̂ = (‖W1‖_F² − σ1²)/(hd),

the gap between the two largest singular values in Tracy–Widom scales of an h×d matrix with the
sample's own bulk variance v̂ (``theory.rmt.tw_scale``). No prediction enters T.

**The threshold, measured.** A rank-one spiked Gaussian matrix ``Z + θ·u vᵀ`` (Z h×d iid N(0,1), u, v
uniform unit vectors) at exactly the BBP threshold θ = (hd)^¼ has, at this size, a distribution of T
whose median ``c★`` the calibration measures by Monte Carlo (:func:`spiked_gaps`, a random-matrix
statement alone, neither the one-step theory nor the engine). By universality of the critical spiked
law (Baik–Ben Arous–Péché 2005; Bloemendal–Virág 2013), W1 at the true BBP rate η★ has the same law of T
up to corrections smaller than its fluctuations, so P(T(η★) > c★) = ½: the *median over seeds of the η
where a seed's T first stays above c★* (its crossing, :func:`crossing`, linear interpolation between
grid points) estimates η★ without the first-order finite-size offset of a fixed detection line (the
offset of such a line shrinks only like d^−⅓). ``python -m validation.studies.measure_bbp`` measures both rules
across sizes; its table is in docs/validation.md ("bbp").

Checks per optimizer:

* **the BBP learning rate**: ``theory.bbp_lr`` against the median crossing of the check seeds, relative;
  bias 2 % (the Monte-Carlo standard error of c★, ≈ 0.5 % in η, and the non-Gaussian bulk of W1); the
  scatter is the calibrated √seeds × bootstrap standard error of the median. ``theory.bbp_lr`` is
  called while judging, so a wrong rate — with every other prediction unchanged — fails the check;
* below the transition (η ≤ 0.8·η_c) the fraction of seeds with a clear outlier (T > ``DETECTION_GAP``
  = 6, which a null matrix exceeds with probability < 10⁻³) is ≤ 0.1; above (η ≥ 1.5·η_c) it is ≥ 0.9.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import theory
from htcore import spectral
from validation.calibration import Calibration
from validation.checks import Check, Judge, SuiteResult
from validation.suites._one_step_common import critical_lr, draw, sizes, step
from validation.tasks import Profile, Task, sizes_for, task_seed

NAME = "bbp"
#: Size d (h = 3d/2, n = 2d) and seeds per profile. The per-seed threshold estimate scatters like d^−⅓
#: while a seed costs like d³, so many seeds at a smaller size measure the threshold best.
SIZES = {"quick": {"d": 500, "seeds": 128}, "full": {"d": 1000, "seeds": 128}}
#: Learning rates in units of η_c: dense from 0.7 to 1.5, where the seeds cross, plus 0.5 and 2.
GRID = (0.5, *(round(0.7 + 0.05 * i, 2) for i in range(17)), 2.0)
#: A seed has a clear outlier when T > DETECTION_GAP (fraction checks and the multi-step suite).
DETECTION_GAP = 6.0
#: Allowed bias of the measured rate (module docstring).
RATE_BIAS = 0.02
#: Monte-Carlo draws of the critical spiked matrix per calibration task, and tasks per profile.
SPIKED_DRAWS = 100
SPIKED_TASKS = 8
#: Bootstrap resamples behind the standard error of a median.
BOOTSTRAP = 2000
CRITICAL_KEY = "critical median of T"


def gap_statistic(sigma1: float, sigma2: float, frobenius_sq: float, h: int, d: int) -> float:
    """T = (σ1 − σ2)/tw(v̂) with v̂ = (‖W‖_F² − σ1²)/(hd) (module docstring): the sample alone."""
    variance = (frobenius_sq - sigma1 * sigma1) / (h * d)
    return (sigma1 - sigma2) / theory.rmt.tw_scale(h, d, variance)


def top_gap(W: np.ndarray) -> tuple[float, float]:
    """(T, σ1) of a matrix (:func:`gap_statistic`)."""
    s, _, _ = spectral.top_singular(W, 2)
    h, d = W.shape
    return gap_statistic(float(s[0]), float(s[1]), float(np.einsum("ij,ij->", W, W)), h, d), float(s[0])


def simulate(d: int, seed: int) -> dict:
    """T and σ1 after one GD and one Adam step at every η = m·η_c of :data:`GRID`, for one seed."""
    s = draw(d, seed)
    out: dict = {"seed": seed}
    for opt in theory.one_step.OPTIMIZERS:
        lrs = [m * critical_lr(opt, d) for m in GRID]
        gaps, sigma1 = zip(*(top_gap(step(s, opt, lr)) for lr in lrs))
        out[opt] = {"lr": lrs, "gap": list(gaps), "sigma1": list(sigma1)}
    return out


def spiked_gaps(h: int, d: int, draws: int, seed: int) -> dict:
    """T of `draws` rank-one spiked Gaussian matrices Z + (hd)^¼·u vᵀ (h×d) at the BBP threshold."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    theta = (h * d) ** 0.25
    gaps = []
    for _ in range(draws):
        u, v = rng.standard_normal(h), rng.standard_normal(d)
        W = rng.standard_normal((h, d)) + (theta / (np.linalg.norm(u) * np.linalg.norm(v))) * np.outer(u, v)
        gaps.append(top_gap(W)[0])
    return {"critical_gaps": gaps}


def describe(sizes: Mapping[str, Any]) -> str:
    """The report header's words for these sizes."""
    return f"d = {sizes['d']} × {sizes['seeds']} seeds"


def plan(profile: Profile, role: str = "check") -> list[Task]:
    """One task per seed at the suite's size d; for calibration also the spiked-matrix Monte Carlo
    that measures c★ (its seeds are calibration seeds of this suite, after the simulation seeds)."""
    s = sizes_for(SIZES, profile, NAME)
    d = s["d"]
    seeds = s["seeds"]  # calibration too: the scatter of a median is measured at the count it judges
    tasks = [Task(__name__, "simulate", {"d": d, "seed": task_seed(NAME, i, role)}, cost=(d / 1000) ** 2)
             for i in range(seeds)]
    if role == "calibration":
        tasks += [Task(__name__, "spiked_gaps", {"h": sizes(d)["h"], "d": d, "draws": SPIKED_DRAWS,
                                                 "seed": task_seed(NAME, seeds + j, role)}, cost=(d / 1000) ** 2)
                  for j in range(SPIKED_TASKS)]
    return tasks


def crossing(lr: np.ndarray, gap: np.ndarray, level: float) -> float:
    """The η after which T stays above `level` (linear interpolation between grid points): lr[0] if T is
    above it on the whole grid, +inf if T ends below it."""
    excess = np.asarray(gap) - level
    below = np.flatnonzero(excess <= 0)
    if below.size == 0:
        return float(lr[0])
    k = below[-1]
    if k == len(lr) - 1:
        return math.inf
    return float(lr[k] + (lr[k + 1] - lr[k]) * (-excess[k]) / (excess[k + 1] - excess[k]))


def median_scatter(values: np.ndarray, seed: int = 0) -> float:
    """√n × the bootstrap standard error of the median of `values`, relative to the median."""
    rng = np.random.default_rng(seed)
    x = np.asarray(values, dtype=float)
    medians = np.median(rng.choice(x, size=(BOOTSTRAP, x.size)), axis=1)
    finite = medians[np.isfinite(medians)]
    if finite.size < BOOTSTRAP // 2:
        return math.nan
    return float(np.std(finite, ddof=1) * math.sqrt(x.size) / abs(np.median(x)))


def _optimizer_checks(judge: Judge, optimizer: str, d: int, outputs: list[dict],
                      level: float) -> tuple[list[Check], dict]:
    seeds = [o for o in outputs if "seed" in o]
    lr = np.array(seeds[0][optimizer]["lr"])
    gap = np.array([o[optimizer]["gap"] for o in seeds])
    clear = gap > DETECTION_GAP
    crossings = np.array([crossing(lr, row, level) for row in gap])
    measured = float(np.median(crossings))
    predicted = float(theory.bbp_lr(optimizer, **sizes(d)))
    checks = [judge.bound(f"{optimizer}: outlier fraction at η = {m:g}·η_c", clear[:, i], 0.1, upper=True,
                          reason=f"below the transition: seeds with T > {DETECTION_GAP:g} (null: < 10⁻³)")
              for i, m in enumerate(GRID) if m <= 0.8]
    checks += [judge.bound(f"{optimizer}: outlier fraction at η = {m:g}·η_c", clear[:, i], 0.9, upper=False,
                           reason=f"above the transition every seed has T > {DETECTION_GAP:g}")
               for i, m in enumerate(GRID) if m >= 1.5]
    error = (predicted - measured) / measured
    checks.append(judge.estimate(
        f"{optimizer}: BBP learning rate", error, predicted, np.array([measured]), np.array([error]),
        seeds=crossings.size,
        relative=True, bias=RATE_BIAS, scatter=median_scatter(crossings),
        reason=f"theory.bbp_lr vs the median over seeds of the η where T crosses c★ = {level:.3f} (the median "
               f"of T for a critical spiked Gaussian matrix at this size); bias {RATE_BIAS:g}"))
    eta_c = critical_lr(optimizer, d)
    data = {"eta_c": eta_c, "fraction": clear.mean(axis=0).tolist(), "crossings": (crossings / eta_c).tolist(),
            "measured_rate": measured / eta_c, "predicted_rate": predicted / eta_c, "gap": gap.tolist()}
    return checks, data


def evaluate(profile: Profile, outputs: list[dict], calibration: Calibration) -> SuiteResult:
    """Checks per optimizer (module docstring); data: fractions and crossings for the transition figure.
    c★ comes from the calibration (recorded there from the spiked-matrix draws of a calibration run)."""
    judge = Judge(NAME, calibration)
    critical = np.concatenate([o["critical_gaps"] for o in outputs if "critical_gaps" in o] or [np.zeros(0)])
    if critical.size:
        calibration.record_constant(judge.key(CRITICAL_KEY), float(np.median(critical)))
    level = calibration.constant(judge.key(CRITICAL_KEY))
    d = sizes_for(SIZES, profile, NAME)["d"]
    checks, data = [], {"grid": list(GRID), "d": d, "critical_gap": level, "detection_gap": DETECTION_GAP}
    for optimizer in theory.one_step.OPTIMIZERS:
        c, data[optimizer] = _optimizer_checks(judge, optimizer, d, outputs, level)
        checks += c
    return SuiteResult(name=NAME, checks=checks, data=data)


def figures(data: Mapping[str, dict]) -> dict[str, Figure]:
    """The report's figure of this suite, from its data (``data[NAME]``)."""
    return {"bbp_transition.png": fig_bbp(data[NAME])} if NAME in data else {}


def fig_bbp(data: dict) -> Figure:
    """Per optimizer vs η/η_c: the fraction of seeds whose gap statistic T has crossed c★ (its median
    over seeds is the measured BBP rate) and the fraction with a clear outlier (T > DETECTION_GAP)."""
    fig = Figure(figsize=(6.5, 4.8))
    ax = fig.subplots()
    grid = np.linspace(min(data["grid"]), max(data["grid"]), 400)
    for k, opt in enumerate(("gd", "adam")):
        crossings = np.array(data[opt]["crossings"], dtype=float)
        ax.plot(grid, [(crossings <= m).mean() for m in grid], "-", color=f"C{k}",
                label=f"{opt.upper()}: seeds with T above c★ = {data['critical_gap']:.2f}")
        ax.plot(data["grid"], data[opt]["fraction"], "o:", ms=3, color=f"C{k}",
                label=f"{opt.upper()}: seeds with T > {data['detection_gap']:g}")
        ax.axvline(data[opt]["measured_rate"], color=f"C{k}", ls="--", lw=0.8,
                   label=f"{opt.upper()} measured rate (median crossing) {data[opt]['measured_rate']:.3f}·η_c")
    ax.axhline(0.5, color="grey", lw=0.6)
    ax.axvline(1.0, color="k", lw=0.8, ls=":", label="η_c = theory.bbp_lr")
    ax.set(xlabel="η / η_c", ylabel="fraction of seeds", title=f"BBP transition after one step, d = {data['d']}")
    ax.legend(fontsize=7)
    return fig
