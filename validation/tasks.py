"""Profiles, simulation tasks and their seeds: what a validation run simulates, and with which seeds.

A **profile** (``quick``, ``full``) names a run and holds what every suite shares: the number of
calibration seeds. Each suite owns its own sizes per profile (``SIZES[profile.name]`` in its module under
:mod:`validation.suites`, read with :func:`sizes_for`), so changing one suite's sizes changes nothing else.

A suite's ``plan(profile, role)`` lists independent simulations, each a :class:`Task`: a call
``<module>.<function>(**params)`` returning plain JSON-able data.

**Seeds.** Every simulation seed is a child of ``SeedSequence(ROOT_SEED)`` keyed by (suite, role, index)
(:func:`task_seed`). The role is ``"check"`` for the runs a validation judges and ``"calibration"`` for
the runs :mod:`validation.calibrate` uses to measure scatter: the two sets are disjoint by construction.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Root of every seed: task seeds are children of SeedSequence(ROOT_SEED) keyed by (suite, role, index).
ROOT_SEED = 20251124
#: Seed roles: "check" seeds are judged, "calibration" seeds measure the scatter tolerances use.
ROLES: dict[str, int] = {"check": 0, "calibration": 1}


@dataclass(frozen=True)
class Profile:
    """What every suite of one validation run shares: its name (the key of each suite's ``SIZES``) and
    ``calibration_seeds``, the number of calibration seeds per simulation kind."""

    name: str
    calibration_seeds: int = 8

    def seeds_for(self, count: int, role: str) -> int:
        """Number of seeds of a simulation kind whose check-seed count is `count`, for a role: `count`
        for check seeds, ``calibration_seeds`` (at least 2) for calibration seeds."""
        return count if role == "check" else max(self.calibration_seeds, 2)


PROFILES: dict[str, Profile] = {
    "quick": Profile(name="quick", calibration_seeds=8),
    "full": Profile(name="full", calibration_seeds=8),
}


def sizes_for(sizes: Mapping[str, Mapping[str, Any]], profile: Profile, suite: str) -> dict[str, Any]:
    """A suite's sizes for `profile` from its table `sizes` (profile name → sizes); KeyError naming the
    suite and the profiles it knows when it has none for this profile."""
    try:
        return dict(sizes[profile.name])
    except KeyError:
        raise KeyError(f"suite {suite!r} has no sizes for profile {profile.name!r} (it has "
                       f"{', '.join(map(repr, sizes)) or 'none'})") from None


@dataclass(frozen=True)
class Task:
    """One independent simulation: ``<module>.<function>(**params)``, `module` a full module name."""

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
