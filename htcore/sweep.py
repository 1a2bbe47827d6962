"""Sweeps: a grid of configurations × repeats, run in worker processes or on a Dask cluster.

Specification (TOML; see docs/sweeps.md)::

    name = "lr-sweep"      # optional label
    seed = 0               # sweep seed: repeat r runs with seed SeedSequence(seed, spawn_key=(r,))
    repeats = 5            # ≥ 1
    [base]                 # any Config field except `seed` (defaults for the rest)
    steps = 10
    [grid]                 # axes, any Config field except `seed`; the sweep is their product
    optimizer = ["gd", "adam"]
    lr = { log10_start = -3, log10_stop = 3, num = 7 }   # = 10**linspace(-3, 3, 7)
    [quick]                # optional: what `--quick` changes (repeats, base fields, grid axes)
    repeats = 1
    base = { n = 500 }

Within one repeat every run has the same seed, hence the same β, W0, a and data (`make_problem`
depends only on `PROBLEM_FIELDS`); the runs of a repeat that share a problem are grouped into tasks
that draw it, and probe step 0, once per task. Every expanded Config is validated before anything runs.

Determinism: a run's numbers depend only on its Config. OpenBLAS is not bit-reproducible across
thread counts (on the development machine GEMMs of some shapes — e.g. the gradient product at the
default size, 517×233 by 233×389 — and `eigvalsh` gave different last bits with 1 and 2 threads; the
Numba kernels do not depend on the thread count), so every run executes with one BLAS thread and one
Numba thread, whatever the number of workers: worker processes are spawned with
OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=MKL_NUM_THREADS=NUMBA_NUM_THREADS=1 (Dask's nanny does the same by
default), and a task refuses to run when OPENBLAS_NUM_THREADS is not 1. So `workers` processes use
`workers` cores and never oversubscribe them.

Results go to a `SweepStore` (`htcore.store`), written by the parent process only. Several sweep
processes (each with its workers or Dask cluster) may share a directory: a parent claims a task's runs
in the index just before a free worker starts it, so every run runs once, and heartbeats keep its
claims alive; the claim of a parent that died is taken over after `claim_timeout` seconds.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import multiprocessing
import os
import secrets
import signal
import socket
import sqlite3
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numba
import numpy as np
from tqdm.auto import tqdm

from htcore.config import Config, ConfigError, read_toml
from htcore.problem import Problem, make_problem
from htcore.store import CLAIM_TIMEOUT, SweepStore
from htcore.train import Result, probe, train
from theory.display import public_dir, short_repr

__all__ = ["PROBE0_FIELDS", "PROBLEM_FIELDS", "WORKER_ENV", "RunOutcome", "RunSpec", "SweepReport",
           "SweepSpec", "Task", "TrainFn", "dask_client", "execute_task", "expand", "initial_probe",
           "load_spec", "parse_spec", "plan_tasks", "repeat_seed", "run_sweep", "single_threaded_environment",
           "ignore_sigint", "stop_workers",
           "train_shared"]

#: The Config fields `make_problem` reads: runs equal on these share β, W0, a and the data.
PROBLEM_FIELDS = ("seed", "n", "d", "h", "n_test", "label_noise_std", "teacher", "teacher_direction",
                  "readout_scale", "dtype")
#: The Config fields the step-0 probe reads besides the problem (readout and network loss).
PROBE0_FIELDS = PROBLEM_FIELDS + ("activation", "reg_lambda", "eval_scaling")
#: Environment of worker processes: one thread for every numerical library.
WORKER_ENV = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                     "NUMBA_NUM_THREADS")}
SPEC_KEYS = ("name", "seed", "repeats", "base", "grid", "quick")
QUICK_KEYS = ("repeats", "base", "grid")
LOG_RANGE_KEYS = ("log10_start", "log10_stop", "num")
MAX_RUNS_PER_TASK = 8
#: A live sweep process refreshes its claims `HEARTBEATS_PER_TIMEOUT` times per claim timeout.
HEARTBEATS_PER_TIMEOUT = 4

TrainFn = Callable[[Config, Problem, tuple[dict, np.ndarray]], Result]


@dataclass(frozen=True)
class SweepSpec:
    """A resolved sweep: base values, grid axes (field → tuple of values), repeats and sweep seed."""

    name: str
    seed: int
    repeats: int
    base: dict[str, Any]
    grid: dict[str, tuple]

    def to_json(self) -> str:
        """Canonical JSON (the identity of a sweep directory)."""
        return json.dumps({"name": self.name, "seed": self.seed, "repeats": self.repeats,
                           "base": self.base, "grid": {k: list(v) for k, v in self.grid.items()}},
                          sort_keys=True)


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: its Config, repeat index and grid point (axis → value)."""

    config: Config
    repeat: int
    point: dict[str, Any]

    @property
    def key(self) -> str:
        return self.config.key()


@dataclass
class RunOutcome:
    """What a worker returns for one run (status "ok", "diverged" or "failed")."""

    key: str
    status: str
    reason: str | None = None
    diverged_at: int | None = None
    wall_time: float = 0.0
    history: list[dict] = field(default_factory=list)
    spectra: dict[int, np.ndarray] = field(default_factory=dict)

    def __repr__(self) -> str:
        return short_repr(self, ("key", "status", "reason", "diverged_at", "wall_time", "history", "spectra"))


# --------------------------------------------------------------------------- specification

def repeat_seed(sweep_seed: int, repeat: int) -> int:
    """Seed of repeat `repeat`: 63 bits of `SeedSequence(sweep_seed, spawn_key=(repeat,))`."""
    for name, value in (("seed", sweep_seed), ("repeat", repeat)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{name}: got {value!r}; expected an integer ≥ 0")
    state = np.random.SeedSequence(sweep_seed, spawn_key=(repeat,)).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


def load_spec(path: str | Path, quick: bool = False, overrides: dict[str, Any] | None = None
              ) -> SweepSpec:
    """Read a sweep TOML file; `quick` applies its [quick] table, `overrides` fix Config fields."""
    path = Path(path)
    table = read_toml(path, "sweep file")
    return parse_spec(table, quick=quick, overrides=overrides, default_name=path.stem)


def parse_spec(table: dict[str, Any], quick: bool = False, overrides: dict[str, Any] | None = None,
               default_name: str = "sweep") -> SweepSpec:
    """Validate a sweep table (see the module docstring) and resolve --quick and overrides."""
    _check_keys("sweep", table, SPEC_KEYS)
    quick_table = _table(table, "quick")
    _check_keys("quick", quick_table, QUICK_KEYS)
    base = dict(_table(table, "base"))
    grid = {k: _axis(k, v) for k, v in _table(table, "grid").items()}
    repeats = table.get("repeats", 1)
    if quick:
        base.update(_table(quick_table, "base", "quick.base"))
        grid.update({k: _axis(k, v) for k, v in _table(quick_table, "grid", "quick.grid").items()})
        repeats = quick_table.get("repeats", repeats)
    for name, value in (overrides or {}).items():
        base[name] = value
        grid.pop(name, None)
    _check_fields("base", base)
    _check_fields("grid", grid)
    name = table.get("name", default_name)
    if not isinstance(name, str):
        raise ConfigError(f"name: got {name!r}; expected a string")
    seed = table.get("seed", 0)
    repeat_seed(seed, 0)
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ConfigError(f"repeats: got {repeats!r}; expected an integer ≥ 1")
    spec = SweepSpec(name, seed, repeats, base, grid)
    expand(spec)
    return spec


def expand(spec: SweepSpec) -> list[RunSpec]:
    """Every run of the sweep (repeat-major, then the grid in axis order), each Config validated."""
    axes = list(spec.grid)
    runs, seen = [], {}
    for repeat in range(spec.repeats):
        seed = repeat_seed(spec.seed, repeat)
        for values in itertools.product(*(spec.grid[a] for a in axes)):
            point = dict(zip(axes, values))
            try:
                config = Config.from_dict({**spec.base, **point, "seed": seed})
            except ConfigError as err:
                where = ", ".join(f"{k}={v!r}" for k, v in point.items()) or "base"
                raise ConfigError(f"grid point {where}: {err}") from None
            run = RunSpec(config, repeat, point)
            if run.key in seen:
                raise ConfigError(f"grid: points {seen[run.key]} and {point} give the same config")
            seen[run.key] = point
            runs.append(run)
    return runs


def _table(parent: dict, key: str, label: str | None = None) -> dict:
    value = parent.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{label or key}: got {value!r}; expected a table")
    return value


def _check_keys(label: str, table: dict, allowed: Sequence[str]) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ConfigError(f"{label}: unknown key {unknown[0]!r}; allowed: {', '.join(allowed)}")


def _check_fields(label: str, table: dict) -> None:
    allowed = {f.name for f in fields(Config)}
    for name in table:
        if name == "seed":
            raise ConfigError(f"{label}.seed: run seeds derive from the sweep's top-level `seed` "
                              "and the repeat index; set `seed` at the top level")
        if name not in allowed:
            raise ConfigError(f"{label}.{name}: unknown config field; allowed fields: "
                              f"{', '.join(sorted(allowed - {'seed'}))}")


def _log10_bound(label: str, value: Any) -> float:
    """A log-range bound: a real number (not a bool or a string) whose power of ten is a finite float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not -300.0 <= value <= 300.0:
        raise ConfigError(f"{label}: got {value!r}; expected a number in [-300, 300] (a power of ten)")
    return float(value)


def _axis(name: str, value: Any) -> tuple:
    if isinstance(value, dict):
        _check_keys(f"grid.{name}", value, LOG_RANGE_KEYS)
        missing = [k for k in LOG_RANGE_KEYS if k not in value]
        if missing:
            raise ConfigError(f"grid.{name}: log-range needs {', '.join(LOG_RANGE_KEYS)}; "
                              f"missing {missing[0]}")
        num = value["num"]
        if isinstance(num, bool) or not isinstance(num, int) or num < 1:
            raise ConfigError(f"grid.{name}.num: got {num!r}; expected an integer ≥ 1")
        start, stop = (_log10_bound(f"grid.{name}.{k}", value[k]) for k in ("log10_start", "log10_stop"))
        exps = np.linspace(start, stop, num)
        return tuple(float(10.0**e) for e in exps)
    if not isinstance(value, list) or not value:
        raise ConfigError(f"grid.{name}: got {value!r}; expected a non-empty list of values or "
                          "{log10_start, log10_stop, num}")
    return tuple(value)


# --------------------------------------------------------------------------- tasks and workers

@dataclass(frozen=True)
class Task:
    """Runs that share one problem (same `PROBLEM_FIELDS`), executed together by one worker."""

    configs: tuple[Config, ...]

    @property
    def cost(self) -> float:
        """Rough cost (multiply–adds of the step GEMMs) for longest-first scheduling."""
        return sum(c.n * c.h * c.d * (c.steps + 2) for c in self.configs)


def plan_tasks(configs: Sequence[Config], slots: int) -> list[Task]:
    """Group configs by problem, split groups so that there are ≥ 4 tasks per slot (at most
    `MAX_RUNS_PER_TASK` runs each), and order the tasks longest first."""
    if isinstance(slots, bool) or not isinstance(slots, int) or slots < 1:
        raise ValueError(f"slots: got {slots!r}; expected an integer ≥ 1")
    groups: dict[tuple, list[Config]] = {}
    for config in configs:
        groups.setdefault(tuple(getattr(config, f) for f in PROBLEM_FIELDS), []).append(config)
    size = max(1, min(MAX_RUNS_PER_TASK, math.ceil(len(configs) / (4 * slots))))
    tasks = [Task(tuple(group[i:i + size])) for group in groups.values()
             for i in range(0, len(group), size)]
    return sorted(tasks, key=lambda t: -t.cost)


def train_shared(config: Config, problem: Problem, initial_probe: tuple[dict, np.ndarray]) -> Result:
    """The default run function of a sweep: `htcore.train` with the shared problem and step-0 probe."""
    return train(config, problem, initial_probe=initial_probe)


def initial_probe(config: Config, problem: Problem) -> tuple[dict, np.ndarray]:
    """Step-0 probe record and ESD of problem.W0 (what `train` would record at step 0)."""
    return probe(problem.W0, problem, config, 0)


def execute_task(task: Task, train_fn: TrainFn = train_shared) -> list[RunOutcome]:
    """Run a task's configs (in a worker): draw the problem once, probe step 0 once per readout
    setting, then train each; an exception becomes a "failed" outcome with its reason."""
    problem = None
    probes: dict[tuple, tuple[dict, np.ndarray]] = {}
    outcomes = []
    for config in task.configs:
        try:
            _pin_single_thread()
            problem = make_problem(config) if problem is None else problem
            probe_key = tuple(getattr(config, f) for f in PROBE0_FIELDS)
            if probe_key not in probes:
                probes[probe_key] = initial_probe(config, problem)
            outcomes.append(_outcome(train_fn(config, problem, probes[probe_key])))
        except Exception as err:  # noqa: BLE001 — any failure of one run is recorded, not raised
            outcomes.append(RunOutcome(config.key(), "failed", f"{type(err).__name__}: {err}"))
    return outcomes


def _outcome(result: Result) -> RunOutcome:
    reason = None
    if result.status == "diverged":
        reason = f"diverged at step {result.diverged_at}: non-finite loss or weights"
    return RunOutcome(result.config.key(), result.status, reason, result.diverged_at,
                      result.wall_time, result.history, result.spectra)


def _pin_single_thread() -> None:
    if os.environ.get("OPENBLAS_NUM_THREADS") != "1":
        raise RuntimeError(
            "worker has OPENBLAS_NUM_THREADS="
            f"{os.environ.get('OPENBLAS_NUM_THREADS')!r}; sweeps need 1 (LAPACK results depend on "
            "the BLAS thread count, so runs would not be bit-reproducible)")
    numba.set_num_threads(1)


@contextlib.contextmanager
def single_threaded_environment() -> Iterator[None]:
    """Set `WORKER_ENV` (one thread for every numerical library) in os.environ while worker
    processes are spawned — they inherit it before importing NumPy or Numba — then restore it."""
    saved = {k: os.environ.get(k) for k in WORKER_ENV}
    os.environ.update(WORKER_ENV)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@dataclass(frozen=True)
class _Backend:
    """Where tasks run: `submit(task)` returns a future of `execute_task(task)`; `wait(futures,
    timeout)` returns the done ones, blocking until one is done or `timeout` s (None: no limit)."""

    submit: Callable[[Task], Any]
    wait: Callable[[set, float | None], set]


@contextlib.contextmanager
def _process_pool(workers: int, train_fn: TrainFn) -> Iterator[_Backend]:
    """`workers` spawned worker processes; they start as tasks are submitted, so the one-thread
    environment is kept until the pool is closed."""
    context = multiprocessing.get_context("spawn")
    with single_threaded_environment(), ProcessPoolExecutor(workers, mp_context=context,
                                                            initializer=ignore_sigint) as pool:
        try:
            yield _Backend(lambda task: pool.submit(execute_task, task, train_fn),
                           lambda futures, timeout: wait_futures(futures, timeout, FIRST_COMPLETED).done)
        except KeyboardInterrupt:
            stop_workers(pool)
            raise


def ignore_sigint() -> None:
    """Worker initializer: Ctrl-C reaches the whole process group; only the parent handles it (it stops
    the workers), so that workers neither print tracebacks nor leave a half-recorded run."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate the worker processes of `pool` at once (after Ctrl-C in the parent) and drop its queue;
    the runs they held stay claimed-but-unfinished in the index, which a rerun takes over."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public API for this
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)


@contextlib.contextmanager
def _dask_cluster(client: Any, train_fn: TrainFn) -> Iterator[_Backend]:
    """The workers of the Dask cluster of `client`."""
    from distributed import TimeoutError as DaskTimeoutError
    from distributed import wait as wait_dask

    def wait(futures: set, timeout: float | None) -> set:
        try:
            return set(wait_dask(list(futures), timeout, return_when="FIRST_COMPLETED").done)
        except DaskTimeoutError:
            return set()

    yield _Backend(lambda task: client.submit(execute_task, task, train_fn, pure=False), wait)


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, local_workers: int | None = None) -> Iterator[Any]:
    """A Dask client: to the scheduler at `scheduler`, or to a new LocalCluster of `local_workers`
    single-threaded worker processes (closed on exit)."""
    from distributed import Client, LocalCluster

    if (scheduler is None) == (local_workers is None):
        raise ValueError("dask: give exactly one of scheduler (an address) and local_workers")
    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    _check_workers("dask_local", local_workers)
    with LocalCluster(n_workers=local_workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def _check_workers(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name}: got {value!r}; expected an integer ≥ 1")


def _check_seconds(name: str, value: Any) -> None:
    if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
            or value <= 0):
        raise ConfigError(f"{name}: got {value!r}; expected a number of seconds > 0")


# --------------------------------------------------------------------------- claims

def claim_owner() -> str:
    """A claimant id unique across hosts and processes: host name, process id and a random token."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class _Claims:
    """This process's claims on the runs `todo` (key → (status, attempts) read at the sweep's start)
    of the sweep directory `store`, with stale-claim timeout `timeout` seconds."""

    def __init__(self, store: SweepStore, todo: dict[str, tuple[str, int]], timeout: float) -> None:
        self.store, self.todo, self.timeout = store, todo, timeout
        self.owner = claim_owner()
        self.elsewhere = 0  # runs of `todo` that another process finished (or started anew) meanwhile
        self.poll = min(1.0, timeout / HEARTBEATS_PER_TIMEOUT)  # seconds between claim attempts

    def take(self, task: Task) -> tuple[Task | None, Task | None]:
        """Claim the runs of `task`: (a task of the runs claimed, a task of the runs another live
        process holds), None when there are none; runs another process finished are dropped."""
        configs = {c.key(): c for c in task.configs}
        claimed, held = self.store.claim({k: self.todo[k] for k in configs}, self.owner, self.timeout)
        self.elsewhere += len(configs) - len(claimed) - len(held)
        return tuple(Task(tuple(configs[k] for k in keys)) if keys else None
                     for keys in (claimed, held))

    @contextlib.contextmanager
    def heartbeat(self) -> Iterator[None]:
        """While the block runs, refresh this process's claims `HEARTBEATS_PER_TIMEOUT` times per
        timeout from a thread with its own connection; at exit release the claims still held, so the
        runs of an interrupted sweep are free at once for another process."""
        stop = threading.Event()
        interval = self.timeout / HEARTBEATS_PER_TIMEOUT
        thread = threading.Thread(target=_beat, args=(self.store.root, self.owner, interval, stop),
                                  name="htcore-sweep-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            self.store.release(self.owner)


def _beat(root: Path, owner: str, interval: float, stop: threading.Event) -> None:
    """Refresh the claims of `owner` every `interval` seconds until `stop` is set."""
    with SweepStore.open_existing(root) as store:
        while not stop.wait(interval):
            with contextlib.suppress(sqlite3.OperationalError):  # index locked too long: next beat
                store.heartbeat(owner)


def _dispatch(tasks: list[Task], claims: _Claims, backend: _Backend, slots: int
              ) -> Iterator[list[RunOutcome]]:
    """Run `tasks` on `backend`, at most `slots` at once, each after claiming its runs, and yield
    each task's outcomes. Runs another live process holds are tried again every `claims.poll`
    seconds until that process finishes them or its claim goes stale (then they are taken over)."""
    queue, running = deque(tasks), set()
    try:
        _fill(queue, running, claims, backend, slots)
        while running or queue:
            if running:
                free = bool(queue) and len(running) < slots
                done = backend.wait(running, claims.poll if free else None)
            else:
                time.sleep(claims.poll)
                done = set()
            running -= done
            _fill(queue, running, claims, backend, slots)  # before recording: workers stay busy
            for future in done:
                yield future.result()
    finally:
        for future in running:
            future.cancel()


def _fill(queue: deque[Task], running: set, claims: _Claims, backend: _Backend, slots: int) -> None:
    """Submit claimed tasks until `slots` run, trying each queued task once; runs another live
    process holds go back to the end of the queue."""
    for _ in range(len(queue)):
        if len(running) >= slots:
            return
        claimed, held = claims.take(queue.popleft())
        if claimed is not None:
            running.add(backend.submit(claimed))
        if held is not None:
            queue.append(held)


# --------------------------------------------------------------------------- driver

@dataclass(frozen=True)
class SweepReport:
    """Counts after a sweep: runs executed now, and the status of every run of the sweep."""

    executed: int
    counts: dict[str, int]


def run_sweep(spec: SweepSpec, out: str | Path, *, workers: int | None = None, client: Any = None,
              retry_failed: bool = False, progress: bool = True, train_fn: TrainFn = train_shared,
              claim_timeout: float = CLAIM_TIMEOUT) -> SweepReport:
    """Run the missing runs of `spec` into the sweep directory `out` and return the counts.

    Runs already finished there (ok, diverged, or failed unless `retry_failed`) are skipped. Work goes
    to `workers` spawned processes (default: the number of CPUs) or, with `client`, to a Dask cluster.
    `train_fn(config, problem, initial_probe) -> Result` runs one config (default `train_shared`).

    Other sweep processes may share `out`: a run runs only once claimed (`SweepStore.claim`), so each
    runs once whichever process claims it. This one returns when every run it set out to do is
    finished: it waits for runs another process holds, and takes over a claim whose heartbeat is
    older than `claim_timeout` seconds (its owner died). `executed` counts the runs run here.
    """
    if workers is None:
        workers = os.cpu_count() or 1
    _check_workers("workers", workers)
    _check_seconds("claim_timeout", claim_timeout)
    runs = expand(spec)
    with SweepStore.open(out, spec.to_json(), list(spec.grid)) as store:
        store.register([(r.key, r.repeat, r.config.to_dict()) for r in runs])
        todo = store.todo(retry_failed)
        configs = [r.config for r in runs if r.key in todo]
        slots = workers if client is None else max(1, sum(client.nthreads().values()))
        claims = _Claims(store, todo, claim_timeout)
        backend = (_process_pool(workers, train_fn) if client is None
                   else _dask_cluster(client, train_fn))
        with claims.heartbeat(), backend as pool, tqdm(total=len(configs), desc=spec.name, unit="run",
                                                       disable=not progress) as bar:
            tally = _record(store, _dispatch(plan_tasks(configs, slots), claims, pool, slots),
                            claims, bar)
        counts = store.counts()
    return SweepReport(sum(tally.values()), counts)


def _record(store: SweepStore, batches: Iterator[list[RunOutcome]], claims: _Claims, bar: tqdm
            ) -> Counter[str]:
    """Store every outcome as it arrives and count them by status; the progress bar also counts the
    runs finished by other processes."""
    tally: Counter[str] = Counter()
    for batch in batches:
        for outcome in batch:
            store.record(outcome.key, outcome.status, outcome.reason, outcome.diverged_at,
                         outcome.wall_time, outcome.history, outcome.spectra)
            tally[outcome.status] += 1
            bar.update()
        bar.update(sum(tally.values()) + claims.elsewhere - bar.n)
        bar.set_postfix({**tally, **({"elsewhere": claims.elsewhere} if claims.elsewhere else {})})
    return tally


__dir__ = public_dir(__name__)
