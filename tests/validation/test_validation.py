"""validation/: report files, calibration separate from judgement, open targets, proven power, CLI errors.

Machinery tests use a tiny profile (d = 100) calibrated in the test itself: its numbers are not meant to
pass (finite-size errors are large at that size). The power tests simulate the real quick profile once
and judge it with the shipped calibration, unperturbed and then with one prediction perturbed at a time.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from htcore.cli import build_parser, main
from tests.validation.helpers import TINY_SIZES, install_profile
from validation import calibrate, power, registry
from validation.calibration import Calibration, CalibrationError
from validation.checks import Check, Judge, SuiteResult
from validation.report import markdown, results_json, write_report
from validation.runner import Validation, evaluate, run_validation, simulate
from validation.suites import gd_one_step, multi_step, one_step_spectrum
from validation.tasks import PROFILES, Profile, task_seed

SUITES = registry.names()
TINY = Profile(name="tiny", calibration_seeds=3)
FIGURES = ("spiked.png", "one_step_spectrum_gd.png", "one_step_spectrum_adam.png", "sigma1_vs_lr.png",
           "overlaps_vs_lr.png", "bbp_transition.png", "finite_size_error.png", "norm_ratios.png", "alpha_per_step.png")


@pytest.fixture(scope="module", autouse=True)
def tiny_profile():
    """The tiny profile and every suite's sizes for it, for the tests of this module."""
    with pytest.MonkeyPatch.context() as mp:
        yield install_profile(mp, TINY, TINY_SIZES)


def _suites(*names: str) -> list:
    return registry.select(names or None)


@pytest.fixture(scope="module")
def tiny_calibration(tmp_path_factory):
    """The tiny profile calibrated by the real command (``python -m validation.calibrate``)."""
    out = tmp_path_factory.mktemp("calibration") / "calibration.json"
    assert calibrate.main(["--profile", "tiny", "--workers", "2", "--out", str(out), "--quiet"]) == 0
    return out, Calibration.load("tiny", out, SUITES)


@pytest.fixture(scope="module")
def tiny_serial(tiny_calibration):
    return run_validation(TINY, _suites(), workers=1, progress=False, calibration=tiny_calibration[1])


def test_calibration_file_records_how_it_was_made(tiny_calibration):
    path, calibration = tiny_calibration
    data = json.loads(path.read_text())
    entry = data["profiles"]["tiny"]
    assert data["command"].startswith("python -m validation.calibrate")
    assert entry["seed_role"] == "calibration" and entry["calibration_seeds"] == TINY.calibration_seeds
    assert entry["profile"] == {"name": "tiny", "calibration_seeds": 3} and set(entry["runs"]) == set(SUITES)
    assert entry["sizes"] == json.loads(json.dumps(TINY_SIZES))
    for suite, run in entry["runs"].items():  # each suite its own date, fingerprint, command and keys
        assert re.match(r"\d{4}-\d\d-\d\d", run["date"]) and run["code_version"]
        assert run["command"] == "python -m validation.calibrate --profile tiny --workers 2 --out " \
                                 f"{path} --quiet"
        assert run["fingerprint"]["modules"][f"validation.suites.{suite}"]
        assert run["fingerprint"]["profile"] == {"name": "tiny", "calibration_seeds": 3, **entry["sizes"][suite]}
        assert run["keys"] and all(k.startswith(f"{suite}/") and k in calibration.scatter for k in run["keys"])
    assert entry["runs"]["bbp"]["constants"] == ["bbp/critical median of T"]
    assert all(math.isfinite(v) and v > 0 for v in calibration.scatter.values())
    assert "calibration of profile 'tiny'" in calibration.describe()


def test_tiny_run_writes_report_json_and_figures(tiny_serial, tmp_path):
    written = write_report(tiny_serial, tmp_path)
    names = {p.name for p in written}
    assert {"report.md", "results.json", *FIGURES} <= names
    assert all((tmp_path / n).stat().st_size > 0 for n in names)
    report = (tmp_path / "report.md").read_text()
    assert report.startswith("# htcore validate — tiny profile")
    assert all(f"## {s}" in report for s in SUITES) and "## Open targets" in report
    assert "Code: " in report and "calibration of profile 'tiny'" in report
    assert "spiked: shapes 150×100 × 2 seeds; gd_one_step: d = 100 (h = 150, n = 200) × 3 seeds per η;" in report
    data = json.loads((tmp_path / "results.json").read_text())
    assert list(data["suites"]) == list(SUITES) and data["code_version"]
    assert data["profile"]["sizes"] == json.loads(json.dumps(TINY_SIZES))
    assert set(data["calibration"]["runs"]) == set(SUITES)
    checks = [c for s in data["suites"].values() for c in s["checks"]]
    assert all({"prediction", "sim_mean", "error", "tolerance", "bias", "scatter", "seeds", "gating"} <= set(c)
               for c in checks)


def test_parallel_equals_serial(tiny_serial, tiny_calibration):
    parallel = run_validation(TINY, _suites(), workers=2, progress=False, calibration=tiny_calibration[1])
    # compared as JSON text: NaN (e.g. a spike strength that cannot be measured at d = 100) equals itself there
    assert (json.dumps(results_json(parallel)["suites"], sort_keys=True)
            == json.dumps(results_json(tiny_serial)["suites"], sort_keys=True))


@pytest.mark.parametrize("profile", ["quick", "full"])
def test_check_and_calibration_seeds_are_disjoint(profile):
    for module in registry.select():
        check = {t.params["seed"] for t in module.plan(PROFILES[profile], "check") if "seed" in t.params}
        calib = {t.params["seed"] for t in module.plan(PROFILES[profile], "calibration") if "seed" in t.params}
        assert check and calib and not check & calib, module.NAME
    assert task_seed("gd_one_step", 0, "check") != task_seed("gd_one_step", 0, "calibration")
    with pytest.raises(ValueError, match="role"):
        task_seed("gd_one_step", 0, "judged")


def test_tolerances_come_from_the_calibration_not_from_the_judged_seeds(tiny_calibration):
    """Judging two different sets of simulations gives the same tolerances; changing the calibration's
    scatter changes them."""
    calibration = tiny_calibration[1]
    a = simulate(TINY, _suites("gd_one_step", "spiked"), workers=0, progress=False, role="check")
    b = simulate(TINY, _suites("gd_one_step", "spiked"), workers=0, progress=False, role="calibration")
    b = dataclasses.replace(b, outputs={k: v[:TINY_SIZES[k]["seeds"]] for k, v in b.outputs.items()})
    tol = [[c.tolerance for c in s.checks if c.comparison] for s in evaluate(a, calibration)]
    assert tol == [[c.tolerance for c in s.checks if c.comparison] for s in evaluate(b, calibration)]
    doubled = Calibration("tiny", {k: 2 * v for k, v in calibration.scatter.items()})
    assert tol != [[c.tolerance for c in s.checks if c.comparison] for s in evaluate(a, doubled)]


def test_missing_calibration_entry_is_a_clear_error(tiny_calibration):
    sims = simulate(TINY, _suites("scales"), workers=0, progress=False)
    with pytest.raises(CalibrationError, match="validation.calibrate"):
        evaluate(sims, Calibration("tiny", {}))


def test_open_targets_are_reported_and_never_gate():
    judge = Judge("demo", Calibration("demo", {"demo/x": 0.01, "demo/y": 0.01}))
    gating = judge.compare("x", [1.0, 1.0], [1.0, 1.0], relative=True, bias=0.01, reason="r")
    open_target = judge.compare("y", [2.0, 2.0], [1.0, 1.0], relative=True, bias=0.02, reason="r", gating=False,
                                target="2 %")
    suite = SuiteResult("demo", [gating, open_target])
    assert suite.passed and not open_target.passed and suite.open_targets == [open_target]
    v = Validation(profile=TINY, suites=[suite], workers=1, wall_time=1.0, code_version="test")
    text = markdown(v)
    assert text.index("## Open targets") < text.index("## demo")
    row = next(line for line in text.splitlines() if line.startswith("| demo | y |"))
    assert row.startswith("| demo | y | 2 | 1 ± 0 (2 seeds) | 1 ± ") and "| 0.02 (2 %) | open |" in row
    assert v.exit_code == 0


def test_a_check_never_passes_without_a_finite_tolerance():
    c = Check(name="c", prediction=1.0, sim_mean=1.0, sim_sd=0.0, error=0.0, tolerance=math.nan,
              error_kind="|mean rel|", reason="")
    assert not c.passed


# --------------------------------------------------------------------------- power (quick profile)

#: perturbation name → (sizes that must fail, suites that must catch it). The sizes are the issue's list:
#: σ predictions 1 % (spike) and 2 % (bulk edge), overlaps +0.02, q +0.01, the BBP rate 10 %, the law's
#: α_Hill 0.02, a constant 1 % bias of the asymptotic forms (the finite-size suite), the α trajectory 0.05.
REQUIRED = {
    "one-step σ1 (plug-in and asymptotic)": ((0.01, -0.01), {"gd_one_step", "adam_one_step"}),
    "one-step bulk edge": ((0.02, -0.02), {"gd_one_step", "adam_one_step"}),
    "one-step ⟨v1,β⟩²": ((0.02,), {"gd_one_step", "adam_one_step"}),
    "one-step ⟨u1,a⟩²": ((0.02,), {"gd_one_step"}),
    "GD per-neuron alignment": ((0.02,), {"gd_one_step"}),
    "Adam signal fraction q": ((0.01,), {"adam_one_step"}),
    "asymptotic σ1 only (constant bias)": ((0.01, -0.01), {"finite_size"}),
    "spiked-matrix σ1 (BGN)": ((0.01, -0.01), {"spiked"}),
    "spiked-matrix overlaps (BGN)": ((0.02,), {"spiked"}),
    "BBP learning rate": ((0.1, -0.1), {"bbp"}),
    "eigenvalue law: α_Hill": ((0.02, -0.02), {"one_step_spectrum"}),
    "α_Hill trajectory (published code)": ((0.05, -0.05), {"multi_step"}),
}


@pytest.fixture(scope="module")
def quick_simulations():
    return simulate(PROFILES["quick"], _suites(), workers=2, progress=False)


@pytest.fixture(scope="module")
def quick_calibration():
    return Calibration.load("quick", None, SUITES)


def test_quick_profile_passes_unperturbed(quick_simulations, quick_calibration):
    results = evaluate(quick_simulations, quick_calibration)
    failing = [(s.name, c.name) for s in results for c in s.gating if not c.passed]
    assert not failing


@pytest.mark.parametrize("name", list(REQUIRED))
def test_quick_profile_detects_the_perturbation(name, quick_simulations, quick_calibration):
    (perturbation,) = [p for p in power.PERTURBATIONS if p.name == name]
    sizes, suites = REQUIRED[name]
    for delta in sizes:
        failed = power.newly_failing(quick_simulations, quick_calibration, perturbation, delta, set())
        assert {suite for suite, _ in failed} & suites, (name, delta, failed)


# --------------------------------------------------------------------------- command line


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


@pytest.mark.parametrize("argv, mentions", [(["spiked", "--workers", "-1"], "--workers"), (["nosuch"], "NAME")])
def test_suite_module_rejects_bad_arguments(argv, mentions):
    proc = subprocess.run([sys.executable, "-m", "validation.suites", *argv], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()] and mentions in proc.stderr
    assert proc.stderr.startswith("python -m validation.suites: error: ")


def test_profiles_share_the_default_size():
    """Both profiles judge the one-step suites and the multi-step suite at d = 1000 (only seed counts
    differ); every registered suite has sizes for every profile."""
    for module in (gd_one_step, one_step_spectrum, multi_step):
        assert module.SIZES["full"]["d"] == module.SIZES["quick"]["d"] == 1000, module.NAME
    assert gd_one_step.SIZES["full"]["seeds"] > gd_one_step.SIZES["quick"]["seeds"]
    for module in registry.select():
        assert set(PROFILES) <= set(module.SIZES), module.NAME
        assert all(module.describe(module.SIZES[p]) for p in PROFILES)


def test_shipped_calibration_covers_the_profiles():
    """The shipped calibration was measured at exactly these profiles and sizes, for every suite (complete
    and finite: checked by ``Calibration.load``; fresh: tests/validation/test_calibration_file.py)."""
    for name, profile in PROFILES.items():
        if name == TINY.name:  # this module's own test profile (autouse fixture), never shipped
            continue
        calibration = Calibration.load(name, None, SUITES)
        assert calibration.meta["profile"] == dataclasses.asdict(profile)
        for module in registry.select():
            sizes = json.loads(json.dumps(module.SIZES[name]))
            assert calibration.meta["sizes"][module.NAME] == sizes, (name, module.NAME)
            recorded = calibration.meta["runs"][module.NAME]["fingerprint"]["profile"]
            assert recorded == {**dataclasses.asdict(profile), **sizes}, (name, module.NAME)


def test_full_profile_detects_a_ten_percent_bbp_rate():
    """The quick profile's power is measured live above; the full profile's (128 seeds at d = 1000, minutes
    of simulation) is read from the committed full report, produced by ``htcore validate --full --power``:
    a ``theory.bbp_lr`` scaled by 1.1 or 0.9, every other prediction unchanged, must fail it."""
    report = (Path(__file__).resolve().parents[2] / "docs" / "validation-report-full.md").read_text()
    (row,) = [line for line in report.splitlines() if line.startswith("| BBP learning rate |")]
    limit = row.split("|")[2].strip()
    assert limit.startswith("±") and float(limit.strip("±%")) <= 10.0, row
