"""Executing sweeps: the numbers depend only on each run's Config — not on the number of workers,
on Dask versus the process pool, on sharing the problem and step-0 probe, or on a SIGKILL and resume —
compared bit for bit (float64). Failures and divergences are recorded and the sweep goes on."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from htcore.cli import main
from htcore.results import load_sweep
from htcore.sweep import dask_client, load_spec, run_sweep
from htcore.train import PROBE_KEYS
from tests.sweep import helpers
from tests.sweep.helpers import snapshot, tiny_spec, tiny_sweep

ROOT = Path(__file__).resolve().parents[2]


def _index(out: Path) -> dict[str, tuple]:
    with sqlite3.connect(out / "index.sqlite") as db:
        return {k: (s, a, u) for k, s, a, u in
                db.execute("SELECT key, status, attempts, updated_at FROM runs")}


def test_one_worker_equals_two_workers(reference, tmp_path):
    run_sweep(tiny_sweep(), tmp_path / "one", workers=1, progress=False)
    assert snapshot(tmp_path / "one") == reference[1]


def test_dask_local_cluster_equals_process_pool(reference, tmp_path):
    with dask_client(local_workers=2) as client:
        assert sum(client.nthreads().values()) == 2
        report = run_sweep(tiny_sweep(), tmp_path / "dask", client=client, progress=False)
    assert report.counts == {"ok": 12}
    assert snapshot(tmp_path / "dask") == reference[1]


def test_shared_work_changes_no_bit(reference, tmp_path):
    """Every run trained from scratch by htcore.train (own problem, own step-0 probe, 1 BLAS thread
    as in any sweep worker) gives the same bytes as the sweep that shares that work."""
    run_sweep(tiny_sweep(), tmp_path / "plain", workers=2, progress=False,
              train_fn=helpers.plain_train)
    assert snapshot(tmp_path / "plain") == reference[1]


def test_rerun_skips_finished_runs(reference, capsys):
    out = reference[0]
    before = _index(out)
    assert main(["sweep", str(tiny_spec(out.parent / "tiny.toml")), "--out", str(out),
                 "--quiet"]) == 0
    assert "ran 0 runs; all runs: ok 12" in capsys.readouterr().out
    assert _index(out) == before


def test_sigkill_mid_sweep_then_resume_runs_only_the_missing(reference, tmp_path, capsys):
    out = tmp_path / "killed"
    code = ("from tests.sweep.helpers import slow_train, tiny_sweep\n"
            "from htcore.sweep import run_sweep\n"
            f"run_sweep(tiny_sweep(), {str(out)!r}, workers=2, progress=False, train_fn=slow_train)\n")
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 120
    done: set[str] = set()
    while len(done) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
        if (out / "index.sqlite").exists():
            try:
                done = {k for k, (s, _, _) in _index(out).items() if s == "ok"}
            except sqlite3.OperationalError:  # schema not created yet
                continue
    signal_sent = process.poll() is None
    if signal_sent:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert signal_sent, "the sweep finished before it could be killed"
    killed = _index(out)
    done = {k for k, (s, _, _) in killed.items() if s == "ok"}
    assert 4 <= len(done) < 12
    assert main(["sweep", str(tiny_spec(tmp_path / "tiny.toml")), "--out", str(out),
                 "--quiet", "--claim-timeout", "1"]) == 0  # the killed sweep's claims: stale in 1 s
    assert f"ran {12 - len(done)} runs; all runs: ok 12" in capsys.readouterr().out
    resumed = _index(out)
    assert all(resumed[k] == killed[k] for k in done)  # finished runs untouched
    assert all(resumed[k][2] != killed[k][2] for k in set(killed) - done)  # the others re-ran
    assert snapshot(out) == reference[1]


FAULT_SWEEP = f"""
name = "faults"
seed = 5
[base]
n = 60
d = 16
h = 24
n_test = 20
steps = 3
optimizer = "gd"
[grid]
lr = [0.1, {helpers.FAULTY_LR}, {helpers.DIVERGING_LR}, 100.0]
"""


def test_failure_and_divergence_recorded_and_retry_failed_reruns_only_the_failed(tmp_path, capsys):
    out = tmp_path / "faults"
    spec_path = tiny_spec(tmp_path / "faults.toml", FAULT_SWEEP)
    report = run_sweep(load_spec(spec_path), out, workers=2, progress=False,
                       train_fn=helpers.faulty_train)
    assert report.counts == {"ok": 2, "diverged": 1, "failed": 1}
    runs = {r["config"]["lr"]: r for r in load_sweep(out).runs}
    assert runs[helpers.FAULTY_LR]["reason"] == "RuntimeError: injected fault"
    assert runs[helpers.DIVERGING_LR]["status"] == "diverged"
    assert runs[helpers.DIVERGING_LR]["reason"].startswith("diverged at step 1")
    assert runs[helpers.DIVERGING_LR]["diverged_at"] == 1
    assert not (out / "metrics" / f"{runs[helpers.FAULTY_LR]['key']}.parquet").exists()
    before = _index(out)
    assert main(["sweep", str(spec_path), "--out", str(out), "--quiet"]) == 0
    assert "ran 0 runs" in capsys.readouterr().out
    assert main(["sweep", str(spec_path), "--out", str(out), "--quiet", "--retry-failed"]) == 0
    assert "ran 1 runs; all runs: ok 3, diverged 1" in capsys.readouterr().out
    after = _index(out)
    failed_key = runs[helpers.FAULTY_LR]["key"]
    assert after[failed_key][:2] == ("ok", 2)
    assert all(after[k] == before[k] for k in before if k != failed_key)


def test_parquet_opens_with_pandas_and_results_cli(reference, tmp_path, capsys):
    out = reference[0]
    frame = pd.read_parquet(out / "metrics")
    assert len(frame) == 12 * 3  # probes at steps 0, 2, 4
    assert {"key", "repeat", "optimizer", "lr", "seed", *PROBE_KEYS} <= set(frame.columns)
    assert frame["step"].dtype == "int64" and frame["alpha_hill"].dtype == "float64"
    one = pd.read_parquet(next((out / "metrics").glob("*.parquet")))
    assert list(one["step"]) == [0, 2, 4]
    csv_path = tmp_path / "summary.csv"
    assert main(["results", str(out), "--csv", str(csv_path)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("runs: 12 (ok 12)") and "optimizer" in printed and " ± " in printed
    table = pd.read_csv(csv_path)
    assert len(table) == 6 and (table["n_ok"] == 2).all()
    final = frame[frame["step"] == 4]
    adam = final[(final["optimizer"] == "adam") & (final["lr"] == 0.1)]["alpha_hill"]
    row = table[(table["optimizer"] == "adam") & (table["lr"] == 0.1)].iloc[0]
    assert row["alpha_hill_mean"] == pytest.approx(adam.mean(), rel=1e-15)
    assert row["alpha_hill_sd"] == pytest.approx(adam.std(ddof=1), rel=1e-12)
