"""A new suite is one module plus one registry line.

tests/validation/demo_suite.py is a suite kept outside validation/ on purpose: registering it is one entry
in ``validation.registry.SUITES`` (patched here), and nothing else is edited — the runner simulates and
judges it, ``python -m validation.calibrate`` calibrates it (its seeds, keys, fingerprint and sizes), the
CLI runs it, and the report carries its section, its sizes in the header and its figure.
"""

from __future__ import annotations

import json

import pytest

from htcore.cli import main
from tests.validation import demo_suite
from validation import calibrate, registry, runner
from validation.calibration import Calibration
from validation.report import results_json, write_report
from validation.tasks import PROFILES


@pytest.fixture()
def registered(monkeypatch):
    """The one line a new suite needs."""
    monkeypatch.setattr(registry, "SUITES", (*registry.SUITES, demo_suite.__name__))
    return demo_suite


def test_the_registry_lists_it_last(registered):
    assert registry.names()[-1] == "demo_suite"
    assert registry.select(["demo_suite"]) == [demo_suite]


def test_runner_calibrate_and_report_handle_it(registered, tmp_path):
    out = tmp_path / "calibration.json"
    assert calibrate.main(["--profile", "quick", "--only", "demo_suite", "--workers", "1", "--out", str(out),
                           "--quiet"]) == 0
    entry = json.loads(out.read_text())["profiles"]["quick"]
    run = entry["runs"]["demo_suite"]
    assert run["keys"] == ["demo_suite/mean of the draws"]
    assert entry["sizes"] == {"demo_suite": demo_suite.SIZES["quick"]}
    assert "tests.validation.demo_suite" in run["fingerprint"]["modules"]
    assert run["fingerprint"]["profile"] == {"name": "quick", "calibration_seeds": 8, "n": 50, "seeds": 4}

    calibration = Calibration.load("quick", out, ["demo_suite"])
    assert calibration.stale(PROFILES["quick"], [demo_suite]) == {}
    sims = runner.simulate(PROFILES["quick"], registry.select(["demo_suite"]), workers=0, progress=False)
    (result,) = runner.evaluate(sims, calibration)
    assert [c.name for c in result.checks] == ["mean of the draws", "largest |mean|"] and result.passed

    validation = runner.run_validation(PROFILES["quick"], registry.select(["demo_suite"]), workers=1,
                                       progress=False, calibration=calibration)
    assert results_json(validation)["suites"]["demo_suite"]["checks"] == [c.to_dict() for c in result.checks]
    written = {p.name for p in write_report(validation, tmp_path / "report")}
    assert {"report.md", "results.json", "demo_suite.png"} <= written
    report = (tmp_path / "report" / "report.md").read_text()
    assert "## demo_suite" in report and "demo_suite: n = 50 draws × 4 seeds" in report


def test_the_command_line_runs_it(registered, tmp_path, capsys):
    out = tmp_path / "calibration.json"
    assert calibrate.main(["--profile", "quick", "--only", "demo_suite", "--workers", "1", "--out", str(out),
                           "--quiet"]) == 0
    assert main(["validate", "--quick", "--only", "demo_suite", "--workers", "1", "--quiet", "--calibration",
                 str(out), "--out", str(tmp_path / "report")]) == 0
    assert "| demo_suite | 2/2 |" in capsys.readouterr().out
    assert (tmp_path / "report" / "demo_suite.png").is_file()
