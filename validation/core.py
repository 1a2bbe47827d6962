"""Shared vocabulary of the validation suites: profiles, tasks, seeds, checks, calibration, suite results.

A suite module (``validation.<name>``) provides
``plan(profile, role) -> list[Task]`` (independent simulations, each a call
``validation.<module>.<function>(**params)`` returning plain JSON-able data) and
``evaluate(profile, outputs, calibration) -> SuiteResult`` (the checks, from the outputs in plan order).
Simulations run in worker processes (:mod:`validation.parallel`); evaluation and all theory curves
computed from sizes alone run in the parent.

**Seeds.** Every simulation seed is a child of ``SeedSequence(ROOT_SEED)`` keyed by (suite, role, index)
(:func:`task_seed`). The role is ``"check"`` for the runs a validation judges and ``"calibration"`` for
the runs :mod:`validation.calibrate` uses to measure scatter: the two sets are disjoint by construction.

**Tolerance policy** (docs/validation.md, "Tolerance policy"). A comparison's error is the mean over the
check seeds of the per-seed error ``e = p − s`` (or ``(p − s)/s`` when relative), and it passes iff

    |mean e| ≤ bias + K · scatter / √seeds,

where ``bias`` is the allowed systematic error of the theory (a constant of the check, the same in every
profile), ``scatter`` is the seed-to-seed standard deviation of ``e`` measured on calibration seeds at
this profile's sizes (``validation/calibration.json``, written by ``python -m validation.calibrate``),
and ``K = 3``. No tolerance is computed from the seeds it judges. Bounds (``mean ≤ limit``, ``min ≥
limit``, …) compare a statistic of the simulation with a fixed limit. A check with ``gating=False`` is an
**open target**: a quantity the theory does not yet predict within the tolerance it should; it is reported
in its own table with its measured error and does not change the exit code.
"""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

#: Root of every seed: task seeds are children of SeedSequence(ROOT_SEED) keyed by (suite, role, index).
ROOT_SEED = 20251124
#: Seed roles: "check" seeds are judged, "calibration" seeds measure the scatter tolerances use.
ROLES: dict[str, int] = {"check": 0, "calibration": 1}
#: Standard errors allowed on top of the bias allowance (two-sided 3σ: a false alarm per check ≈ 0.3 %).
K_SIGMA = 3.0
#: The calibration file shipped with the package (``python -m validation.calibrate`` rewrites it).
CALIBRATION_FILE = "calibration.json"


@dataclass(frozen=True)
class Profile:
    """Sizes and seed counts of one validation run.

    One-step suites use input dimension ``d`` with ``h = 3d/2``, ``n = 2d`` (the defaults at d = 1000);
    the BBP suite runs at ``bbp_d`` (its per-seed threshold estimate scatters like d^−⅓ while a seed costs
    like d³, so many seeds at a smaller size measure the threshold best);
    ``finite_size_ds`` are the dimensions of the finite-size suite, ``finite_size_draws`` the number of
    cheap plug-in draws per size behind its control-variate estimate; the multi-step suite trains at
    ``multi_step_d`` and compares n with ``multi_step_large_n`` (both in units of d).
    ``calibration_seeds`` is the number of calibration seeds per simulation kind.
    """

    name: str
    d: int
    seeds: int
    bbp_d: int
    bbp_seeds: int
    spiked_shapes: tuple[tuple[int, int], ...]
    spiked_seeds: int
    finite_size_ds: tuple[int, ...]
    finite_size_seeds: int
    finite_size_draws: int
    multi_step_d: int
    multi_step_seeds: int
    multi_step_large_n: int
    calibration_seeds: int = 8

    def seeds_for(self, kind: str, role: str) -> int:
        """Number of seeds of a simulation kind (``seeds``, ``bbp_seeds``, …) for a role: the profile's
        count for check seeds, ``calibration_seeds`` (at least 2) for calibration seeds."""
        return getattr(self, kind) if role == "check" else max(self.calibration_seeds, 2)


PROFILES: dict[str, Profile] = {
    "quick": Profile(name="quick", d=1000, seeds=4, bbp_d=500, bbp_seeds=128, spiked_shapes=((1500, 1000), (1000, 2000)),
                     spiked_seeds=16, finite_size_ds=(250, 500, 1000), finite_size_seeds=4, finite_size_draws=384,
                     multi_step_d=1000, multi_step_seeds=3, multi_step_large_n=4, calibration_seeds=8),
    "full": Profile(name="full", d=1000, seeds=8, bbp_d=1000, bbp_seeds=128,
                    spiked_shapes=((1500, 1000), (1000, 2000), (2000, 2000)), spiked_seeds=6,
                    finite_size_ds=(250, 500, 1000, 2000), finite_size_seeds=6, finite_size_draws=192,
                    multi_step_d=1000, multi_step_seeds=4, multi_step_large_n=8, calibration_seeds=8),
}


@dataclass(frozen=True)
class Task:
    """One independent simulation: ``validation.<module>.<function>(**params)``."""

    module: str
    function: str
    params: dict[str, Any]
    cost: float = 1.0  # relative run time, only used to start long tasks first


def task_seed(suite: str, index: int, role: str = "check") -> int:
    """Seed of the index-th simulation of a suite for a role ("check" or "calibration"): a child of
    SeedSequence(ROOT_SEED) keyed by (crc32 of the suite name, role code, index), so it depends neither on
    scheduling nor on other suites, and check and calibration seeds never coincide."""
    if role not in ROLES:
        raise ValueError(f"role={role!r}: expected one of {sorted(ROLES)}")
    key = (zlib.crc32(suite.encode()), ROLES[role], index)
    return int(np.random.SeedSequence(ROOT_SEED, spawn_key=key).generate_state(1, dtype=np.uint32)[0])


# --------------------------------------------------------------------------- calibration


class CalibrationError(ValueError):
    """The calibration file is unreadable, lacks an entry a check needs, or holds an entry that is not a
    finite positive scatter (rerun ``python -m validation.calibrate``): bad input, exit 2 in the CLI
    (``validation.cli``)."""


def _calibration_text(path: str | Path | None) -> tuple[str, str]:
    """(text, name) of the calibration file at `path` (default: the file shipped in this package)."""
    source = Path(path) if path is not None else resources.files("validation").joinpath(CALIBRATION_FILE)
    try:
        return source.read_text(encoding="utf-8"), str(source)
    except (OSError, UnicodeDecodeError) as err:
        raise CalibrationError(f"calibration file {source}: cannot be read ({err})") from None


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def values_digest(run: dict, scatter: dict, mean: dict, constants: dict) -> str:
    """sha256 (16 hex digits) of one suite's recorded numbers (its keys' scatter and mean, its constants):
    written by the calibration, compared when loading, so a number edited by hand is noticed."""
    values = {"scatter": {k: scatter.get(k) for k in run["keys"]}, "mean": {k: mean.get(k) for k in run["keys"]},
              "constants": {k: constants.get(k) for k in run.get("constants", [])}}
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]


def check_calibration_entry(entry: Any, profile: str, suites: tuple[str, ...], where: str) -> None:
    """Raise :class:`CalibrationError` naming `where` (the file), the entry and the problem unless the
    profile's `entry` records every suite of `suites` (its fingerprint and check keys), every key's
    scatter is a finite positive number (its mean, where recorded, and every constant a finite number) and
    the suite's numbers match the checksum the calibration wrote (:func:`values_digest`)."""
    def fail(what: str, problem: str, suite: str | None = None) -> None:
        redo = f"python -m validation.calibrate --profile {profile}" + (f" --only {suite}" if suite else "")
        raise CalibrationError(f"calibration file {where}: profile {profile!r}, {what}: {problem} (rerun {redo})")

    if not isinstance(entry, dict):
        fail("entry", f"expected an object, got {type(entry).__name__}")
    for part in ("scatter", "runs"):
        if not isinstance(entry.get(part), dict):
            fail(f"'{part}'", "missing or not an object")
    scatter, mean, constants = entry["scatter"], entry.get("mean", {}), entry.get("constants", {})
    if not isinstance(mean, dict) or not isinstance(constants, dict):
        fail("'mean' or 'constants'", "not an object")
    for suite in suites:
        run = entry["runs"].get(suite)
        if not isinstance(run, dict) or not isinstance(run.get("fingerprint"), dict) or not isinstance(
                run.get("keys"), list) or not run["keys"]:
            fail(f"suite {suite!r}", "no calibration run with a fingerprint and its check keys", suite)
        for key in run["keys"]:
            value = scatter.get(key)
            if not _is_real(value) or not math.isfinite(value) or value <= 0:
                problem = "missing" if key not in scatter else f"{value!r} is not a finite positive number"
                fail(f"scatter[{key!r}]", problem, suite)
            if key in mean and not (_is_real(mean[key]) and math.isfinite(mean[key])):
                fail(f"mean[{key!r}]", f"{mean[key]!r} is not a finite number", suite)
        for key in run.get("constants", []):
            value = constants.get(key)
            if not _is_real(value) or not math.isfinite(value):
                problem = "missing" if value is None else f"{value!r} is not a finite number"
                fail(f"constants[{key!r}]", problem, suite)
        if run.get("values") != values_digest(run, scatter, mean, constants):
            fail(f"suite {suite!r}", "its numbers differ from those the calibration wrote (checksum 'values' "
                 "does not match: edited by hand?)", suite)


@dataclass
class Calibration:
    """Seed-to-seed scatter of every check's per-seed error, measured on calibration seeds.

    ``scatter[key]`` is the sample standard deviation (ddof = 1) of the per-seed error of the check with
    that key; ``meta`` says how it was produced (profile sizes, seeds, date, code version, command, and
    per suite in ``meta["runs"]`` its date, fingerprint and check keys, :mod:`validation.fingerprint`).
    In recording mode (:meth:`recorder`) the calibration collects the scatter of what it observes instead.
    """

    profile: str
    scatter: dict[str, float]
    meta: dict[str, Any] = field(default_factory=dict)
    recording: bool = False
    #: mean of each recorded error on the calibration seeds: the measured bias, for the record
    mean: dict[str, float] = field(default_factory=dict)
    #: constants of a check's measurement rule measured in calibration runs (e.g. the BBP suite's c★)
    constants: dict[str, float] = field(default_factory=dict)

    @classmethod
    def recorder(cls, profile: str) -> Calibration:
        """An empty calibration that records the scatter of every observed error (calibration runs)."""
        return cls(profile=profile, scatter={}, recording=True)

    @classmethod
    def load(cls, profile: str, path: str | Path | None = None, suites: tuple[str, ...] | None = None) -> Calibration:
        """The calibration of `profile` from `path` (default: the file shipped in this package), checked
        (:func:`check_calibration_entry`) for the suites in `suites` (default: all) before anything runs."""
        from validation import SUITES

        text, where = _calibration_text(path)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise CalibrationError(f"calibration file {where}: not valid JSON ({err})") from None
        profiles = data.get("profiles") if isinstance(data, dict) else None
        if not isinstance(profiles, dict) or profile not in profiles:
            raise CalibrationError(f"calibration file {where} has no profile {profile!r}: run "
                                   f"python -m validation.calibrate --profile {profile}")
        entry = profiles[profile]
        check_calibration_entry(entry, profile, SUITES if suites is None else tuple(suites), where)
        meta = {k: v for k, v in entry.items() if k not in ("scatter", "mean", "constants")}
        meta.update({k: data[k] for k in ("version", "command") if k in data})
        meta["file"] = where
        return cls(profile=profile, scatter=dict(entry["scatter"]), meta=meta, mean=dict(entry.get("mean", {})),
                   constants=dict(entry.get("constants", {})))

    def stale(self, profile: Profile, suites: tuple[str, ...]) -> dict[str, list[str]]:
        """Suite → what changed since its calibration, for every suite of `suites` whose fingerprint
        (:mod:`validation.fingerprint`: code it reaches, profile, calibration tasks) differs now."""
        import importlib

        from validation.fingerprint import differences, package_roots, suite_fingerprint

        roots = package_roots()
        out = {}
        for suite in suites:
            recorded = self.meta.get("runs", {}).get(suite, {}).get("fingerprint", {})
            plan = importlib.import_module(f"validation.{suite}").plan(profile, "calibration")
            changes = differences(recorded, suite_fingerprint(suite, profile, plan, roots))
            if changes:
                out[suite] = changes
        return out

    def observe(self, key: str, errors: Any, scatter: float | None = None) -> None:
        """Recording mode: remember the sample sd of `errors` (per-seed errors) under `key`, or `scatter`
        when given (a check whose statistic is not a mean, e.g. a median: √n × its standard error)."""
        if self.recording:
            e = np.asarray(errors, dtype=float)
            sd = float(np.std(e, ddof=1)) if e.size > 1 else math.nan
            self.scatter[key] = sd if scatter is None else float(scatter)
            self.mean[key] = float(np.mean(e))

    def record_constant(self, key: str, value: float) -> None:
        """Recording mode: remember a constant of a measurement rule (ignored when judging)."""
        if self.recording:
            self.constants[key] = float(value)

    def constant(self, key: str) -> float:
        """A constant recorded by the calibration run (:meth:`record_constant`)."""
        try:
            return self.constants[key]
        except KeyError:
            raise CalibrationError(f"no calibrated constant {key!r} in profile {self.profile!r}: "
                                   "run python -m validation.calibrate") from None

    def sd(self, key: str) -> float:
        """The calibrated scatter of `key` (nan while recording)."""
        if self.recording:
            return math.nan
        try:
            return self.scatter[key]
        except KeyError:
            raise CalibrationError(f"no calibrated scatter for {key!r} in profile {self.profile!r}: "
                                   "run python -m validation.calibrate") from None

    def describe(self) -> str:
        """One line naming the calibration (seeds, command) for reports; per-suite dates: :meth:`runs`."""
        m = self.meta
        return (f"calibration of profile {self.profile!r}: role-'calibration' seeds "
                f"({m.get('calibration_seeds', '?')} per simulation kind), `{m.get('command', '?')}`")

    def runs(self) -> dict[str, dict[str, Any]]:
        """Suite → its calibration run's date, code version and command, as recorded."""
        return {suite: {k: run.get(k, "?") for k in ("date", "code_version", "command")}
                for suite, run in self.meta.get("runs", {}).items()}


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
