"""The calibration file is input: checked before any simulation, and stale when the code it measured changed.

Bad files (a scatter that is NaN, negative, a string, edited by hand; a missing suite or key; a truncated,
missing or non-UTF-8 file) stop ``htcore validate`` with exit 2 and one line naming the file and the entry,
before anything is simulated. A suite whose fingerprint (the code it reaches, its calibration tasks, the
profile) differs from the one recorded is *stale*: exit 1 naming what changed, unless accepted, and then
every row of that suite says so in the report.
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest

from htcore.cli import main
from validation import SUITES, calibrate, fingerprint, runner
from validation.core import PROFILES, Calibration, CalibrationError, Profile
from validation.report import markdown

SHIPPED = Path(calibrate.DEFAULT_OUT)
TINY = Profile(name="tiny", d=60, seeds=2, bbp_d=60, bbp_seeds=4, spiked_shapes=((90, 60),), spiked_seeds=2,
               finite_size_ds=(60,), finite_size_seeds=2, finite_size_draws=2, multi_step_d=60,
               multi_step_seeds=2, multi_step_large_n=4, calibration_seeds=3)


def test_shipped_calibration_is_complete_and_fresh():
    """What CI and every user runs against: no suite of either profile may be stale."""
    for name, profile in PROFILES.items():
        calibration = Calibration.load(name)
        assert calibration.stale(profile, SUITES) == {}, name


@pytest.fixture()
def no_simulation(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("simulated although the calibration should have stopped the run")
    monkeypatch.setattr(runner, "simulate", refuse)


def _validate(tmp_path, calibration_file, *extra) -> int:
    return main(["validate", "--quick", "--only", "scales", "--quiet", "--workers", "1", "--out",
                 str(tmp_path / "report"), "--calibration", str(calibration_file), *extra])


def _edited(tmp_path, edit) -> Path:
    data = json.loads(SHIPPED.read_text())
    edit(data["profiles"]["quick"])
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(data))
    return path


def _first_key(entry, suite="scales"):
    return entry["runs"][suite]["keys"][0]


@pytest.mark.parametrize("case, edit, mentions", [
    ("nan", lambda e: e["scatter"].__setitem__(_first_key(e), float("nan")), "nan is not a finite positive"),
    ("negative", lambda e: e["scatter"].__setitem__(_first_key(e), -1.0), "-1.0 is not a finite positive"),
    ("string", lambda e: e["scatter"].__setitem__(_first_key(e), "0.01"), "'0.01' is not a finite positive"),
    ("edited", lambda e: e["scatter"].__setitem__(_first_key(e), 1e9), "edited by hand"),
    ("key deleted", lambda e: e["scatter"].pop(_first_key(e)), "missing"),
    ("suite deleted", lambda e: e["runs"].pop("scales"), "suite 'scales'"),
    ("profile deleted", lambda e: e.clear(), "'scatter'"),
])
def test_bad_entry_exit_2_one_line_before_simulating(case, edit, mentions, tmp_path, no_simulation, capsys):
    path = _edited(tmp_path, edit)
    assert _validate(tmp_path, path) == 2, case
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and mentions in err, err
    assert "python -m validation.calibrate" in err


@pytest.mark.parametrize("content, mentions", [
    (lambda text: text[: len(text) // 2], "not valid JSON"),
    (lambda text: b"\xff\xfe" + text.encode(), "cannot be read"),
    (None, "cannot be read"),
])
def test_unreadable_file_exit_2_one_line(content, mentions, tmp_path, no_simulation, capsys):
    path = tmp_path / "calibration.json"
    if content is not None:
        text = SHIPPED.read_text()
        value = content(text)
        path.write_bytes(value if isinstance(value, bytes) else value.encode())
    assert _validate(tmp_path, path) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and mentions in err, err


def test_loading_checks_only_the_suites_asked_for(tmp_path):
    path = _edited(tmp_path, lambda e: e["runs"].pop("bbp"))
    Calibration.load("quick", path, ("scales",))
    with pytest.raises(CalibrationError, match="suite 'bbp'"):
        Calibration.load("quick", path)


# --------------------------------------------------------------------------- staleness


@pytest.fixture()
def package_copy(tmp_path) -> dict[str, Path]:
    """A copy of theory/, htcore/ and validation/ to edit (the fingerprint reads sources only)."""
    roots = {}
    for name, root in fingerprint.package_roots().items():
        roots[name] = tmp_path / "src" / name
        shutil.copytree(root, roots[name], ignore=shutil.ignore_patterns("__pycache__", "*.json", "configs"))
    return roots


def _insert_statement(path: Path, function: str, statement: str) -> None:
    """Insert `statement` as the first statement after the docstring of `function` in `path`."""
    text = path.read_text()
    node = next(n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.FunctionDef) and n.name == function)
    first = node.body[1] if len(node.body) > 1 and isinstance(node.body[0], ast.Expr) else node.body[0]
    lines = text.splitlines(keepends=True)
    lines.insert(first.lineno - 1, " " * first.col_offset + statement + "\n")
    path.write_text("".join(lines))


def _stale(roots: dict[str, Path], suites=SUITES) -> dict[str, list[str]]:
    profile = PROFILES["quick"]
    current = {s: fingerprint.suite_fingerprint(s, profile, runner.suite_modules((s,))[s].plan(profile, "calibration"))
               for s in suites}
    edited = {s: fingerprint.suite_fingerprint(s, profile, runner.suite_modules((s,))[s].plan(profile, "calibration"),
                                               roots) for s in suites}
    return {s: fingerprint.differences(current[s], edited[s]) for s in suites if fingerprint.differences(current[s],
                                                                                                         edited[s])}


def test_an_identical_copy_is_not_stale(package_copy):
    assert _stale(package_copy) == {}


def test_editing_a_theory_function_makes_its_suites_stale(package_copy):
    _insert_statement(package_copy["theory"] / "scales.py", "lr_scales", "_ = 0")
    stale = _stale(package_copy)
    assert set(stale) == {"scales"}, stale  # only the suite that reaches theory.scales
    assert stale["scales"] == ["theory.scales changed"]
    _insert_statement(package_copy["theory"] / "one_step.py", "bbp_lr", "_ = 0")
    assert set(_stale(package_copy)) == set(SUITES)  # every suite reaches theory.one_step


def test_comment_docstring_or_unrelated_change_is_not_stale(package_copy):
    path = package_copy["theory"] / "one_step.py"
    text = path.read_text().replace('"""', '"""Reworded. ', 1)  # the module docstring
    path.write_text("# a comment\n" + text.replace("\n\n\n", "\n\n\n# another comment\n", 1))
    sweep = package_copy["htcore"] / "sweep.py"
    sweep.write_text(sweep.read_text() + "\n\nUNRELATED = 1  # htcore.sweep is not reached by any suite\n")
    assert _stale(package_copy) == {}


def test_a_changed_profile_or_plan_is_stale():
    profile = PROFILES["quick"]
    module = runner.suite_modules(("gd_one_step",))["gd_one_step"]
    before = fingerprint.suite_fingerprint("gd_one_step", profile, module.plan(profile, "calibration"))
    bigger = Profile(**{**before["profile"], "spiked_shapes": tuple(map(tuple, before["profile"]["spiked_shapes"])),
                        "finite_size_ds": tuple(before["profile"]["finite_size_ds"]), "d": 800})
    after = fingerprint.suite_fingerprint("gd_one_step", bigger, module.plan(bigger, "calibration"))
    assert "profile d: 1000 → 800" in fingerprint.differences(before, after)


def test_stale_suite_stops_validate_with_exit_1(package_copy, monkeypatch, tmp_path, no_simulation, capsys):
    _insert_statement(package_copy["theory"] / "scales.py", "lr_scales", "_ = 0")
    monkeypatch.setattr(fingerprint, "package_roots", lambda: package_copy)
    assert _validate(tmp_path, SHIPPED) == 1
    err = capsys.readouterr().err
    assert "calibration stale: suite 'scales'" in err and "theory.scales changed" in err
    assert "python -m validation.calibrate --profile quick --only scales" in err


def test_accepted_stale_suite_is_marked_on_every_row(package_copy, monkeypatch, tmp_path):
    monkeypatch.setitem(PROFILES, "tiny", TINY)
    out = tmp_path / "calibration.json"
    assert calibrate.main(["--profile", "tiny", "--only", "scales", "--workers", "1", "--out", str(out),
                           "--quiet"]) == 0
    calibration = Calibration.load("tiny", out, ("scales",))
    _insert_statement(package_copy["theory"] / "scales.py", "lr_scales", "_ = 0")
    monkeypatch.setattr(fingerprint, "package_roots", lambda: package_copy)
    with pytest.raises(runner.StaleCalibration, match="theory.scales changed"):
        runner.run_validation(TINY, only=("scales",), workers=0, progress=False, calibration=calibration)
    result = runner.run_validation(TINY, only=("scales",), workers=0, progress=False, calibration=calibration,
                                   accept_stale=True)
    assert result.stale == {"scales": ["theory.scales changed"]}
    section = markdown(result).split("## scales", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| check")]
    assert rows and all(row.rstrip().endswith("| calibration stale |") for row in rows)
