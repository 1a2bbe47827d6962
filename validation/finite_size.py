"""Finite-size error of the asymptotic one-step predictions (suite `finite_size`).

At d in the profile's ladder (h = 3d/2, n = 2d, the default ratios) and several seeds, one GD and one
Adam step at η = 6·η_c (well above the BBP threshold, where the bulk is still the iid one) are simulated
(``validation.onestep``) and compared with ``theory.predict_one_step`` using each seed's realised A and ā.
The error of a quantity at size d is the root-mean-square over seeds of the per-seed error (relative for
σ1 and per-neuron alignment, absolute for overlaps and q); it includes the seed-to-seed scatter from the
f0 fluctuations (relative sd √(2/d)) and any finite-size bias. A least-squares fit of log(error) on
log(d) must have a negative slope for every quantity: the asymptotic forms become exact as d grows
(an O(1) bias would show up as a slope ≈ 0).
"""

from __future__ import annotations

import math
import sys

import numpy as np

from validation.core import Check, Profile, SuiteResult, Task, task_seed
from validation.onestep import per_seed

NAME = "finite_size"
MULTIPLE = 6.0
#: (label, optimizer, quantity, relative error?)
QUANTITIES = (
    ("GD σ1", "gd", "sigma1", True),
    ("GD ⟨v1,β⟩²", "gd", "overlap_beta", False),
    ("GD ⟨u1,a⟩²", "gd", "overlap_a", False),
    ("GD per-neuron cos²", "gd", "per_neuron_alignment", True),
    ("Adam σ1", "adam", "sigma1", True),
    ("Adam ⟨v1,β⟩²", "adam", "overlap_beta", False),
    ("Adam q", "adam", "signal_fraction", False),
)


def plan(profile: Profile) -> list[Task]:
    """One task per (d, seed), both optimizers at η = 6·η_c."""
    grid = {"gd": [MULTIPLE], "adam": [MULTIPLE]}
    return [Task("onestep", "simulate", {"d": d, "seed": task_seed(NAME, k * 1000 + i), "grid": grid},
                 cost=(d / 1000) ** 3)
            for k, d in enumerate(profile.finite_size_ds) for i in range(profile.finite_size_seeds)]


def rms_error(outputs: list[dict], optimizer: str, key: str, relative: bool) -> float:
    """Root-mean-square over seeds of the asymptotic prediction's error."""
    pred = per_seed(outputs, optimizer, "asymptotic", key)[:, 0]
    sim = per_seed(outputs, optimizer, "sim", key)[:, 0]
    e = (pred - sim) / sim if relative else pred - sim
    return float(np.sqrt(np.mean(e * e)))


def loglog_slope(ds: np.ndarray, errors: np.ndarray) -> tuple[float, float, float]:
    """Least-squares fit log(err) = c + b·log(d): returns (b, standard error of b, c)."""
    x, y = np.log(ds), np.log(errors)
    (b, c), res, *_ = np.polyfit(x, y, 1, full=True)
    dof = max(x.size - 2, 1)
    se = math.sqrt(float(res[0]) / dof / np.sum((x - x.mean()) ** 2)) if res.size else 0.0
    return float(b), se, float(c)


def evaluate(profile: Profile, outputs: list[dict]) -> SuiteResult:
    """One slope check per quantity; data: the error ladder and fits for the figure."""
    ds = np.array(profile.finite_size_ds, dtype=float)
    seeds = profile.finite_size_seeds
    groups = [outputs[k * seeds:(k + 1) * seeds] for k in range(ds.size)]
    checks, data = [], {"d": ds.tolist(), "multiple": MULTIPLE, "quantities": {}}
    for label, optimizer, key, relative in QUANTITIES:
        errors = np.array([rms_error(g, optimizer, key, relative) for g in groups])
        slope, se, intercept = loglog_slope(ds, errors)
        checks.append(Check(name=f"slope of log error vs log d: {label}", prediction=0.0, sim_mean=slope, sim_sd=se,
                            error=slope, tolerance=0.0, error_kind="slope ≤ 0",
                            reason="asymptotic forms are exact as d → ∞ (docstring); sd = fit standard error",
                            comparison=False))
        data["quantities"][label] = {"errors": errors.tolist(), "relative": relative, "slope": slope,
                                     "slope_se": se, "intercept": intercept}
    data["per_seed"] = outputs
    return SuiteResult(name=NAME, checks=checks, data=data)


if __name__ == "__main__":
    from validation.cli import suite_main

    sys.exit(suite_main(NAME))
