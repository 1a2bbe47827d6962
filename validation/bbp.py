"""The BBP transition of one GD or Adam step: where does the outlier appear? (suite `bbp`).

For many seeds and η = m·η_c on a grid dense around 1 (η_c = ``theory.bbp_lr``, the asymptotic rate at
which the one-step spike crosses the BBP threshold, docs/theory.md "BBP learning rate"), one step is
simulated with the engine (``validation.onestep``) and σ1 measured. A seed *has an outlier* when
``σ1 > √v_b(√h + √d) + (TW1_MEAN + 3·TW1_STD)·tw`` (v_b: predicted bulk variance, 1 for GD and
1 + η²(1 − q) for Adam; tw = ``theory.rmt.tw_scale`` with that variance): a null matrix crosses this line
with probability < 1 % (P(TW1 > 2.6)).

Checks per optimizer:

* below the transition (m ≤ 0.8) the fraction of seeds with an outlier is ≤ 0.1, above (m ≥ 1.5) ≥ 0.9;
* each seed's crossing point — the learning rate where σ1 first exceeds the detection line, interpolated
  linearly in η — averaged over seeds equals the predicted crossing ``theory.bbp_lr × r``. The factor
  ``r`` (slightly above 1) is the detection margin's shift: the ratio of the η at which the asymptotic
  σ1(η) of ``theory.predict_one_step`` reaches the detection line to the η at which its normalised spike
  strength reaches the BBP threshold — both found from ``predict_one_step`` alone, so a wrong
  ``theory.bbp_lr`` moves the prediction by the same factor (r → 1 with size, tw/σ1 = O(d^−⅔)).
  Tolerance (relative): half the grid step near 1 (0.025: linear interpolation on a convex σ1(η)) plus
  3 calibrated standard errors of the seeds' crossings.
"""

from __future__ import annotations

import math
import sys

import numpy as np
from scipy.optimize import brentq

import theory
from htcore import spectral
from validation.core import Calibration, Check, Judge, Profile, SuiteResult, Task, mean_sd, task_seed
from validation.onestep import critical_lr, draw, sizes, step

NAME = "bbp"
#: Learning rates in units of η_c.
GRID = (0.5, 0.8, 0.9, 1.0, 1.05, 1.1, 1.15, 1.2, 1.3, 1.5, 2.0)
#: Detection line above the edge, in TW scales: TW1_MEAN + 3·TW1_STD ≈ 2.6.
MARGIN = theory.rmt.TW1_MEAN + 3.0 * theory.rmt.TW1_STD
#: Allowed bias of the crossing (relative): half the grid step near η_c.
GRID_TOL = 0.025


def simulate(d: int, seed: int) -> dict:
    """σ1 after one GD and one Adam step at every η = m·η_c of :data:`GRID`, for one seed."""
    s = draw(d, seed)
    out: dict = {"seed": seed}
    for opt in theory.one_step.OPTIMIZERS:
        lrs = [m * critical_lr(opt, d) for m in GRID]
        out[opt] = {"lr": lrs, "sigma1": [float(spectral.top_singular(step(s, opt, lr), 1)[0][0]) for lr in lrs]}
    return out


def plan(profile: Profile, role: str = "check") -> list[Task]:
    """One task per seed at the profile's size d."""
    return [Task("bbp", "simulate", {"d": profile.d, "seed": task_seed(NAME, i, role)})
            for i in range(profile.seeds_for("bbp_seeds", role))]


def detection_line(optimizer: str, lr: np.ndarray, d: int) -> np.ndarray:
    """σ1 above which a seed counts as having an outlier, at learning rates `lr` (module docstring)."""
    h = sizes(d)["h"]
    v_b = np.asarray(theory.predict_one_step(optimizer, np.asarray(lr, dtype=float), **sizes(d)).bulk_variance)
    return np.sqrt(v_b) * (math.sqrt(h) + math.sqrt(d) + MARGIN * theory.rmt.tw_scale(h, d))


def detection_shift(optimizer: str, d: int) -> float:
    """r = η(σ1 reaches the detection line) / η(s̃⁴ = hd), both from ``theory.predict_one_step``."""
    h = sizes(d)["h"]
    scale = critical_lr(optimizer, d)  # only brackets the roots

    def above_bbp(m: float) -> float:
        return float(theory.predict_one_step(optimizer, m * scale, **sizes(d)).normalized_spike_strength) ** 4 - h * d

    def above_line(m: float) -> float:
        p = theory.predict_one_step(optimizer, m * scale, **sizes(d))
        return p.sigma1 - float(detection_line(optimizer, np.array([m * scale]), d)[0])

    root = brentq(above_bbp, 0.5, 2.0, xtol=1e-12)
    return brentq(above_line, root * (1.0 + 1e-9), 3.0, xtol=1e-12) / root


def predicted_crossing(optimizer: str, d: int) -> float:
    """The learning rate at which the outlier is predicted to cross the detection line."""
    return theory.bbp_lr(optimizer, **sizes(d)) * detection_shift(optimizer, d)


def seed_crossing(lr: np.ndarray, sigma1: np.ndarray, line: np.ndarray) -> float:
    """First η where σ1 exceeds the line, interpolated linearly between grid points (nan if never)."""
    gap = sigma1 - line
    above = np.flatnonzero(gap > 0)
    if above.size == 0:
        return math.nan
    k = above[0]
    if k == 0:
        return float(lr[0])
    return float(lr[k - 1] + (lr[k] - lr[k - 1]) * (-gap[k - 1]) / (gap[k] - gap[k - 1]))


def _optimizer_checks(judge: Judge, optimizer: str, d: int, outputs: list[dict]) -> tuple[list[Check], dict]:
    lr = np.array(outputs[0][optimizer]["lr"])
    sigma1 = np.array([o[optimizer]["sigma1"] for o in outputs])
    line = detection_line(optimizer, lr, d)
    has = sigma1 > line
    crossings = np.array([seed_crossing(lr, row, line) for row in sigma1])
    predicted = predicted_crossing(optimizer, d)
    checks = [judge.bound(f"{optimizer}: outlier fraction at η = {m:g}·η_c", has[:, i], 0.1, upper=True,
                          reason="below the transition: only null-level false positives (< 1 %)")
              for i, m in enumerate(GRID) if m <= 0.8]
    checks += [judge.bound(f"{optimizer}: outlier fraction at η = {m:g}·η_c", has[:, i], 0.9, upper=False,
                           reason="above the transition every seed has an outlier")
               for i, m in enumerate(GRID) if m >= 1.5]
    checks.append(judge.compare(f"{optimizer}: crossing learning rate", np.full(crossings.size, predicted),
                                crossings, relative=True, bias=GRID_TOL,
                                reason=f"theory.bbp_lr × detection shift; bias {GRID_TOL} (half the grid step)"))
    eta_c = critical_lr(optimizer, d)
    data = {"eta_c": eta_c, "fraction": has.mean(axis=0).tolist(), "crossings": (crossings / eta_c).tolist(),
            "predicted_crossing": predicted / eta_c, "sigma1": sigma1.tolist(), "line": line.tolist()}
    return checks, data


def evaluate(profile: Profile, outputs: list[dict], calibration: Calibration) -> SuiteResult:
    """Checks per optimizer; data: outlier fractions per m for the transition figure."""
    judge = Judge(NAME, calibration)
    checks, data = [], {"grid": list(GRID), "d": profile.d}
    for optimizer in theory.one_step.OPTIMIZERS:
        c, data[optimizer] = _optimizer_checks(judge, optimizer, profile.d, outputs)
        checks += c
    return SuiteResult(name=NAME, checks=checks, data=data)


if __name__ == "__main__":
    from validation.cli import suite_main

    sys.exit(suite_main(NAME))
