"""Shared vocabulary of the validation suites: profiles, tasks, seeds, checks and suite results.

A suite module (``validation.<name>``) provides
``plan(profile) -> list[Task]`` (independent simulations, each a call ``validation.<module>.<function>(**params)``
returning plain JSON-able data) and ``evaluate(profile, outputs) -> SuiteResult`` (the checks, from the
outputs in plan order). Simulations run in worker processes (:mod:`validation.parallel`); evaluation and
all theory curves run in the parent.

A check compares a simulated quantity (mean ± sd over seeds) with a prediction and passes iff
``error ≤ tolerance``; how the error is formed is stated in its ``error_kind``:
``|mean rel|`` = |mean over seeds of (prediction − simulation)/simulation|, ``max |rel|`` = the worst seed's
relative error, ``|mean abs|`` / ``max |abs|`` the same for absolute differences; bounds (``mean ≤ bound``,
``min ≥ bound``, …) compare a statistic of the simulation with a limit, which is then both the
prediction and the tolerance.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

#: Root of every seed: task seeds are children of SeedSequence(ROOT_SEED) keyed by (suite, index).
ROOT_SEED = 20251124


@dataclass(frozen=True)
class Profile:
    """Sizes and seed counts of one validation run.

    One-step suites use input dimension ``d`` with ``h = 3d/2``, ``n = 2d`` (the defaults at d = 1000);
    ``finite_size_ds`` are the dimensions of the finite-size suite; the multi-step suite trains at
    ``multi_step_d`` and compares n with ``multi_step_large_n`` (both in units of d).
    """

    name: str
    d: int
    seeds: int
    bbp_seeds: int
    spiked_shapes: tuple[tuple[int, int], ...]
    spiked_seeds: int
    finite_size_ds: tuple[int, ...]
    finite_size_seeds: int
    multi_step_d: int
    multi_step_seeds: int
    multi_step_large_n: int


PROFILES: dict[str, Profile] = {
    "quick": Profile(name="quick", d=500, seeds=4, bbp_seeds=12, spiked_shapes=((1500, 1000), (1000, 2000)),
                     spiked_seeds=3, finite_size_ds=(125, 250, 500, 1000), finite_size_seeds=6,
                     multi_step_d=1000, multi_step_seeds=1, multi_step_large_n=4),
    "full": Profile(name="full", d=1000, seeds=8, bbp_seeds=24,
                    spiked_shapes=((1500, 1000), (1000, 2000), (2000, 2000)), spiked_seeds=6,
                    finite_size_ds=(250, 500, 1000, 2000), finite_size_seeds=8,
                    multi_step_d=1000, multi_step_seeds=2, multi_step_large_n=8),
}


@dataclass(frozen=True)
class Task:
    """One independent simulation: ``validation.<module>.<function>(**params)``."""

    module: str
    function: str
    params: dict[str, Any]
    cost: float = 1.0  # relative run time, only used to start long tasks first


def task_seed(suite: str, index: int) -> int:
    """Seed of the index-th simulation of a suite: a child of SeedSequence(ROOT_SEED), keyed by
    (crc32 of the suite name, index), so it does not depend on scheduling or on other suites."""
    child = np.random.SeedSequence(ROOT_SEED, spawn_key=(zlib.crc32(suite.encode()), index))
    return int(child.generate_state(1, dtype=np.uint32)[0])


@dataclass(frozen=True)
class Check:
    """One PASS/FAIL comparison (see the module docstring for ``error_kind``)."""

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

    @property
    def passed(self) -> bool:
        if not np.isfinite(self.error):
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
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def worst(self) -> Check | None:
        """The first failing check, else the passing comparison with the largest error/tolerance, else
        the first check (bounds and sign tests only), else None."""
        failing = [c for c in self.checks if not c.passed]
        if failing:
            return failing[0]
        scored = [c for c in self.checks if c.comparison and c.tolerance > 0]
        if not scored:
            return self.checks[0] if self.checks else None
        return max(scored, key=lambda c: c.error / c.tolerance, default=None)


def mean_sd(values: Any) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof = 1; 0 for a single value)."""
    x = np.asarray(values, dtype=float)
    return float(x.mean()), float(x.std(ddof=1)) if x.size > 1 else 0.0


def compare(name: str, predicted: Any, simulated: Any, tolerance: float, *, relative: bool, worst: bool,
            reason: str) -> Check:
    """Check per-seed predictions against per-seed simulations (arrays over seeds).

    Error per seed ``e = p − s`` (or ``(p − s)/s`` when ``relative``); the check's error is ``max |e|``
    when ``worst`` (each seed must match: plug-in forms), else ``|mean e|`` (asymptotic forms, whose
    seed-to-seed scatter averages out).
    """
    p = np.asarray(predicted, dtype=float)
    s = np.asarray(simulated, dtype=float)
    e = (p - s) / s if relative else p - s
    error = float(np.max(np.abs(e))) if worst else float(abs(np.mean(e)))
    kind = ("max" if worst else "|mean") + (" |rel|" if relative else " |abs|")
    kind = kind.replace("|mean |", "|mean ")
    sim_mean, sim_sd = mean_sd(s)
    return Check(name=name, prediction=float(p.mean()), sim_mean=sim_mean, sim_sd=sim_sd, error=error,
                 tolerance=float(tolerance), error_kind=kind, reason=reason)


def bound(name: str, simulated: Any, limit: float, *, upper: bool, reason: str, worst: bool = False) -> Check:
    """Check that the mean (or, with ``worst``, every value) of `simulated` is ≤ `limit` (``upper``) or ≥ it.

    The statistic (mean, or max/min over seeds) is the check's error, the limit its tolerance and its
    prediction, ``relation`` the direction.
    """
    x = np.asarray(simulated, dtype=float)
    sim_mean, sim_sd = mean_sd(x)
    statistic = (x.max() if upper else x.min()) if worst else sim_mean
    relation = "≤" if upper else "≥"
    kind = (("max" if upper else "min") if worst else "mean") + f" {relation} bound"
    return Check(name=name, prediction=float(limit), sim_mean=sim_mean, sim_sd=sim_sd, error=float(statistic),
                 tolerance=float(limit), error_kind=kind, reason=reason, comparison=False, relation=relation)
