"""Shared pieces of the sweep tests: a tiny sweep, run functions for the workers (module-level so that
spawned processes and Dask workers import them by name) and an exact snapshot of a sweep directory."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import numpy as np

from htcore import Config, train
from htcore.problem import Problem
from htcore.results import load_sweep, summarize
from htcore.store import read_spectra
from htcore.sweep import parse_spec, train_shared

TINY_BASE = {"n": 60, "d": 16, "h": 24, "n_test": 20, "steps": 4, "probe_every": 2}
TINY_SWEEP = f"""
name = "tiny"
seed = 11
repeats = 2
[base]
{chr(10).join(f"{k} = {v}" for k, v in TINY_BASE.items())}
[grid]
optimizer = ["gd", "adam"]
lr = {{ log10_start = -1, log10_stop = 2, num = 3 }}
"""
FAULTY_LR = 7.0
DIVERGING_LR = 1e300
SLEEPY_SECONDS = 4.0


def tiny_spec(path: Path, text: str = TINY_SWEEP) -> Path:
    """Write a sweep TOML and return its path."""
    path.write_text(text)
    return path


def load_toml(text: str) -> dict:
    """TOML text as a dict (tomllib, or its backport tomli on Python 3.10, as htcore reads TOML)."""
    try:
        import tomllib
    except ModuleNotFoundError:
        import tomli as tomllib

    return tomllib.loads(text)


def tiny_sweep():
    """The tiny sweep's spec: 2 optimisers × 3 learning rates × 2 repeats = 12 runs."""
    return parse_spec(load_toml(TINY_SWEEP))


def plain_train(config: Config, problem: Problem, initial_probe) -> object:
    """Ignore the shared problem and step-0 probe: `htcore.train(config)` from scratch."""
    return train(config)


def slow_train(config: Config, problem: Problem, initial_probe) -> object:
    """The default run function, 0.4 s slower, so that a SIGKILL lands in the middle of a sweep."""
    time.sleep(0.4)
    return train_shared(config, problem, initial_probe)


def sleepy_train(config: Config, problem: Problem, initial_probe) -> object:
    """The default run function, `SLEEPY_SECONDS` slower: a run that outlives a short claim timeout."""
    time.sleep(SLEEPY_SECONDS)
    return train_shared(config, problem, initial_probe)


def faulty_train(config: Config, problem: Problem, initial_probe) -> object:
    """The default run function, except that the run with lr = FAULTY_LR raises."""
    if config.lr == FAULTY_LR:
        raise RuntimeError("injected fault")
    return train_shared(config, problem, initial_probe)


def index_rows(root: Path) -> dict[str, dict]:
    """The index rows of a sweep directory by key, read directly from `index.sqlite` (while a sweep
    may be writing it); sqlite3.OperationalError before the sweep has created the table."""
    db = sqlite3.connect(root / "index.sqlite")
    try:
        cursor = db.execute("SELECT * FROM runs")
        names = [c[0] for c in cursor.description]
        return {row[0]: dict(zip(names, row)) for row in cursor.fetchall()}
    finally:
        db.close()


def _exact(values: np.ndarray) -> bytes | tuple:
    values = np.asarray(values)
    return values.tobytes() if values.dtype.kind in "biuf" else tuple(values.tolist())


def snapshot(root: Path) -> dict:
    """Everything a sweep produced, as exact bytes: per run its status, metric columns and spectra,
    and the summary table (float64 values compared bit for bit, NaN included)."""
    data = load_sweep(root)
    runs = {}
    for run in data.runs:
        metrics = data.metrics.get(run["key"], {})
        spectra = read_spectra(root / "spectra" / f"{run['key']}.npz") if metrics else {}
        runs[run["key"]] = (run["status"], run["reason"],
                            {k: _exact(v) for k, v in metrics.items()},
                            {s: e.tobytes() for s, e in spectra.items()})
    table = [{k: np.float64(v).tobytes() if isinstance(v, float) else v for k, v in row.items()}
             for row in summarize(data)]
    return {"runs": runs, "summary": table}
