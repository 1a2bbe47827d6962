"""A suite that exists only for tests (tests/validation/test_new_suite.py): the whole contract of
:mod:`validation.suites` in one small module, registered by one registry entry.

Per seed, the mean of n standard normal draws; checked against 0 (the prediction) with a calibrated
tolerance, and bounded; one figure, a histogram of the means.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from validation.calibration import Calibration
from validation.checks import Judge, SuiteResult
from validation.tasks import Profile, Task, sizes_for, task_seed

NAME = "demo_suite"
SIZES = {"quick": {"n": 50, "seeds": 4}, "full": {"n": 200, "seeds": 8}}


def describe(sizes: Mapping[str, Any]) -> str:
    return f"n = {sizes['n']} draws × {sizes['seeds']} seeds"


def simulate(n: int, seed: int) -> dict:
    return {"seed": seed, "mean": float(np.random.default_rng(seed).standard_normal(n).mean())}


def plan(profile: Profile, role: str = "check") -> list[Task]:
    s = sizes_for(SIZES, profile, NAME)
    return [Task(__name__, "simulate", {"n": s["n"], "seed": task_seed(NAME, i, role)})
            for i in range(profile.seeds_for(s["seeds"], role))]


def evaluate(profile: Profile, outputs: list[dict], calibration: Calibration) -> SuiteResult:
    judge = Judge(NAME, calibration)
    means = np.array([o["mean"] for o in outputs])
    checks = [judge.compare("mean of the draws", np.zeros(means.size), means, relative=False, bias=0.05,
                            reason="E = 0; bias 0.05"),
              judge.bound("largest |mean|", np.abs(means), 1.0, upper=True, worst=True, reason="≈ 7 sd")]
    return SuiteResult(name=NAME, checks=checks, data={"means": means.tolist()})


def figures(data: Mapping[str, dict]) -> dict[str, Figure]:
    return {"demo_suite.png": fig_means(data[NAME])} if NAME in data else {}


def fig_means(data: dict) -> Figure:
    fig = Figure(figsize=(4, 3))
    fig.subplots().hist(data["means"], bins=5)
    return fig
