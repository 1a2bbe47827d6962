"""Atomic file output: every result file is written to a temporary file in the same directory,
flushed to disk, then renamed over the target, so an interrupted run never leaves a half-written file.

`SweepStore` is a sweep's directory: an SQLite index of runs keyed by `Config.key()`, per-probe metrics
as one Parquet file per run and spectra as one NPZ file per run (see its docstring).
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from htcore.config import ConfigError

if TYPE_CHECKING:  # pyarrow is imported where a sweep uses it: `htcore run` starts without it
    import pyarrow as pa

__all__ = ["DONE_STATUSES", "RUN_STATUSES", "SweepStore", "metrics_table", "read_spectra", "write_bytes",
           "write_figure", "write_json", "write_npz", "write_parquet", "write_spectra", "write_text"]


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` atomically (temp file in the same directory, fsync, os.replace)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, obj: Any) -> Path:
    """Write `obj` as indented JSON atomically (non-finite floats become null, valid JSON)."""
    return write_text(path, json.dumps(_finite_or_null(obj), indent=2) + "\n")


def write_npz(path: str | Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write arrays as an uncompressed .npz (numpy.load reads it) atomically."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return write_bytes(path, buffer.getvalue())


def write_spectra(path: str | Path, spectra: dict[int, np.ndarray]) -> Path:
    """Write probe step → ESD as an .npz with `steps` (ascending) and `esd` (one row per step)."""
    steps = sorted(spectra)
    return write_npz(path, {"steps": np.array(steps, dtype=np.int64),
                            "esd": np.array([spectra[s] for s in steps], dtype=np.float64)})


def read_spectra(path: str | Path) -> dict[int, np.ndarray]:
    """Inverse of `write_spectra`."""
    with np.load(path) as data:
        return {int(s): row for s, row in zip(data["steps"], data["esd"])}


def write_parquet(path: str | Path, table: pa.Table) -> Path:
    """Write a pyarrow Table as Parquet atomically (`pandas.read_parquet` opens it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return write_bytes(path, sink.getvalue().to_pybytes())


def write_figure(path: str | Path, figure) -> Path:
    """Save a matplotlib Figure as PNG atomically."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    return write_bytes(path, buffer.getvalue())


def _finite_or_null(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite_or_null(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite_or_null(v) for v in obj]
    return obj


RUN_STATUSES = ("pending", "running", "ok", "diverged", "failed")
DONE_STATUSES = ("ok", "diverged")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    key TEXT PRIMARY KEY, repeat INTEGER NOT NULL, config TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending', reason TEXT, diverged_at INTEGER,
    wall_time REAL, attempts INTEGER NOT NULL DEFAULT 0, updated_at REAL);
"""


def metrics_table(key: str, repeat: int, config: dict[str, Any], history: list[dict]) -> pa.Table:
    """One row per probe: `key`, `repeat`, every config field, then the probe record (`step` int64,
    every other metric float64, NaN for a missing value). The schema depends only on the fields."""
    import pyarrow as pa

    arrow_types = {bool: pa.bool_(), int: pa.int64(), float: pa.float64(), str: pa.string()}
    rows = len(history)
    columns = {"key": pa.array([key] * rows, pa.string()),
               "repeat": pa.array([repeat] * rows, pa.int64())}
    for name, value in config.items():
        columns[name] = pa.array([value] * rows, arrow_types[type(value)])
    for name in history[0]:
        kind = pa.int64() if name == "step" else pa.float64()
        values = [np.nan if r[name] is None else r[name] for r in history]
        columns[name] = pa.array(values, kind)
    return pa.table(columns)


class SweepStore:
    """A sweep directory, written by one process (the sweep's parent):

    - `index.sqlite`: table `runs` (key = Config.key(), repeat, config JSON, status in
      `RUN_STATUSES`, reason, diverged_at, wall_time, attempts, updated_at) and table `meta`
      (`spec`: the sweep's canonical JSON, `grid`: its axes);
    - `metrics/<key>.parquet`: `metrics_table` of the run (`pandas.read_parquet(DIR / "metrics")`
      reads the whole sweep);
    - `spectra/<key>.npz`: `write_spectra` of the run.

    A run is done when its status is ok or diverged: `record` writes both files atomically first and
    then commits the status, so a done run is complete on disk. A failed run has no files.
    """

    def __init__(self, root: Path, connection: sqlite3.Connection) -> None:
        self.root = root
        self._db = connection

    @classmethod
    def open(cls, root: str | Path, spec_json: str, grid: list[str]) -> SweepStore:
        """Open or create the directory of the sweep `spec_json`; a directory holding a different
        sweep raises ConfigError (a ValueError). Temporary files left by a killed writer are removed."""
        root = Path(root)
        for sub in ("metrics", "spectra"):
            (root / sub).mkdir(parents=True, exist_ok=True)
            for stale in (root / sub).glob(".*.tmp"):
                stale.unlink(missing_ok=True)
        store = cls(root, sqlite3.connect(root / "index.sqlite"))
        with store._db:
            store._db.executescript(_SCHEMA)
            store._db.execute("INSERT OR IGNORE INTO meta VALUES ('spec', ?)", (spec_json,))
            store._db.execute("INSERT OR IGNORE INTO meta VALUES ('grid', ?)", (json.dumps(grid),))
        if store.spec_json != spec_json:
            raise ConfigError(f"out: {str(root)!r} holds a different sweep; choose another directory")
        return store

    @classmethod
    def open_existing(cls, root: str | Path) -> SweepStore:
        """Open a sweep directory for reading; ConfigError (a ValueError) when it has no index."""
        root = Path(root)
        if not (root / "index.sqlite").is_file():
            raise ConfigError(f"sweep directory: {str(root)!r} has no index.sqlite")
        return cls(root, sqlite3.connect(root / "index.sqlite"))

    def _meta(self, name: str) -> str:
        return self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()[0]

    @property
    def spec_json(self) -> str:
        return self._meta("spec")

    @property
    def grid(self) -> list[str]:
        return json.loads(self._meta("grid"))

    def register(self, runs: Iterable[tuple[str, int, dict[str, Any]]]) -> None:
        """Add runs (key, repeat, config dict) not yet in the index as pending."""
        with self._db:
            self._db.executemany("INSERT OR IGNORE INTO runs (key, repeat, config) VALUES (?, ?, ?)",
                                 [(k, r, json.dumps(c, sort_keys=True)) for k, r, c in runs])

    def todo(self, retry_failed: bool = False) -> set[str]:
        """Keys of the runs not done (pending, running — interrupted — and, if asked, failed)."""
        rows = self._db.execute("SELECT key, status FROM runs").fetchall()
        skip = DONE_STATUSES if retry_failed else DONE_STATUSES + ("failed",)
        return {k for k, status in rows if status not in skip or not self._complete(k, status)}

    def _complete(self, key: str, status: str) -> bool:
        if status == "failed":
            return True
        return all(p.is_file() for p in (self.metrics_path(key), self.spectra_path(key)))

    def mark_running(self, keys: Iterable[str]) -> None:
        """Mark runs as dispatched (attempts + 1)."""
        with self._db:
            self._db.executemany("UPDATE runs SET status = 'running', attempts = attempts + 1, "
                                 "updated_at = ? WHERE key = ?", [(time.time(), k) for k in keys])

    def metrics_path(self, key: str) -> Path:
        return self.root / "metrics" / f"{key}.parquet"

    def spectra_path(self, key: str) -> Path:
        return self.root / "spectra" / f"{key}.npz"

    def record(self, key: str, status: str, reason: str | None, diverged_at: int | None,
               wall_time: float, history: list[dict], spectra: dict[int, np.ndarray]) -> None:
        """Store a finished run: files first (ok/diverged), then its index row in one commit."""
        if status not in RUN_STATUSES[2:]:
            raise ValueError(f"status: got {status!r}; expected one of {', '.join(RUN_STATUSES[2:])}")
        repeat, config = self._db.execute("SELECT repeat, config FROM runs WHERE key = ?",
                                          (key,)).fetchone()
        if status in DONE_STATUSES:
            write_parquet(self.metrics_path(key), metrics_table(key, repeat, json.loads(config),
                                                                history))
            write_spectra(self.spectra_path(key), spectra)
        with self._db:
            self._db.execute("UPDATE runs SET status = ?, reason = ?, diverged_at = ?, wall_time = ?, "
                             "updated_at = ? WHERE key = ?",
                             (status, reason, diverged_at, wall_time, time.time(), key))

    def counts(self) -> dict[str, int]:
        """Number of runs per status (statuses with none omitted)."""
        rows = self._db.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall()
        order = {s: i for i, s in enumerate(RUN_STATUSES)}
        return dict(sorted(rows, key=lambda r: order[r[0]]))

    def runs(self) -> list[dict[str, Any]]:
        """Every index row as a dict (config parsed), in key order."""
        cursor = self._db.execute("SELECT * FROM runs ORDER BY key")
        names = [c[0] for c in cursor.description]
        rows = [dict(zip(names, row)) for row in cursor.fetchall()]
        for row in rows:
            row["config"] = json.loads(row["config"])
        return rows

    def read_metrics(self) -> pa.Table | None:
        """All done runs' metrics as one table (rows ordered by key, then step), None if none."""
        done = [self.metrics_path(r["key"]) for r in self.runs() if r["status"] in DONE_STATUSES]
        if not done:
            return None
        import pyarrow as pa
        import pyarrow.parquet as pq

        return pa.concat_tables(pq.read_table(p) for p in done)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
