"""Fixtures shared by the sweep tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from htcore.sweep import run_sweep
from tests.sweep.helpers import snapshot, tiny_sweep


@pytest.fixture(scope="session")
def reference(tmp_path_factory) -> tuple[Path, dict]:
    """The tiny sweep run uninterrupted by one process with 2 workers: its directory and snapshot."""
    out = tmp_path_factory.mktemp("reference") / "sweep"
    report = run_sweep(tiny_sweep(), out, workers=2, progress=False)
    assert (report.executed, report.counts) == (12, {"ok": 12})
    return out, snapshot(out)
