"""The calibration: the seed-to-seed scatter every tolerance uses, read from a checked file.

``python -m validation.calibrate`` runs every suite on calibration seeds (:func:`validation.tasks.task_seed`,
role ``"calibration"``) with a recording :class:`Calibration` and writes the file
(``validation/calibration.json``, shipped with the package): per profile the scatter (and mean) of every
check's per-seed error, the constants a measurement rule needs, and per suite its date, code version,
command, fingerprint (:mod:`validation.fingerprint`) and check keys, with a checksum of its numbers.
:meth:`Calibration.load` checks the file (:func:`check_calibration_entry`) before anything is simulated;
:meth:`Calibration.stale` names the suites whose fingerprint no longer matches the code.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from validation import fingerprint
from validation.tasks import Profile

#: The calibration file shipped with the package (``python -m validation.calibrate`` rewrites it).
CALIBRATION_FILE = "calibration.json"


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
    that key; ``meta`` says how it was produced (profile, each suite's sizes, seeds, date, code version,
    command, and per suite in ``meta["runs"]`` its date, fingerprint and check keys,
    :mod:`validation.fingerprint`).
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
    def load(cls, profile: str, path: str | Path | None, suites: Sequence[str]) -> Calibration:
        """The calibration of `profile` from `path` (None: the file shipped in this package), checked
        (:func:`check_calibration_entry`) for the suites named in `suites` before anything runs."""
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
        check_calibration_entry(entry, profile, tuple(suites), where)
        meta = {k: v for k, v in entry.items() if k not in ("scatter", "mean", "constants")}
        meta.update({k: data[k] for k in ("version", "command") if k in data})
        meta["file"] = where
        return cls(profile=profile, scatter=dict(entry["scatter"]), meta=meta, mean=dict(entry.get("mean", {})),
                   constants=dict(entry.get("constants", {})))

    def stale(self, profile: Profile, suites: Sequence[ModuleType]) -> dict[str, list[str]]:
        """Suite name → what changed since its calibration, for every suite module of `suites` whose
        fingerprint (:mod:`validation.fingerprint`: code it reaches, its sizes, calibration tasks) differs now."""
        roots = fingerprint.package_roots()
        out = {}
        for module in suites:
            recorded = self.meta.get("runs", {}).get(module.NAME, {}).get("fingerprint", {})
            changes = fingerprint.differences(recorded, fingerprint.suite_fingerprint(module, profile, roots))
            if changes:
                out[module.NAME] = changes
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
