"""Sweep processes sharing one directory: every run is claimed in the index before it runs, so each
runs exactly once (one attempt) whichever process runs it, with the same bytes as a single-process
sweep; the claim of a SIGKILLed process is taken over once its heartbeat is older than the claim
timeout, and a live process's heartbeats keep a run longer than the timeout from being taken over."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from htcore.store import STALE_TMP_AGE, SweepStore
from htcore.sweep import load_spec, run_sweep
from tests.sweep import helpers
from tests.sweep.helpers import index_rows, snapshot, tiny_spec, tiny_sweep

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 1.5  # claim timeout (s) of the takeover tests; heartbeats every TIMEOUT / 4
PAIR_SWEEP = "name = 'pair'\nseed = 3\n[base]\n" + "".join(
    f"{k} = {v}\n" for k, v in helpers.TINY_BASE.items()) + "[grid]\nlr = [0.1, 1.0]\n"


def _sweep_process(out: Path, spec: str, train_fn: str, claim_timeout: float) -> subprocess.Popen:
    """`run_sweep` of the spec file `spec` with one worker and `helpers.<train_fn>`, in a new process
    group (so that killpg reaches its worker too)."""
    code = ("from htcore.sweep import load_spec, run_sweep\n"
            "from tests.sweep import helpers\n"
            f"report = run_sweep(load_spec({spec!r}), {str(out)!r}, workers=1, progress=False, "
            f"train_fn=helpers.{train_fn}, claim_timeout={claim_timeout})\n"
            "print('executed', report.executed)\n")
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.PIPE, text=True)


def _wait_for(out: Path, condition: Callable[[dict[str, dict]], bool], process: subprocess.Popen
              ) -> dict[str, dict]:
    """Poll the index of `out` until `condition(rows)` holds (fail if `process` exits first)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
        try:
            rows = index_rows(out)
        except sqlite3.OperationalError:  # index not created yet, or locked for a moment
            continue
        if condition(rows):
            return rows
    pytest.fail(f"sweep process exited ({process.poll()}) or timed out before the expected state")


def _live_claims(rows: dict[str, dict]) -> set[str]:
    return {k for k, r in rows.items() if r["status"] == "running" and r["heartbeat"] is not None}


def test_two_sweep_commands_on_one_directory_run_every_run_once(reference, tmp_path):
    out = tmp_path / "shared"
    argv = [sys.executable, "-m", "htcore", "sweep", str(tiny_spec(tmp_path / "tiny.toml")),
            "--out", str(out), "--workers", "1", "--quiet"]
    processes = [subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], [err for _, err in outputs]
    ran = [int(re.search(r"ran (\d+) runs; all runs: ok 12;", text)[1]) for text, _ in outputs]
    assert sum(ran) == 12
    rows = index_rows(out)
    assert {(r["status"], r["attempts"], r["heartbeat"]) for r in rows.values()} == {("ok", 1, None)}
    owners = {r["owner"] for r in rows.values()}
    assert len(owners) == len([n for n in ran if n]) and all(o.count(":") == 2 for o in owners)
    assert snapshot(out) == reference[1]


def test_claims_of_a_killed_sweep_are_taken_over_after_the_claim_timeout(reference, tmp_path):
    out = tmp_path / "killed"
    spec = str(tiny_spec(tmp_path / "tiny.toml"))
    process = _sweep_process(out, spec, "slow_train", claim_timeout=600.0)
    _wait_for(out, lambda rows: _live_claims(rows) and any(r["status"] == "ok" for r in rows.values()),
              process)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    killed = index_rows(out)  # as the SIGKILL left it
    held = _live_claims(killed)
    done = {k for k, r in killed.items() if r["status"] == "ok"}
    assert held and done and not held & done
    resumed = subprocess.run([sys.executable, "-m", "htcore", "sweep", spec, "--out", str(out),
                              "--workers", "2", "--quiet", "--claim-timeout", str(TIMEOUT)],
                             cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert f"ran {12 - len(done)} runs; all runs: ok 12;" in resumed.stdout, resumed.stderr
    rows = index_rows(out)
    assert {k: r["attempts"] for k, r in rows.items()} == {k: 1 + (k in held) for k in rows}
    assert all(rows[k]["claimed_at"] > killed[k]["heartbeat"] + TIMEOUT for k in held)  # once stale
    assert all(rows[k] == killed[k] for k in done)
    assert snapshot(out) == reference[1]


def test_heartbeats_keep_a_long_run_from_being_taken_over(tmp_path):
    out = tmp_path / "pair"
    spec = str(tiny_spec(tmp_path / "pair.toml", PAIR_SWEEP))
    process = _sweep_process(out, spec, "sleepy_train", claim_timeout=TIMEOUT)
    first = _wait_for(out, _live_claims, process)
    [slow] = _live_claims(first)
    report = run_sweep(load_spec(spec), out, workers=1, progress=False, claim_timeout=TIMEOUT)
    returned = time.time()
    assert process.communicate(timeout=120)[0].strip() == "executed 1" and process.returncode == 0
    assert (report.executed, report.counts) == (1, {"ok": 2})
    rows = index_rows(out)
    assert {r["attempts"] for r in rows.values()} == {1}
    assert len({r["owner"] for r in rows.values()}) == 2
    held_for = rows[slow]["updated_at"] - rows[slow]["claimed_at"]
    assert held_for > helpers.SLEEPY_SECONDS > 2 * TIMEOUT  # held past the timeout, never stale
    assert returned >= rows[slow]["updated_at"]  # this sweep waited for the other one's run


def test_claim_rule_in_the_index(tmp_path):
    """`SweepStore.claim` directly: a live claim is held, a stale or released one is taken, a run
    finished or started elsewhere since `todo` is dropped, a done run is never recorded over, and bad
    arguments are refused."""
    runs = [(f"k{i}", 0, {"i": i}) for i in range(4)]
    with SweepStore.open(tmp_path / "s", "{}", []) as store:
        store.register(runs)
        todo = store.todo()
        assert store.claim({"k0": todo["k0"], "k1": todo["k1"]}, "a", 10.0) == (["k0", "k1"], [])
        assert store.claim(todo, "b", 10.0) == (["k2", "k3"], ["k0", "k1"])
        store.record("k2", "failed", "boom", None, 0.0, [], {})
        assert store.release("b") == 1  # k3
        with store._write() as db:  # k1's owner stops beating
            db.execute("UPDATE runs SET heartbeat = heartbeat - 11 WHERE key = 'k1'")
        assert store.heartbeat("a") == 2
        assert store.claim(todo, "c", 10.0) == (["k3"], ["k0", "k1"])  # k1 just refreshed by a
        with store._write() as db:
            db.execute("UPDATE runs SET heartbeat = heartbeat - 11 WHERE key = 'k1'")
        assert store.claim(todo, "c", 10.0) == (["k1"], ["k0", "k3"])  # k2 failed meanwhile: dropped
        attempts = {r["key"]: (r["attempts"], r["owner"]) for r in store.runs()}
        assert attempts == {"k0": (1, "a"), "k1": (2, "c"), "k2": (1, "b"), "k3": (2, "c")}
        store.record("k0", "ok", None, None, 1.0, [{"step": 0}], {0: np.ones(2)})
        store.record("k0", "failed", "a stalled owner's late outcome", None, 2.0, [], {})
        assert [(r["status"], r["wall_time"]) for r in store.runs()][0] == ("ok", 1.0)
        for bad, message in ((("", 1.0), "owner"), (("a", 0), "timeout"),
                             (("a", float("nan")), "timeout")):
            with pytest.raises(ValueError, match=message):
                store.claim(todo, *bad)
    with pytest.raises(ValueError, match="claim_timeout: got 0"):
        run_sweep(tiny_sweep(), tmp_path / "x", workers=1, progress=False, claim_timeout=0)


def test_index_written_before_claims_gets_the_claim_columns(tmp_path):
    """A directory of a sweep that predates claims: its runs left `running` (no heartbeat) are
    claimable at once, and the rest of the row is kept."""
    root = tmp_path / "old"
    root.mkdir()
    db = sqlite3.connect(root / "index.sqlite")
    with db:
        db.executescript(
            "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE runs (key TEXT PRIMARY KEY, repeat INTEGER NOT NULL, config TEXT NOT NULL,"
            " status TEXT NOT NULL DEFAULT 'pending', reason TEXT, diverged_at INTEGER,"
            " wall_time REAL, attempts INTEGER NOT NULL DEFAULT 0, updated_at REAL);"
            "INSERT INTO meta VALUES ('spec', '{}'), ('grid', '[]');"
            "INSERT INTO runs (key, repeat, config, status, attempts)"
            " VALUES ('k', 0, '{}', 'running', 3);")
    db.close()
    with SweepStore.open(root, "{}", []) as store:
        todo = store.todo()
        assert todo == {"k": ("running", 3)}
        assert store.claim(todo, "a", 60.0) == (["k"], [])
        [row] = store.runs()
    assert (row["attempts"], row["owner"], row["claimed_at"] == row["heartbeat"]) == (4, "a", True)


def test_open_removes_only_old_temporary_files(tmp_path):
    """Temporary files older than STALE_TMP_AGE are a killed writer's; younger ones may be another
    sweep's write in progress and are kept."""
    with SweepStore.open(tmp_path / "s", "{}", []):
        pass
    old, young = (tmp_path / "s" / "metrics" / f".{name}.parquet.x.tmp" for name in ("old", "young"))
    for path in (old, young):
        path.write_bytes(b"partial")
    os.utime(old, (time.time() - STALE_TMP_AGE - 5,) * 2)
    with SweepStore.open(tmp_path / "s", "{}", []):
        pass
    assert (old.exists(), young.exists()) == (False, True)
