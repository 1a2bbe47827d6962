"""Bad input and interruptions on every `htcore` subcommand: exit 2 with one stderr line naming the
argument or file; Ctrl-C exits 130 with one line (and the command that resumes, where one does); a closed
stdout ends quietly; a failed command leaves no directory it created; `run` keeps an earlier run's
directory unless --force. Subcommands run in-process (`main`), except the real SIGINT and broken-pipe
tests, which start `python -m htcore` with this checkout first on PYTHONPATH."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from htcore import cli
from htcore.cli import main

ROOT = Path(__file__).resolve().parents[2]
TINY_RUN = "n = 60\nd = 16\nh = 24\nn_test = 20\nsteps = 3\n"
TINY_SPEC = """name = "fz"
seed = 5
repeats = 1
[base]
n = 60
d = 16
h = 24
n_test = 20
steps = 4
probe_every = 2
[grid]
optimizer = ["gd", "adam"]
lr = { log10_start = -1, log10_stop = 0, num = 2 }
"""
#: Slow enough runs (≈ 1 s each on one core) that a SIGINT lands between the first finished run and the last.
SLOW_SPEC = TINY_SPEC.replace("n = 60", "n = 200").replace("d = 16", "d = 64").replace("h = 24", "h = 96") \
    .replace("steps = 4", "steps = 2000").replace("probe_every = 2", "probe_every = 1000").replace("repeats = 1",
                                                                                                 "repeats = 2")


def invoke(argv: list[str]) -> int:
    """Exit code of `htcore ARGV`, whether main returns it or argparse exits with it."""
    try:
        return main([str(a) for a in argv])
    except SystemExit as stop:
        return stop.code


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    """A finished tiny sweep (4 runs, one worker)."""
    from htcore.sweep import parse_spec, run_sweep
    from tests.sweep.helpers import load_toml

    out = tmp_path_factory.mktemp("fuzz") / "sweep"
    run_sweep(parse_spec(load_toml(TINY_SPEC)), out, workers=1, progress=False)
    return out


@pytest.fixture
def files(tmp_path, sweep_dir) -> dict[str, Path]:
    """Good and bad files of every kind the subcommands read."""
    import shutil

    f = {"dir": tmp_path / "adir", "missing": tmp_path / "missing.toml", "latin1": tmp_path / "latin1.toml",
         "notoml": tmp_path / "notoml.toml", "empty": tmp_path / "empty.npy", "tiny": tmp_path / "tiny.toml",
         "spec": tmp_path / "spec.toml", "row": tmp_path / "row.npy", "W": tmp_path / "W.npy",
         "complex": tmp_path / "complex.npy", "strnpy": tmp_path / "str.npy", "text": tmp_path / "text.npy"}
    f["dir"].mkdir()
    f["latin1"].write_bytes("n = 60 # caf\xe9\n".encode("latin-1"))
    f["notoml"].write_text("n = = 3\n")
    f["empty"].write_bytes(b"")
    f["tiny"].write_text(TINY_RUN)
    f["spec"].write_text(TINY_SPEC)
    rng = np.random.default_rng(0)
    np.save(f["row"], rng.standard_normal((1, 40)))
    np.save(f["W"], rng.standard_normal((30, 20)))
    np.save(f["complex"], rng.standard_normal((30, 20)) + 1j)
    np.save(f["strnpy"], np.full((3, 3), "a"))
    f["text"].write_text("1 2 3\n")
    for name, damage in {"badindex": "index", "nometrics": "missing", "badmetrics": "parquet"}.items():
        copy = tmp_path / name
        shutil.copytree(sweep_dir, copy)
        first = sorted((copy / "metrics").iterdir())[0]
        if damage == "index":
            (copy / "index.sqlite").write_bytes(b"not a database at all" * 10)
        elif damage == "missing":
            first.unlink()
        else:
            first.write_bytes(b"PAR1 junk")
        f[name] = copy
    return f


BAD_ARGS = [
    (["run", "{tiny}", "--set", "lr=abc"], "lr: got 'abc'"),
    (["run", "{tiny}", "--set", "n=true"], "n: got True"),
    (["spectrum", "{W}", "--seed", "-1"], "--seed: got -1"),
    (["spectrum", "{W}", "--seed", "x"], "--seed: got 'x'"),
    (["spectrum", "{W}", "--n-boot", "0"], "--n-boot: got 0"),
    (["sweep", "{spec}", "--workers", "-2"], "--workers: got -2"),
    (["sweep", "{spec}", "--claim-timeout", "soon"], "--claim-timeout: got 'soon'"),
    (["sweep", "{spec}", "--claim-timeout", "nan"], "--claim-timeout: got nan"),
    (["sweep", "{spec}", "--set", "lr=-1"], "lr: got -1"),
    (["reproduce", "--only", "nope", "--out", "{out}"], "--only: got 'nope'"),
    (["reproduce", "--workers", "0"], "--workers: got 0"),
    (["validate", "--only", "nope"], "--only: invalid choice"),
    (["validate", "--workers", "abc"], "--workers: got 'abc'"),
    (["results"], "the following arguments are required: dir"),
]

BAD_FILES = [
    (["run", "{missing}"], "config file: '{missing}' does not exist"),
    (["run", "{dir}"], "config file: '{dir}' is a directory"),
    (["run", "{latin1}"], "config file: '{latin1}' is not UTF-8"),
    (["run", "{notoml}"], "config file: '{notoml}' is not valid TOML"),
    (["sweep", "{missing}"], "sweep file: '{missing}' does not exist"),
    (["sweep", "{dir}"], "sweep file: '{dir}' is a directory"),
    (["sweep", "{latin1}"], "sweep file: '{latin1}' is not UTF-8"),
    (["sweep", "{notoml}"], "sweep file: '{notoml}' is not valid TOML"),
    (["sweep", "{spec}", "--out", "{badindex}"], "sweep index '{badindex}/index.sqlite' is damaged"),
    (["spectrum", "{missing}"], "no such file"),
    (["spectrum", "{empty}"], "is not a NumPy file"),
    (["spectrum", "{text}"], "is not a NumPy file"),
    (["spectrum", "{row}"], "W has shape (1, 40)"),
    (["spectrum", "{complex}"], "{complex} must be a real numeric matrix"),
    (["spectrum", "{strnpy}"], "{strnpy} must be a real numeric matrix"),
    (["results", "{missing}"], "has no index.sqlite"),
    (["results", "{badindex}"], "sweep index '{badindex}/index.sqlite' is damaged"),
    (["results", "{nometrics}"], "metrics file '{nometrics}/metrics/"),
    (["results", "{badmetrics}"], "metrics file '{badmetrics}/metrics/"),
    (["spectrum", "{W}", "--plot", "{dir}"], "--plot: '{dir}' is a directory"),
    (["results", "{badindex}/..", "--csv", "{dir}"], "has no index.sqlite"),
    (["run", "{tiny}", "--out", "{W}"], "--out: '{W}' is a file, not a directory"),
    (["sweep", "{spec}", "--out", "{W}"], "--out: '{W}' is a file, not a directory"),
    (["validate", "--out", "{W}"], "--out: '{W}' is a file, not a directory"),
    (["validate", "--calibration", "{dir}", "--out", "{out}"], "calibration file {dir}: cannot be read"),
    (["validate", "--calibration", "{latin1}", "--out", "{out}"], "calibration file {latin1}: cannot be read"),
    (["validate", "--calibration", "{notoml}", "--out", "{out}"], "not valid JSON"),
]


@pytest.mark.parametrize("argv, message", BAD_ARGS + BAD_FILES, ids=[" ".join(a) for a, _ in BAD_ARGS + BAD_FILES])
def test_bad_input_is_one_line_exit_2_and_no_directory(tmp_path, files, capsys, argv, message):
    names = {**{k: str(v) for k, v in files.items()}, "out": str(tmp_path / "out")}
    before = sorted(tmp_path.rglob("*"))
    argv = [a.format(**names) for a in argv]
    if argv[0] in ("run", "sweep") and "--out" not in argv:
        argv += ["--out", names["out"]]
    assert invoke(argv) == 2
    err = one_line(capsys)
    assert message.format(**names) in err, err
    assert not (tmp_path / "out").exists(), "a failed command leaves no directory"
    assert sorted(tmp_path.rglob("*")) == before, "nor any other file"


def test_run_refuses_a_non_empty_out_and_force_replaces_it(tmp_path, files, capsys):
    out = tmp_path / "run"
    assert invoke(["run", files["tiny"], "--out", out, "--quiet", "--plots"]) == 0
    capsys.readouterr()
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert invoke(["run", files["tiny"], "--out", out, "--quiet"]) == 2
    err = one_line(capsys)
    assert f"--out: '{out}' is not empty" in err and "pass --force to replace its contents" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before, "nothing lost"
    assert invoke(["run", files["tiny"], "--out", out, "--quiet", "--force"]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["config.toml", "history.json", "spectra.npz", "weights.npz", "summary.json"]), "old figures removed"


@pytest.mark.parametrize("command", ["run", "sweep", "reproduce"])
def test_keyboard_interrupt_is_one_line_exit_130_and_no_new_directory(tmp_path, files, monkeypatch, capsys,
                                                                      command):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    import htcore.reproduce
    import htcore.sweep

    monkeypatch.setattr(cli, "train", interrupted)
    monkeypatch.setattr(htcore.sweep, "run_sweep", interrupted)
    monkeypatch.setattr(htcore.reproduce, "reproduce", interrupted)
    out = tmp_path / "new" / "out"
    source = {"run": [files["tiny"]], "sweep": [files["spec"]], "reproduce": ["--quick"]}[command]
    argv = [command, *source, "--out", out, "--quiet"]
    assert invoke(argv) == 130
    err = one_line(capsys)
    assert err.startswith(f"htcore {command}: interrupted (Ctrl-C); ")
    if command != "run":
        assert f"resume with: htcore {' '.join(map(str, argv))}" in err
    assert not (tmp_path / "new").exists()


def test_failed_start_removes_only_directories_it_created(tmp_path, files, capsys):
    plot = tmp_path / "a" / "b" / "esd.png"
    assert invoke(["spectrum", files["row"], "--plot", plot]) == 2
    one_line(capsys)
    assert not (tmp_path / "a").exists()
    existing = tmp_path / "kept"
    existing.mkdir()
    assert invoke(["spectrum", files["row"], "--plot", existing / "esd.png"]) == 2
    assert existing.is_dir()


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def test_closed_stdout_ends_quietly(sweep_dir):
    proc = subprocess.Popen([sys.executable, "-m", "htcore", "results", str(sweep_dir)], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before htcore writes (as with `| head -0`)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == cli.EXIT_BROKEN_PIPE and err == ""


def _done_runs(out: Path) -> int:
    try:
        with sqlite3.connect(out / "index.sqlite") as db:
            return db.execute("SELECT COUNT(*) FROM runs WHERE status IN ('ok', 'diverged')").fetchone()[0]
    except sqlite3.Error:
        return 0


def _interrupt(argv: list[str], started, cwd: Path, limit: float = 60.0) -> subprocess.CompletedProcess:
    """Start `python -m htcore ARGV` in its own process group, wait until `started()`, then send SIGINT
    to the whole group (as Ctrl-C in a terminal does)."""
    proc = subprocess.Popen([sys.executable, "-m", "htcore", *map(str, argv)], env=_env(), cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + limit
    while not started(proc) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert proc.poll() is None, "finished before the interrupt"
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def test_sigint_during_sweep_exits_130_and_the_rerun_resumes(tmp_path):
    spec = tmp_path / "slow.toml"
    spec.write_text(SLOW_SPEC)
    out = tmp_path / "out"
    argv = ["sweep", spec, "--out", out, "--workers", "2", "--quiet"]
    result = _interrupt(argv, lambda proc: _done_runs(out) >= 1, tmp_path)
    assert result.returncode == 130, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert "runs finished, kept in" in result.stderr
    assert f"resume with: htcore sweep {spec} --out {out}" in result.stderr
    finished = _done_runs(out)
    assert 1 <= finished < 8
    rerun = subprocess.run([sys.executable, "-m", "htcore", *map(str, argv)], env=_env(), cwd=tmp_path,
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"ran {8 - finished} runs; all runs: ok 8" in rerun.stdout


def _has_children(proc: subprocess.Popen) -> bool:
    """Whether the process has started worker processes (Linux /proc; elsewhere after 8 s)."""
    path = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    if not path.exists():
        time.sleep(8)
        return True
    if path.read_text().split():
        time.sleep(1.0)  # the workers have begun importing and running their tasks
        return True
    return False


def test_sigint_during_validate_exits_130_with_one_line(tmp_path):
    out = tmp_path / "report"
    argv = ["validate", "--quick", "--only", "gd_one_step", "--workers", "2", "--quiet",
            "--accept-stale-calibration", "--out", out]
    result = _interrupt(argv, _has_children, tmp_path)
    assert result.returncode == 130, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert "a validation does not resume" in result.stderr
    assert not out.exists(), "the empty report directory it created is removed"


def test_interrupted_forced_run_keeps_the_earlier_run(tmp_path, files, monkeypatch, capsys):
    out = tmp_path / "run"
    assert invoke(["run", files["tiny"], "--out", out, "--quiet"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "train", interrupted)
    capsys.readouterr()
    assert invoke(["run", files["tiny"], "--out", out, "--quiet", "--force"]) == 130
    assert f"the earlier contents of '{out}' are untouched" in one_line(capsys)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_broken_pipe_of_another_pipe_stays_an_internal_error(capfd):
    """Only a closed stdout is quiet: a BrokenPipeError from a worker's pipe or a socket is a bug."""
    import argparse

    def broken(args):
        raise BrokenPipeError(32, "Broken pipe (a worker)")

    assert cli.run_command("htcore x", broken, argparse.Namespace()) == cli.EXIT_INTERNAL_ERROR
    assert "internal error (BrokenPipeError)" in capfd.readouterr().err
