"""The BBP transition of one GD or Adam step: where does the outlier appear? (suite `bbp`).

For many seeds and η = m·η_c on a grid dense around 1 (η_c = ``theory.bbp_lr``, the asymptotic rate at
which the one-step spike crosses the BBP threshold, theory-notes §3–§4), one step is simulated with the
engine (``validation.onestep``) and σ1 measured. A seed *has an outlier* when
``σ1 > √v_b(√h + √d) + (TW1_MEAN + 3·TW1_STD)·tw`` (v_b: predicted bulk variance, 1 for GD and
1 + η²(1 − q) for Adam; tw = ``theory.rmt.tw_scale`` with that variance): a null matrix crosses this line
with probability < 1 % (P(TW1 > 2.6)).

Checks per optimizer:

* below the transition (m ≤ 0.8) the fraction of seeds with an outlier is ≤ 0.1, above (m ≥ 1.5) ≥ 0.9;
* each seed's crossing point — where σ1 first exceeds the detection line, interpolated linearly in η —
  averaged over seeds equals the predicted crossing: the η at which the asymptotic σ1(η) reaches the
  same line. That prediction is η_c shifted up by the detection margin only (the shift → 0 with size,
  since tw/σ1 = O(d^−⅔)); it is reported beside η_c. Tolerance: 3 standard errors of the seeds' crossing
  points (the realised η_c scatters with the f0 fluctuations, theory-notes §7) plus half the grid step
  near 1 (0.025: linear interpolation on a convex σ1(η)).
"""

from __future__ import annotations

import math
import sys

import numpy as np
from scipy.optimize import brentq

import theory
from htcore import spectral
from validation.core import Check, Profile, SuiteResult, Task, bound, mean_sd, task_seed
from validation.onestep import bbp_lr, draw, sizes, step

NAME = "bbp"
#: Learning rates in units of η_c.
GRID = (0.5, 0.8, 0.9, 1.0, 1.05, 1.1, 1.15, 1.2, 1.3, 1.5, 2.0)
#: Detection line above the edge, in TW scales: TW1_MEAN + 3·TW1_STD ≈ 2.6.
MARGIN = theory.rmt.TW1_MEAN + 3.0 * theory.rmt.TW1_STD
GRID_TOL = 0.025
OPTIMIZERS = ("gd", "adam")


def simulate(d: int, seed: int) -> dict:
    """σ1 after one GD and one Adam step at every η = m·η_c of :data:`GRID`, for one seed."""
    s = draw(d, seed)
    return {"seed": seed, **{opt: [float(spectral.top_singular(step(s, opt, m * bbp_lr(opt, d)), 1)[0][0])
                                   for m in GRID] for opt in OPTIMIZERS}}


def plan(profile: Profile) -> list[Task]:
    """One task per seed at the profile's size d."""
    return [Task("bbp", "simulate", {"d": profile.d, "seed": task_seed(NAME, i)}) for i in range(profile.bbp_seeds)]


def detection_line(optimizer: str, multiples: np.ndarray, d: int) -> np.ndarray:
    """σ1 above which a seed counts as having an outlier, at η = multiples·η_c (module docstring)."""
    h = sizes(d)["h"]
    v_b = np.asarray(theory.predict_one_step(optimizer, multiples * bbp_lr(optimizer, d), **sizes(d)).bulk_variance)
    return np.sqrt(v_b) * (math.sqrt(h) + math.sqrt(d) + MARGIN * theory.rmt.tw_scale(h, d))


def predicted_crossing(optimizer: str, d: int) -> float:
    """m at which the asymptotic σ1(m·η_c) reaches the detection line (≥ 1)."""
    def excess(m: float) -> float:
        p = theory.predict_one_step(optimizer, m * bbp_lr(optimizer, d), **sizes(d))
        return p.sigma1 - float(detection_line(optimizer, np.array([m]), d)[0])
    return brentq(excess, 1.0 + 1e-9, 3.0)


def seed_crossing(sigma1: np.ndarray, line: np.ndarray) -> float:
    """First m where σ1 exceeds the line, interpolated linearly between grid points (nan if never)."""
    gap = sigma1 - line
    above = np.flatnonzero(gap > 0)
    if above.size == 0:
        return math.nan
    k = above[0]
    if k == 0:
        return GRID[0]
    return GRID[k - 1] + (GRID[k] - GRID[k - 1]) * (-gap[k - 1]) / (gap[k] - gap[k - 1])


def _optimizer_checks(optimizer: str, d: int, outputs: list[dict]) -> tuple[list[Check], dict]:
    grid = np.array(GRID)
    sigma1 = np.array([o[optimizer] for o in outputs])
    line = detection_line(optimizer, grid, d)
    has = sigma1 > line
    crossings = np.array([seed_crossing(row, line) for row in sigma1])
    predicted = predicted_crossing(optimizer, d)
    sim_mean, sim_sd = mean_sd(crossings)
    tol = 3.0 * sim_sd / math.sqrt(crossings.size) + GRID_TOL
    checks = [bound(f"{optimizer}: outlier fraction at η = {m:g}·η_c", has[:, i], 0.1, upper=True,
                    reason="below the transition: only null-level false positives (< 1 %)")
              for i, m in enumerate(GRID) if m <= 0.8]
    checks += [bound(f"{optimizer}: outlier fraction at η = {m:g}·η_c", has[:, i], 0.9, upper=False,
                     reason="above the transition every seed has an outlier")
               for i, m in enumerate(GRID) if m >= 1.5]
    checks.append(Check(name=f"{optimizer}: crossing η/η_c", prediction=predicted, sim_mean=sim_mean, sim_sd=sim_sd,
                        error=abs(sim_mean - predicted), tolerance=tol, error_kind="|mean abs|",
                        reason=f"3 SE of the seeds' crossings + {GRID_TOL} grid (docstring); η_c itself is 1"))
    data = {"eta_c": bbp_lr(optimizer, d), "fraction": has.mean(axis=0).tolist(), "crossings": crossings.tolist(),
            "predicted_crossing": predicted, "sigma1": sigma1.tolist(), "line": line.tolist()}
    return checks, data


def evaluate(profile: Profile, outputs: list[dict]) -> SuiteResult:
    """Checks per optimizer; data: outlier fractions per m for the transition figure."""
    checks, data = [], {"grid": list(GRID), "d": profile.d}
    for optimizer in OPTIMIZERS:
        c, data[optimizer] = _optimizer_checks(optimizer, profile.d, outputs)
        checks += c
    return SuiteResult(name=NAME, checks=checks, data=data)


if __name__ == "__main__":
    from validation.cli import suite_main

    sys.exit(suite_main(NAME))
