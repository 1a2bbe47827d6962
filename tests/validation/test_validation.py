"""validation/: report files, a broken prediction fails, serial = parallel, argument errors.

Runs use a tiny profile (d = 100): the numbers are not meant to pass there (finite-size errors are large
at that size); these tests check the machinery — and, through the checks that do pass at that size,
that a deliberately wrong prediction is caught.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import subprocess
import sys

import pytest

import theory
from htcore.cli import build_parser, main
from validation import SUITES, cli
from validation.core import PROFILES, Profile
from validation.report import results_json, write_report
from validation.runner import run_validation

TINY = Profile(name="tiny", d=100, seeds=3, bbp_seeds=4, spiked_shapes=((150, 100),), spiked_seeds=2,
               finite_size_ds=(50, 100), finite_size_seeds=3, multi_step_d=100, multi_step_seeds=1,
               multi_step_large_n=4)
FIGURES = ("spiked.png", "sigma1_vs_lr.png", "overlaps_vs_lr.png", "bbp_transition.png", "finite_size_error.png",
           "norm_ratios.png", "alpha_per_step.png")


@pytest.fixture(scope="module")
def tiny_serial():
    return run_validation(TINY, workers=1, progress=False)


@pytest.fixture(scope="module")
def tiny_in_process():
    """In the test process (workers=0), so that monkeypatched theory functions take effect."""
    return run_validation(TINY, only=("gd_one_step",), workers=0, progress=False)


def test_tiny_run_writes_report_json_and_figures(tiny_serial, tmp_path):
    written = write_report(tiny_serial, tmp_path)
    names = {p.name for p in written}
    assert {"report.md", "results.json", *FIGURES} <= names
    assert all((tmp_path / n).stat().st_size > 0 for n in names)
    report = (tmp_path / "report.md").read_text()
    assert report.startswith("# htcore validate — tiny profile")
    assert all(f"## {s}" in report for s in SUITES)
    data = json.loads((tmp_path / "results.json").read_text())
    assert list(data["suites"]) == list(SUITES)
    checks = [c for s in data["suites"].values() for c in s["checks"]]
    assert len(checks) == sum(len(s.checks) for s in tiny_serial.suites)
    assert all({"prediction", "sim_mean", "sim_sd", "error", "tolerance", "passed"} <= set(c) for c in checks)
    # one table row per check, plus the summary rows
    assert report.count("| PASS |") + report.count("| **FAIL** |") == len(checks) + len(SUITES)


def test_parallel_equals_serial(tiny_serial):
    parallel = run_validation(TINY, workers=2, progress=False)
    assert results_json(parallel)["suites"] == results_json(tiny_serial)["suites"]


def _check(validation_run, suite: str, name: str):
    (result,) = [s for s in validation_run.suites if s.name == suite]
    (check,) = [c for c in result.checks if c.name == name]
    return check


def test_dropping_the_f0_term_fails_the_asymptotic_check(tiny_in_process, monkeypatch):
    """theory-notes §3: without the f0 shrinkage σ1 is badly overestimated; the check must catch it."""
    name = "σ1 asymptotic, η = 6·η_c"
    assert _check(tiny_in_process, "gd_one_step", name).passed
    original = theory.predict_one_step
    monkeypatch.setattr(theory, "predict_one_step", lambda *a, **k: original(*a, **{**k, "f0": False}))
    broken = run_validation(TINY, only=("gd_one_step",), workers=0, progress=False)
    assert not _check(broken, "gd_one_step", name).passed
    assert broken.exit_code == 1


def test_scaled_plugin_prediction_fails_through_the_cli(monkeypatch, tmp_path, capsys):
    """A plug-in σ1 scaled by 1.2 fails the quick profile's check and the command's function returns 1
    (called with workers=0, in this process, which the command line itself does not accept)."""
    original = theory.plugin_one_step

    def scaled(*args, **kwargs):
        p = original(*args, **kwargs)
        return dataclasses.replace(p, sigma1=1.2 * p.sigma1)

    monkeypatch.setattr(theory, "plugin_one_step", scaled)
    args = argparse.Namespace(profile="quick", out=str(tmp_path), workers=0, quiet=True)
    code = cli.run(args, ["adam_one_step"])
    assert code == 1
    results = json.loads((tmp_path / "results.json").read_text())
    failed = {c["name"] for c in results["suites"]["adam_one_step"]["checks"] if not c["passed"]}
    assert "σ1 plug-in, η = 3·η_c" in failed
    assert "FAIL" in capsys.readouterr().out


@pytest.mark.parametrize("argv, mentions", [
    (["--workers", "0"], "--workers"),
    (["--workers", "two"], "--workers"),
    (["--only", "nosuch"], "--only"),
    (["--quick", "--full"], "--full"),
    (["--bogus"], "--bogus"),
])
def test_bad_arguments_one_stderr_line_exit_2(argv, mentions, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["validate", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert re.match(r"htcore( validate)?: error: ", err) and mentions in err


def test_validate_is_registered_through_the_entry_point():
    assert "validate" in build_parser().format_help()


def test_suite_module_rejects_bad_arguments():
    proc = subprocess.run([sys.executable, "-m", "validation.spiked", "--workers", "-1"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()] and "--workers" in proc.stderr


def test_profiles_have_the_documented_sizes():
    assert PROFILES["full"].d == 1000 and PROFILES["quick"].multi_step_d == 1000
    assert PROFILES["full"].seeds > PROFILES["quick"].seeds
