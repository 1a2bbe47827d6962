"""Test profiles for tests/validation: a profile and each suite's sizes for it, installed for a test."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from validation import registry
from validation.tasks import PROFILES, Profile

#: The sizes of the tiny profile (d = 100) per suite: machinery only, its numbers are not meant to pass.
TINY_SIZES = {
    "spiked": {"shapes": ((150, 100),), "seeds": 2},
    "gd_one_step": {"d": 100, "seeds": 3},
    "adam_one_step": {"d": 100, "seeds": 3},
    "one_step_spectrum": {"d": 100, "seeds": 3},
    "bbp": {"d": 100, "seeds": 16},
    "finite_size": {"ds": (50, 100), "seeds": 3, "draws": 3},
    "scales": {"d": 100, "seeds": 3},
    "multi_step": {"d": 100, "seeds": 2, "large_n": 4},
}


def install_profile(mp: pytest.MonkeyPatch, profile: Profile, sizes: Mapping[str, Mapping]) -> Profile:
    """Make `profile` known (``PROFILES``) with ``sizes[suite]`` as each registered suite's ``SIZES[name]``."""
    mp.setitem(PROFILES, profile.name, profile)
    for module in registry.select():
        mp.setitem(module.SIZES, profile.name, dict(sizes[module.NAME]))
    return profile
