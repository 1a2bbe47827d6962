"""Smoke tests of the studies (validation/studies/): each runs as ``python -m validation.studies.<name>`` at a
tiny size in a few seconds and prints its table. Their numbers at these sizes mean nothing; the real runs
(minutes to hours at d = 1000) are quoted in docs/theory.md and docs/validation.md."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

STUDIES = {
    "measure_bbp": (["--sizes", "40", "--seeds", "4", "--draws", "8", "--workers", "1"],
                    "| 40 (4 seeds, 8 draws) |"),
    "measure_one_step_spectrum": (["--seeds", "0", "--d", "40", "--pairs", "tanh/softplus", "--optimizers", "gd"],
                                  "**GD, tanh/softplus**"),
    "measure_trajectory": (["--d", "40", "--only", "gd-2step-1.5etac", "--seeds", "0", "1", "--draws", "0",
                            "--workers", "1", "--figure", ""], "**gd-2step-1.5etac**"),
}


@pytest.mark.parametrize("name", list(STUDIES))
def test_study_runs_at_a_tiny_size(name, tmp_path):
    argv, expected = STUDIES[name]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", f"validation.studies.{name}", *argv], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert expected in proc.stdout, proc.stdout
    assert list(tmp_path.iterdir()) == []  # nothing written where it was not asked to


def test_measure_trajectory_runs_at_the_asked_size():
    from validation.studies.measure_trajectory import runs

    assert {r.sizes["d"] for r in runs()} == {1000} and runs()[0].sizes == {"n": 2000, "d": 1000, "h": 1500}
    assert all(r.sizes == {"n": 80, "d": 40, "h": 60} for r in runs(40))
