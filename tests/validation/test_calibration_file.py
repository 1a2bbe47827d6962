"""The calibration file is input: checked before any simulation, and stale when the code it measured changed.

Bad files (a scatter that is NaN, negative, a string, edited by hand; a missing suite or key; a truncated,
missing or non-UTF-8 file) stop ``htcore validate`` with exit 2 and one line naming the file and the entry,
before anything is simulated. A suite whose fingerprint (the code it reaches, its calibration tasks, the
profile) differs from the one recorded is *stale*: exit 1 naming what changed, unless accepted, and then
every row of that suite says so in the report. A suite's fingerprint records the profile's shared fields
and that suite's own sizes: changing one suite's sizes makes that suite alone stale.
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest

from htcore.cli import main
from tests.validation.helpers import install_profile
from validation import calibrate, fingerprint, registry, runner
from validation.calibration import Calibration, CalibrationError
from validation.report import markdown
from validation.suites import gd_one_step, scales
from validation.tasks import PROFILES, Profile

SUITES = registry.names()
SHIPPED = Path(calibrate.DEFAULT_OUT)
TINY = Profile(name="tiny", calibration_seeds=3)
TINY_SIZES = {"spiked": {"shapes": ((90, 60),), "seeds": 2}, "gd_one_step": {"d": 60, "seeds": 2},
              "adam_one_step": {"d": 60, "seeds": 2}, "one_step_spectrum": {"d": 60, "seeds": 2},
              "bbp": {"d": 60, "seeds": 4}, "finite_size": {"ds": (60,), "seeds": 2, "draws": 2},
              "scales": {"d": 60, "seeds": 2}, "multi_step": {"d": 60, "seeds": 2, "large_n": 4}}


def test_shipped_calibration_is_complete_and_fresh():
    """What CI and every user runs against: no suite of either profile may be stale."""
    for name, profile in PROFILES.items():
        calibration = Calibration.load(name, None, SUITES)
        assert calibration.stale(profile, registry.select()) == {}, name


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
        Calibration.load("quick", path, SUITES)


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


def _stale(roots: dict[str, Path], before: dict[str, dict] | None = None) -> dict[str, list[str]]:
    """Suite → what changed between the fingerprints of the real sources (or `before`) and of `roots` now."""
    profile = PROFILES["quick"]
    modules = registry.select()
    current = before or {m.NAME: fingerprint.suite_fingerprint(m, profile) for m in modules}
    edited = {m.NAME: fingerprint.suite_fingerprint(m, profile, roots) for m in modules}
    changes = {s: fingerprint.differences(current[s], edited[s]) for s in current}
    return {s: c for s, c in changes.items() if c}


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


def test_changing_one_suites_sizes_makes_that_suite_alone_stale(monkeypatch):
    profile = PROFILES["quick"]
    before = {m.NAME: fingerprint.suite_fingerprint(m, profile) for m in registry.select()}
    monkeypatch.setitem(gd_one_step.SIZES, "quick", {**gd_one_step.SIZES["quick"], "d": 800})
    stale = _stale(fingerprint.package_roots(), before)
    assert stale == {"gd_one_step": ["profile d: 1000 → 800"]}, stale
    monkeypatch.setitem(scales.SIZES, "quick", {**scales.SIZES["quick"], "seeds": 5})
    stale = _stale(fingerprint.package_roots(), before)
    assert set(stale) == {"gd_one_step", "scales"} and stale["scales"] == ["profile seeds: 4 → 5"], stale


def test_a_changed_shared_profile_field_or_plan_is_stale(monkeypatch):
    before = {m.NAME: fingerprint.suite_fingerprint(m, PROFILES["quick"]) for m in registry.select()}
    monkeypatch.setitem(PROFILES, "quick", Profile(name="quick", calibration_seeds=5))
    stale = _stale(fingerprint.package_roots(), before)
    assert set(stale) == set(SUITES)  # every suite shares the profile's calibration seeds
    assert stale["scales"] == ["profile calibration_seeds: 8 → 5"], stale
    monkeypatch.setitem(PROFILES, "quick", Profile(name="quick", calibration_seeds=8))
    monkeypatch.setattr(scales, "plan", lambda profile, role: [])  # same sizes, other calibration tasks
    assert _stale(fingerprint.package_roots(), before) == {
        "scales": ["the calibration tasks (seeds or parameters) changed"]}


def test_redrawing_a_figure_is_not_stale(package_copy):
    """Drawing functions (``figures``, ``fig_*``) are left out of a suite's fingerprint; the code next to
    them is not."""
    path = package_copy["validation"] / "suites" / "scales.py"
    _insert_statement(path, "fig_norm_ratios", "_ = 0")
    _insert_statement(path, "figures", "_ = 0")
    assert _stale(package_copy) == {}
    _insert_statement(path, "describe", "_ = 0")
    assert _stale(package_copy) == {"scales": ["validation.suites.scales changed"]}


def test_stale_suite_stops_validate_with_exit_1(package_copy, monkeypatch, tmp_path, no_simulation, capsys):
    _insert_statement(package_copy["theory"] / "scales.py", "lr_scales", "_ = 0")
    monkeypatch.setattr(fingerprint, "package_roots", lambda: package_copy)
    assert _validate(tmp_path, SHIPPED) == 1
    err = capsys.readouterr().err
    assert "calibration stale: suite 'scales'" in err and "theory.scales changed" in err
    assert "python -m validation.calibrate --profile quick --only scales" in err


def test_accepted_stale_suite_is_marked_on_every_row(package_copy, monkeypatch, tmp_path):
    install_profile(monkeypatch, TINY, TINY_SIZES)
    out = tmp_path / "calibration.json"
    assert calibrate.main(["--profile", "tiny", "--only", "scales", "--workers", "1", "--out", str(out),
                           "--quiet"]) == 0
    calibration = Calibration.load("tiny", out, ("scales",))
    _insert_statement(package_copy["theory"] / "scales.py", "lr_scales", "_ = 0")
    monkeypatch.setattr(fingerprint, "package_roots", lambda: package_copy)
    with pytest.raises(runner.StaleCalibration, match="theory.scales changed"):
        runner.run_validation(TINY, [scales], workers=0, progress=False, calibration=calibration)
    result = runner.run_validation(TINY, [scales], workers=0, progress=False, calibration=calibration,
                                   accept_stale=True)
    assert result.stale == {"scales": ["theory.scales changed"]}
    section = markdown(result).split("## scales", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| check")]
    assert rows and all(row.rstrip().endswith("| calibration stale |") for row in rows)
