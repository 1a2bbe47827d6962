"""`htcore run`: output files, and bad input as one stderr line with exit code 2."""

import json
import subprocess
import sys

import numpy as np
import pytest

from htcore import Config, cli
from htcore.checks import SpectralInputError
from htcore.cli import main

TINY = "n = 60\nd = 16\nh = 24\nn_test = 20\nsteps = 3\n"


@pytest.fixture
def tiny_config(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


def test_run_writes_every_file(tmp_path, tiny_config, capsys):
    out = tmp_path / "run"
    assert main(["run", str(tiny_config), "--out", str(out), "--plots", "--quiet",
                 "--set", "optimizer='gd'", "--set", "lr=100"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["config.toml", "history.json", "spectra.npz", "weights.npz",
                            "summary.json", "esd.png", "losses.png", "alpha_sim.png"])
    config = Config.from_toml(out / "config.toml")
    assert (config.optimizer, config.lr, config.steps) == ("gd", 100.0, 3)
    history = json.loads((out / "history.json").read_text())
    assert [r["step"] for r in history] == [0, 1, 2, 3]
    spectra = np.load(out / "spectra.npz")
    assert spectra["esd"].shape == (4, 16) and list(spectra["steps"]) == [0, 1, 2, 3]
    assert np.load(out / "weights.npz")["W"].shape == (24, 16)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "ok" and summary["key"] == config.key()
    assert summary["final"] == history[-1]
    assert (out / "esd.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "status: ok" in capsys.readouterr().out


BAD_INVOCATIONS = [
    (["run", "{missing}"], "does not exist"),
    (["run", "{malformed}"], "not valid TOML"),
    (["run", "{unknown_key}"], "learning_rate: unknown config field"),
    (["run", "{tiny}", "--set", "lr=-1"], "lr: got -1.0"),
    (["run", "{tiny}", "--set", "optimizer='sgd'"], "optimizer: got 'sgd'"),
    (["run", "{tiny}", "--set", "steps=2.5"], "steps: got 2.5"),
    (["run", "{tiny}", "--set", "n=abc"], "n: got 'abc'"),
    (["run", "{tiny}", "--set", "colour=3"], "colour: unknown config field"),
    (["run", "{tiny}", "--set", "lr"], "--set: expected key=value"),
    (["run", "{tiny}", "--set", "dtype='float16'"], "dtype: got 'float16'"),
    (["run", "{tiny}", "--set", "lr=nan"], "lr: got nan"),
    (["run", "{tiny}", "--set", "momentum=0.9"], "momentum: got 0.9 with optimizer 'adam'"),
    (["run", "{tiny}", "--bogus"], "unrecognized arguments: --bogus"),
    ([], "the following arguments are required: command"),
    (["fly"], "invalid choice: 'fly'"),
    (["reproduce", "--table", "--out", "{missing}"], "holds no reproduction"),
]


def invoke(argv: list[str]) -> int:
    """Exit code of `htcore ARGV`, whether main returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


@pytest.mark.parametrize("argv,message", BAD_INVOCATIONS)
def test_bad_input_is_one_line_exit_2(tmp_path, tiny_config, capsys, argv, message):
    files = {"missing": tmp_path / "nope.toml", "malformed": tmp_path / "bad.toml",
             "unknown_key": tmp_path / "unknown.toml", "tiny": tiny_config}
    files["malformed"].write_text("n = = 3\n")
    files["unknown_key"].write_text("learning_rate = 1.0\n")
    argv = [arg.format(**files) for arg in argv]
    out_args = ["--out", str(tmp_path / "out")] if argv[:1] == ["run"] else []
    assert invoke(argv + out_args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists(), "nothing written for bad input"


def test_console_script_exit_code_without_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "htcore", "run", str(tmp_path / "missing.toml")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("htcore run: error: config file:")
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("error", [RuntimeError("injected failure"), ValueError("injected failure"),
                                   OSError("injected failure")])
def test_internal_error_is_exit_1_with_traceback(tmp_path, tiny_config, monkeypatch, capsys, error):
    """An exception that is not bad input is a bug: traceback, a line saying so, exit code 1."""
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(cli, "train", broken)
    assert main(["run", str(tiny_config), "--out", str(tmp_path / "out"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert f"{type(error).__name__}: injected failure" in err
    assert err.splitlines()[-1].startswith(f"htcore run: internal error ({type(error).__name__})")


def test_suite_module_internal_error_is_exit_1(tmp_path, monkeypatch, capsys):
    import validation.runner
    from validation.cli import suite_main

    def broken(*args, **kwargs):
        raise RuntimeError("injected failure")

    monkeypatch.setattr(validation.runner, "run_validation", broken)
    assert suite_main(["spiked", "--out", str(tmp_path / "report"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "python -m validation.suites: internal error" in err


# Each command, its arguments (`{out}`: an output path whose parent is a regular file), and the function
# that does its work, patched to record whether it was reached.
WORK_BEFORE_OUTPUT_CHECK = [
    (["run", "{config}", "--out", "{out}"], "htcore.cli", "train"),
    (["sweep", "{spec}", "--out", "{out}"], "htcore.sweep", "run_sweep"),
    (["reproduce", "--quick", "--only", "single_run", "--out", "{out}"], "htcore.reproduce", "reproduce"),
    (["validate", "--quick", "--only", "spiked", "--out", "{out}"], "validation.runner", "run_validation"),
]


@pytest.mark.parametrize("argv,module,function", WORK_BEFORE_OUTPUT_CHECK)
def test_unwritable_out_fails_before_any_work(tmp_path, tiny_config, monkeypatch, capsys,
                                              argv, module, function):
    import importlib

    from tests.sweep.helpers import tiny_spec

    called = []
    monkeypatch.setattr(importlib.import_module(module), function,
                        lambda *args, **kwargs: called.append(args))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    names = {"config": str(tiny_config), "spec": str(tiny_spec(tmp_path / "s.toml")),
             "out": str(blocker / "out")}
    assert main([arg.format(**names) for arg in argv] + ["--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--out: cannot write to" in err and "Traceback" not in err
    assert called == [], f"{function} ran before the output directory was checked"


def test_spectrum_of_a_file_that_is_not_numpy(tmp_path, capsys):
    from htcore.spectral.report import load_matrix

    text = tmp_path / "weights.txt"
    text.write_text("1 2\n3 4\n")
    truncated = tmp_path / "cut.npy"
    np.save(truncated, np.ones((30, 20)))
    truncated.write_bytes(truncated.read_bytes()[:100])
    for path in (text, truncated):
        assert main(["spectrum", str(path), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "is not a NumPy file" in err and "pickle" not in err
        with pytest.raises(SpectralInputError, match="is not a NumPy file"):
            load_matrix(path)
