"""Checks and the tolerance policy: how a suite turns simulations and predictions into PASS/FAIL rows.

A suite's ``evaluate(profile, outputs, calibration)`` builds its :class:`Check` rows with a
:class:`Judge` and returns a :class:`SuiteResult`.

**Tolerance policy** (docs/validation.md, "Tolerance policy"). A comparison's error is the mean over the
check seeds of the per-seed error ``e = p − s`` (or ``(p − s)/s`` when relative), and it passes iff

    |mean e| ≤ bias + K · scatter / √seeds,

where ``bias`` is the allowed systematic error of the theory (a constant of the check, the same in every
profile), ``scatter`` is the seed-to-seed standard deviation of ``e`` measured on calibration seeds at
this profile's sizes (``validation/calibration.json``, written by ``python -m validation.calibrate``,
:mod:`validation.calibration`), and ``K = 3``. No tolerance is computed from the seeds it judges. Bounds
(``mean ≤ limit``, ``min ≥ limit``, …) compare a statistic of the simulation with a fixed limit. A check
with ``gating=False`` is an **open target**: a quantity the theory does not yet predict within the
tolerance it should; it is reported in its own table with its measured error and does not change the
exit code.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from validation.calibration import Calibration

#: Standard errors allowed on top of the bias allowance (two-sided 3σ: a false alarm per check ≈ 0.3 %).
K_SIGMA = 3.0


def tolerance(calibration: Calibration, key: str, bias: float, seeds: int) -> tuple[float, float]:
    """``(bias + K·scatter/√seeds, scatter)`` for the check `key` (the module docstring's policy)."""
    sd = calibration.sd(key)
    return bias + K_SIGMA * sd / math.sqrt(seeds), sd


@dataclass(frozen=True)
class Check:
    """One PASS/FAIL comparison or bound (see the module docstring).

    ``bias`` and ``scatter`` are the two parts of a comparison's tolerance (nan for bounds); ``seeds`` is
    the number of check seeds behind the simulated statistic; ``gating=False`` marks an open target
    (reported, never changes the exit code) and ``target`` then states the tolerance the theory should
    reach.
    """

    name: str
    prediction: float
    sim_mean: float
    sim_sd: float
    error: float
    tolerance: float
    error_kind: str
    reason: str
    comparison: bool = True  # False for bounds and sign tests, whose error/tolerance ratio means nothing
    relation: str = "≤"  # passes iff error ≤ tolerance, or error ≥ tolerance for "≥" (lower bounds)
    bias: float = math.nan
    scatter: float = math.nan
    seeds: int = 0
    gating: bool = True
    target: str = ""
    #: open targets only: one line on why the row is still open (what the theory lacks)
    why_open: str = ""

    @property
    def passed(self) -> bool:
        if not np.isfinite(self.error) or not np.isfinite(self.tolerance):
            return False
        return bool(self.error >= self.tolerance if self.relation == "≥" else self.error <= self.tolerance)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}


@dataclass
class SuiteResult:
    """Checks of one suite plus the data its figures and results.json need."""

    name: str
    checks: list[Check]
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def gating(self) -> list[Check]:
        """The checks that decide the exit code."""
        return [c for c in self.checks if c.gating]

    @property
    def open_targets(self) -> list[Check]:
        """Quantities the theory does not yet predict within the tolerance it should (never gating)."""
        return [c for c in self.checks if not c.gating]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.gating)

    def worst(self) -> Check | None:
        """The first failing gating check, else the passing gating comparison with the largest
        error/tolerance, else the first gating check (bounds only), else None."""
        checks = self.gating
        failing = [c for c in checks if not c.passed]
        if failing:
            return failing[0]
        scored = [c for c in checks if c.comparison and c.tolerance > 0]
        if not scored:
            return checks[0] if checks else None
        return max(scored, key=lambda c: c.error / c.tolerance, default=None)


def mean_sd(values: Any) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof = 1; 0 for a single value)."""
    x = np.asarray(values, dtype=float)
    return float(x.mean()), float(x.std(ddof=1)) if x.size > 1 else 0.0


def per_seed_errors(predicted: Any, simulated: Any, relative: bool) -> np.ndarray:
    """``p − s`` or ``(p − s)/s`` per seed."""
    p = np.asarray(predicted, dtype=float)
    s = np.asarray(simulated, dtype=float)
    return (p - s) / s if relative else p - s


@dataclass
class Judge:
    """Builds the checks of one suite under the tolerance policy of the module docstring.

    ``calibration`` supplies the scatter of each check (by ``"<suite>/<check name>"``); in recording mode
    it collects that scatter instead (calibration runs), and every comparison then fails harmlessly.
    """

    suite: str
    calibration: Calibration

    def key(self, name: str) -> str:
        return f"{self.suite}/{name}"

    def compare(self, name: str, predicted: Any, simulated: Any, *, relative: bool, bias: float, reason: str,
                gating: bool = True, target: str = "") -> Check:
        """Mean per-seed error against ``bias + K·scatter/√seeds`` (scatter from the calibration)."""
        e = per_seed_errors(predicted, simulated, relative)
        return self.estimate(name, float(np.mean(e)), np.asarray(predicted, dtype=float).mean(),
                             np.asarray(simulated, dtype=float), e, relative=relative, bias=bias, reason=reason,
                             gating=gating, target=target)

    def estimate(self, name: str, error: float, prediction: float, simulated: np.ndarray, observed: np.ndarray, *,
                 relative: bool, bias: float, reason: str, seeds: int | None = None, gating: bool = True,
                 target: str = "", scatter: float | None = None) -> Check:
        """A comparison whose error estimate is `error` (signed); `observed` are the per-seed values whose
        scatter the calibration records for this check (or `scatter`, when given: √n × the standard error
        of a statistic that is not a mean), ``seeds`` their count in the standard error."""
        key = self.key(name)
        self.calibration.observe(key, observed, scatter)
        count = int(np.size(observed)) if seeds is None else seeds
        tol, sd = tolerance(self.calibration, key, bias, count)
        sim_mean, sim_sd = mean_sd(simulated)
        kind = "|mean rel|" if relative else "|mean abs|"
        return Check(name=name, prediction=float(prediction), sim_mean=sim_mean, sim_sd=sim_sd, error=abs(error),
                     tolerance=tol, error_kind=kind, reason=reason, bias=bias, scatter=sd, seeds=count,
                     gating=gating, target=target)

    def bound(self, name: str, simulated: Any, limit: float, *, upper: bool, reason: str, worst: bool = False,
              gating: bool = True) -> Check:
        """Check that the mean (or, with ``worst``, every value) of `simulated` is ≤ `limit` (``upper``) or
        ≥ it. The statistic is the check's error, the limit its tolerance and prediction."""
        x = np.asarray(simulated, dtype=float)
        sim_mean, sim_sd = mean_sd(x)
        statistic = (x.max() if upper else x.min()) if worst else sim_mean
        relation = "≤" if upper else "≥"
        kind = (("max" if upper else "min") if worst else "mean") + f" {relation} bound"
        return Check(name=name, prediction=float(limit), sim_mean=sim_mean, sim_sd=sim_sd, error=float(statistic),
                     tolerance=float(limit), error_kind=kind, reason=reason, comparison=False, relation=relation,
                     seeds=int(x.size), gating=gating)

    def calibrated_bound(self, name: str, simulated: Any, limit: float, *, upper: bool, reason: str) -> Check:
        """Bound on the mean with a calibrated margin: mean ≤ limit + K·scatter/√seeds (or ≥ limit − …),
        the scatter being the calibrated seed-to-seed sd of the simulated value."""
        x = np.asarray(simulated, dtype=float)
        key = self.key(name)
        self.calibration.observe(key, x)
        margin, sd = tolerance(self.calibration, key, 0.0, x.size)
        check = self.bound(name, x, limit + margin if upper else limit - margin, upper=upper, reason=reason)
        return replace(check, scatter=sd)
