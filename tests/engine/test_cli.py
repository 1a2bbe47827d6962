"""`htcore run`: output files, and bad input as one stderr line with exit code 2."""

import json
import subprocess
import sys

import numpy as np
import pytest

from htcore import Config
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
