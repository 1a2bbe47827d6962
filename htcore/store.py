"""Atomic file output: every result file is written to a temporary file in the same directory,
flushed to disk, then renamed over the target, so an interrupted run never leaves a half-written file.

`SweepStore` is a sweep's directory: an SQLite index of runs keyed by `Config.key()`, per-probe metrics
as one Parquet file per run and spectra as one NPZ file per run (see its docstring). Several sweep
processes may share a directory: each claims a run in the index before running it (`SweepStore.claim`).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from htcore.config import ConfigError
from theory.display import public_dir

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


def _connect(root: Path) -> sqlite3.Connection:
    """A connection to `root/index.sqlite` in autocommit mode (write transactions are explicit,
    `SweepStore._write`) that waits up to `BUSY_TIMEOUT` seconds for another process's lock."""
    return sqlite3.connect(root / "index.sqlite", timeout=BUSY_TIMEOUT, isolation_level=None)


@contextlib.contextmanager
def _index_errors(root: Path) -> Iterator[None]:
    """A damaged index (not an SQLite file, malformed, or without the sweep tables) raises ConfigError
    naming it: bad input, not a bug. A lock held by another process is not caught here."""
    try:
        yield
    except (sqlite3.DatabaseError, IndexError, KeyError, json.JSONDecodeError) as err:
        if isinstance(err, sqlite3.OperationalError) and "locked" in str(err):
            raise
        raise ConfigError(f"sweep index {str(root / 'index.sqlite')!r} is damaged or not a sweep index "
                          f"({type(err).__name__}: {err}); move it away to start the sweep anew") from None


def _read_metrics_file(path: Path) -> pa.Table:
    """One run's metrics table; a missing or damaged Parquet file raises ConfigError naming it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path)
    except (OSError, pa.ArrowException) as err:
        raise ConfigError(f"metrics file {str(path)!r} of a finished run is missing or damaged "
                          f"({type(err).__name__}: {err})") from None


def _remove_stale_tmp(directory: Path) -> None:
    """Remove the temporary files in `directory` older than `STALE_TMP_AGE` seconds."""
    now = time.time()
    for path in directory.glob(".*.tmp"):
        with contextlib.suppress(FileNotFoundError):  # renamed or removed by its writer meanwhile
            if now - path.stat().st_mtime > STALE_TMP_AGE:
                path.unlink()


def _check_owner(owner: Any) -> None:
    if not isinstance(owner, str) or not owner:
        raise ValueError(f"owner: got {owner!r}; expected a non-empty string")


def _check_timeout(timeout: Any) -> None:
    if (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout)
            or timeout <= 0):
        raise ValueError(f"timeout: got {timeout!r}; expected a number of seconds > 0")


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
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ("CREATE TABLE IF NOT EXISTS runs ("
     " key TEXT PRIMARY KEY, repeat INTEGER NOT NULL, config TEXT NOT NULL,"
     " status TEXT NOT NULL DEFAULT 'pending', reason TEXT, diverged_at INTEGER,"
     " wall_time REAL, attempts INTEGER NOT NULL DEFAULT 0, updated_at REAL)"),
)
#: Claim columns of `runs`, added to an index written before sweeps claimed runs.
_CLAIM_COLUMNS = {"owner": "TEXT", "claimed_at": "REAL", "heartbeat": "REAL"}
#: Default seconds without a heartbeat after which another sweep process may take over a run's claim.
CLAIM_TIMEOUT = 60.0
#: Seconds an SQLite statement waits for another process's write lock before it raises.
BUSY_TIMEOUT = 60.0
#: Age (s) after which a temporary file in a sweep directory is a killed writer's leftover: younger
#: ones may belong to another sweep process writing into the same directory right now.
STALE_TMP_AGE = 600.0


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
    """A sweep directory, written by the parent processes of one or more sweeps:

    - `index.sqlite`: table `runs` (key = Config.key(), repeat, config JSON, status in
      `RUN_STATUSES`, reason, diverged_at, wall_time, attempts, updated_at, and the last claim:
      owner, claimed_at, heartbeat — NULL once the run is finished or the claim released) and table
      `meta` (`spec`: the sweep's canonical JSON, `grid`: its axes);
    - `metrics/<key>.parquet`: `metrics_table` of the run (`pandas.read_parquet(DIR / "metrics")`
      reads the whole sweep);
    - `spectra/<key>.npz`: `write_spectra` of the run.

    A run is done when its status is ok or diverged: `record` writes both files atomically first and
    then commits the status, so a done run is complete on disk. A failed run has no files.

    Claims: a process runs a run only after `claim` gave it the run (status running, owner = its id,
    attempts + 1) in one write transaction; its heartbeats refresh the claim, and a claim whose
    heartbeat is older than the claim timeout (its owner died) may be taken by another process.
    Every write takes the write lock first (BEGIN IMMEDIATE): what it read cannot change before it
    commits.
    """

    def __init__(self, root: Path, connection: sqlite3.Connection) -> None:
        self.root = root
        self._db = connection

    @classmethod
    def open(cls, root: str | Path, spec_json: str, grid: list[str]) -> SweepStore:
        """Open or create the directory of the sweep `spec_json`; a directory holding a different
        sweep raises ConfigError (a ValueError) and is left unchanged. Temporary files older than
        `STALE_TMP_AGE` (left by a killed writer) are removed."""
        root = Path(root)
        for sub in ("metrics", "spectra"):
            (root / sub).mkdir(parents=True, exist_ok=True)
            _remove_stale_tmp(root / sub)
        store = cls(root, _connect(root))
        try:
            with _index_errors(root), store._write() as db:
                for statement in _SCHEMA:
                    db.execute(statement)
                db.execute("INSERT OR IGNORE INTO meta VALUES ('spec', ?)", (spec_json,))
                db.execute("INSERT OR IGNORE INTO meta VALUES ('grid', ?)", (json.dumps(grid),))
                if store.spec_json != spec_json:
                    raise ConfigError(f"out: {str(root)!r} holds a different sweep; choose another "
                                      "directory")
                store._add_claim_columns()
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def open_existing(cls, root: str | Path) -> SweepStore:
        """Open a sweep directory for reading; ConfigError (a ValueError) when it has no index or the
        index is not a readable sweep index (checked here, by reading its metadata)."""
        root = Path(root)
        if not (root / "index.sqlite").is_file():
            raise ConfigError(f"sweep directory: {str(root)!r} has no index.sqlite")
        store = cls(root, _connect(root))
        try:
            with _index_errors(root):
                store.grid, store.spec_json  # noqa: B018 — reading them is the check
        except sqlite3.OperationalError:  # locked by another process's writer: the reads will wait again
            pass
        except BaseException:
            store.close()
            raise
        return store

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE takes the write lock before anything is read, so no
        other process changes the index between this transaction's reads and its writes."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            self._db.commit()
        except BaseException:
            self._db.rollback()
            raise

    def _add_claim_columns(self) -> None:
        """Add the columns of `_CLAIM_COLUMNS` that the runs table lacks (inside a `_write`)."""
        present = {row[1] for row in self._db.execute("PRAGMA table_info(runs)").fetchall()}
        for name, kind in _CLAIM_COLUMNS.items():
            if name not in present:
                self._db.execute(f"ALTER TABLE runs ADD COLUMN {name} {kind}")

    def _meta(self, name: str) -> str:
        return self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchall()[0][0]

    @property
    def spec_json(self) -> str:
        return self._meta("spec")

    @property
    def grid(self) -> list[str]:
        return json.loads(self._meta("grid"))

    def register(self, runs: Iterable[tuple[str, int, dict[str, Any]]]) -> None:
        """Add runs (key, repeat, config dict) not yet in the index as pending."""
        with self._write() as db:
            db.executemany("INSERT OR IGNORE INTO runs (key, repeat, config) VALUES (?, ?, ?)",
                           [(k, r, json.dumps(c, sort_keys=True)) for k, r, c in runs])

    def todo(self, retry_failed: bool = False) -> dict[str, tuple[str, int]]:
        """The runs not done (pending, running — claimed, or interrupted — and, if asked, failed), each
        with its (status, attempts) as read now: what `claim` expects to find unchanged."""
        rows = self._db.execute("SELECT key, status, attempts FROM runs").fetchall()
        skip = DONE_STATUSES if retry_failed else DONE_STATUSES + ("failed",)
        return {k: (status, attempts) for k, status, attempts in rows
                if status not in skip or not self._complete(k, status)}

    def _complete(self, key: str, status: str) -> bool:
        if status == "failed":
            return True
        return all(p.is_file() for p in (self.metrics_path(key), self.spectra_path(key)))

    def claim(self, expected: dict[str, tuple[str, int]], owner: str, timeout: float
              ) -> tuple[list[str], list[str]]:
        """Claim for `owner`, in one transaction, the runs of `expected` (key → (status, attempts) as
        read by `todo`) that no live claimant holds; return (claimed, held by a live claimant).

        A running run is claimable when its claim is stale: no heartbeat for more than `timeout`
        seconds, or none at all (released, or interrupted before sweeps claimed runs). A run not
        running is claimable when its status and attempts are still the expected ones; otherwise
        another process finished or started it since `todo`, and it is neither claimed nor held.
        Claiming sets status running, owner, claimed_at = heartbeat = now, and adds one attempt."""
        _check_owner(owner)
        _check_timeout(timeout)
        if not expected:
            return [], []
        now = time.time()
        with self._write() as db:
            marks = ", ".join("?" * len(expected))
            rows = {k: (s, a, h) for k, s, a, h in db.execute(
                f"SELECT key, status, attempts, heartbeat FROM runs WHERE key IN ({marks})",
                list(expected)).fetchall()}
            claimed, held = [], []
            for key, (status, attempts, heartbeat) in ((k, rows[k]) for k in expected if k in rows):
                if status == "running":
                    stale = heartbeat is None or now - heartbeat > timeout
                    (claimed if stale else held).append(key)
                elif (status, attempts) == tuple(expected[key]):
                    claimed.append(key)
            db.executemany("UPDATE runs SET status = 'running', owner = ?, claimed_at = ?, "
                           "heartbeat = ?, attempts = attempts + 1, updated_at = ? WHERE key = ?",
                           [(owner, now, now, now, k) for k in claimed])
        return claimed, held

    def heartbeat(self, owner: str) -> int:
        """Refresh the claims of `owner` (heartbeat = now); return how many it holds."""
        _check_owner(owner)
        with self._write() as db:
            return db.execute("UPDATE runs SET heartbeat = ? WHERE owner = ? AND status = 'running'",
                              (time.time(), owner)).rowcount

    def release(self, owner: str) -> int:
        """Give up the claims `owner` still holds: their runs stay running, with no heartbeat, so any
        process may claim them at once; return how many."""
        _check_owner(owner)
        with self._write() as db:
            return db.execute("UPDATE runs SET owner = NULL, heartbeat = NULL "
                              "WHERE owner = ? AND status = 'running'", (owner,)).rowcount

    def metrics_path(self, key: str) -> Path:
        return self.root / "metrics" / f"{key}.parquet"

    def spectra_path(self, key: str) -> Path:
        return self.root / "spectra" / f"{key}.npz"

    def record(self, key: str, status: str, reason: str | None, diverged_at: int | None,
               wall_time: float, history: list[dict], spectra: dict[int, np.ndarray]) -> None:
        """Store a finished run: files first (ok/diverged), then its index row in one commit, which
        ends its claim. A run already done keeps its row: it was finished twice (its claim was taken
        over from a stalled owner), and a run's results depend only on its config. The owner stays
        (who ran the run last)."""
        if status not in RUN_STATUSES[2:]:
            raise ValueError(f"status: got {status!r}; expected one of {', '.join(RUN_STATUSES[2:])}")
        repeat, config = self._db.execute("SELECT repeat, config FROM runs WHERE key = ?",
                                          (key,)).fetchall()[0]
        if status in DONE_STATUSES:
            write_parquet(self.metrics_path(key), metrics_table(key, repeat, json.loads(config),
                                                                history))
            write_spectra(self.spectra_path(key), spectra)
        with self._write() as db:
            db.execute("UPDATE runs SET status = ?, reason = ?, diverged_at = ?, wall_time = ?, "
                       "updated_at = ?, heartbeat = NULL "
                       "WHERE key = ? AND status NOT IN (?, ?)",
                       (status, reason, diverged_at, wall_time, time.time(), key, *DONE_STATUSES))

    def counts(self) -> dict[str, int]:
        """Number of runs per status (statuses with none omitted)."""
        rows = self._db.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall()
        order = {s: i for i, s in enumerate(RUN_STATUSES)}
        return dict(sorted(rows, key=lambda r: order[r[0]]))

    def runs(self) -> list[dict[str, Any]]:
        """Every index row as a dict (config parsed), in key order."""
        with _index_errors(self.root):
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

        return pa.concat_tables(_read_metrics_file(p) for p in done)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__dir__ = public_dir(__name__)
