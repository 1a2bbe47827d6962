"""Run validation suites: plan every suite's simulations, run them all in one (parallel) batch, evaluate.

The suites are passed in as modules (the contract: :mod:`validation.suites`; the list in report order:
:mod:`validation.registry`, which this framework never imports). Each exposes ``plan(profile, role)``
and ``evaluate(profile, outputs, calibration)``. The two phases are separate functions so that the
perturbation tests and ``python -m validation.power`` can simulate once and evaluate many times.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from validation.calibration import Calibration
from validation.checks import SuiteResult
from validation.parallel import run_tasks
from validation.tasks import Profile, Task


@dataclass
class Simulations:
    """The outputs of every planned task, by suite, for one profile and seed role, and the suite modules
    that planned them (by name, in report order)."""

    profile: Profile
    role: str
    outputs: dict[str, list]
    workers: int
    wall_time: float
    suites: dict[str, ModuleType] = field(default_factory=dict)


@dataclass
class Validation:
    """Outcome of a validation run: per-suite results, the profile, its calibration, worker count, wall
    time and the code version that produced it; ``modules`` are the suite modules that ran (by name, in
    report order: the report asks them for their sizes and figures)."""

    profile: Profile
    suites: list[SuiteResult]
    workers: int
    wall_time: float
    calibration: Calibration | None = None
    code_version: str = ""
    simulations: Simulations | None = None
    #: (perturbed prediction, detection limit) rows of ``validation.power``, when asked for
    detection_limits: list[tuple[str, str]] | None = None
    #: suite → what changed since its calibration, for suites judged with a stale calibration (accepted)
    stale: dict[str, list[str]] = field(default_factory=dict)
    modules: dict[str, ModuleType] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.suites)

    @property
    def exit_code(self) -> int:
        """0 iff every gating check passed, else 1 (open targets never change it)."""
        return 0 if self.passed else 1


def code_version() -> str:
    """``git describe --always --dirty`` of the checkout this package runs from, else the package version."""
    from importlib.metadata import PackageNotFoundError, version

    root = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty", "--tags"],
                             capture_output=True, text=True, timeout=10)
        if out.returncode == 0 and out.stdout.strip() and (root / ".git").exists():
            return f"git {out.stdout.strip()}"
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return f"htcore {version('htcore')}"
    except PackageNotFoundError:
        return "unknown"


def _schedule(tasks: list[Task]) -> list[int]:
    """Indices of `tasks`, the most expensive first (stable), so the pool is not left waiting on one."""
    return sorted(range(len(tasks)), key=lambda i: -tasks[i].cost)


def by_name(suites: Sequence[ModuleType]) -> dict[str, ModuleType]:
    """Suite modules by their ``NAME``, in the given order; ValueError if two share a name."""
    out = {module.NAME: module for module in suites}
    if len(out) != len(suites):
        raise ValueError(f"two suites share a name: {[m.NAME for m in suites]}")
    return out


def simulate(profile: Profile, suites: Sequence[ModuleType], workers: int = 1, progress: bool = True,
             role: str = "check") -> Simulations:
    """Plan the tasks of the suite modules `suites` for the seed `role` and run them (``workers``
    processes; 0 = in this process)."""
    start = time.perf_counter()
    modules = by_name(suites)
    plans = {name: module.plan(profile, role) for name, module in modules.items()}
    tasks = [task for name in modules for task in plans[name]]
    suite_of = [name for name in modules for _ in plans[name]]
    order = _schedule(tasks)
    outputs_in_order = run_tasks([tasks[i] for i in order], workers=workers, progress=progress,
                                 labels=[suite_of[i] for i in order])
    outputs: list = [None] * len(tasks)
    for slot, i in enumerate(order):
        outputs[i] = outputs_in_order[slot]
    by_suite, offset = {}, 0
    for name in modules:
        by_suite[name] = outputs[offset:offset + len(plans[name])]
        offset += len(plans[name])
    return Simulations(profile=profile, role=role, outputs=by_suite, workers=workers,
                       wall_time=time.perf_counter() - start, suites=modules)


def evaluate(sims: Simulations, calibration: Calibration) -> list[SuiteResult]:
    """Every simulated suite's checks under `calibration`."""
    return [sims.suites[name].evaluate(sims.profile, outputs, calibration) for name, outputs in sims.outputs.items()]


class StaleCalibration(RuntimeError):
    """Suites whose calibration no longer matches the code, sizes or seeds (``stale``: suite → changes)."""

    def __init__(self, profile: str, stale: dict[str, list[str]]):
        self.stale = stale
        lines = [f"calibration stale: suite {suite!r} (profile {profile!r}): {'; '.join(changes)}"
                 for suite, changes in stale.items()]
        redo = f"python -m validation.calibrate --profile {profile} --only {' '.join(stale)}"
        super().__init__("\n".join(lines + [f"recalibrate with: {redo} (or pass --accept-stale-calibration to "
                                             "judge with it anyway; the report then marks those suites)"]))


def run_validation(profile: Profile, suites: Sequence[ModuleType], workers: int = 1, progress: bool = True,
                   calibration: Calibration | None = None, accept_stale: bool = False) -> Validation:
    """Simulate the check seeds of the suite modules `suites` and judge them with the profile's
    calibration (the shipped ``validation/calibration.json`` unless one is given).

    Before any simulation the calibration is checked: every suite needs its entries
    (:class:`validation.calibration.CalibrationError` otherwise) and a fingerprint that matches the code
    now (:class:`StaleCalibration` otherwise, unless `accept_stale`: then the stale suites are recorded in
    ``Validation.stale`` and the report marks them)."""
    start = time.perf_counter()
    modules = by_name(suites)
    calibration = calibration if calibration is not None else Calibration.load(profile.name, None, tuple(modules))
    stale = calibration.stale(profile, list(modules.values()))
    if stale and not accept_stale:
        raise StaleCalibration(profile.name, stale)
    sims = simulate(profile, list(modules.values()), workers, progress)
    results = evaluate(sims, calibration)
    return Validation(profile=profile, suites=results, workers=workers, wall_time=time.perf_counter() - start,
                      calibration=calibration, code_version=code_version(), simulations=sims, stale=stale,
                      modules=modules)
