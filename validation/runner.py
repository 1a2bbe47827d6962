"""Run validation suites: plan every suite's simulations, run them all in one (parallel) batch, evaluate.

Suites (modules of :mod:`validation`, in report order): :data:`validation.SUITES`. Each exposes
``plan(profile)`` and ``evaluate(profile, outputs)`` (:mod:`validation.core`).
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass

from validation import SUITES
from validation.core import Profile, SuiteResult, Task
from validation.parallel import run_tasks


@dataclass
class Validation:
    """Outcome of a validation run: per-suite results, the profile, worker count and wall time."""

    profile: Profile
    suites: list[SuiteResult]
    workers: int
    wall_time: float

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.suites)

    @property
    def exit_code(self) -> int:
        """0 iff every check passed, else 1."""
        return 0 if self.passed else 1


def _schedule(tasks: list[Task]) -> list[int]:
    """Indices of `tasks`, the most expensive first (stable), so the pool is not left waiting on one."""
    return sorted(range(len(tasks)), key=lambda i: -tasks[i].cost)


def run_validation(profile: Profile, only: tuple[str, ...] | None = None, workers: int = 1,
                   progress: bool = True) -> Validation:
    """Plan, simulate (``workers`` processes; 0 = in this process, see :mod:`validation.parallel`) and
    evaluate the suites named in `only` (all by default)."""
    start = time.perf_counter()
    names = [s for s in SUITES if only is None or s in only]
    modules = {name: importlib.import_module(f"validation.{name}") for name in names}
    plans = {name: modules[name].plan(profile) for name in names}
    tasks = [task for name in names for task in plans[name]]
    order = _schedule(tasks)
    outputs_in_order = run_tasks([tasks[i] for i in order], workers=workers, progress=progress)
    outputs = [None] * len(tasks)
    for slot, i in enumerate(order):
        outputs[i] = outputs_in_order[slot]
    results, offset = [], 0
    for name in names:
        count = len(plans[name])
        results.append(modules[name].evaluate(profile, outputs[offset:offset + count]))
        offset += count
    return Validation(profile=profile, suites=results, workers=workers, wall_time=time.perf_counter() - start)
