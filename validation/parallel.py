"""Run independent simulation tasks serially or in a pool of spawned worker processes.

Results do not depend on the number of workers: every task carries its own seed (a SeedSequence child,
:func:`validation.core.task_seed`), tasks share no state, outputs are returned in task order, and every
task runs in a single-threaded worker — a serial run (``workers=1``) is a pool of one such worker, because
multi-threaded BLAS reductions in the calling process would change the last bits. ``workers=0`` runs
the tasks in the calling process instead (for debugging, and for tests that patch a function): same
numbers up to round-off, not bit-identical. Each worker is single-threaded: ``NUMBA_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` and
``MKL_NUM_THREADS`` are set to 1 in the environment the worker is spawned with, so they are in place
before the worker imports NumPy or Numba (the parent's own environment is restored afterwards).
A tqdm bar counts finished tasks across all suites.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from tqdm.auto import tqdm

from validation.core import Task

THREAD_VARIABLES = ("NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def run_task(indexed: tuple[int, Task]) -> tuple[int, Any]:
    """Execute ``validation.<module>.<function>(**params)``; returns (index, output)."""
    index, task = indexed
    module = importlib.import_module(f"validation.{task.module}")
    return index, getattr(module, task.function)(**task.params)


@contextmanager
def single_threaded_environment() -> Iterator[None]:
    """Temporarily set the thread-count variables to 1 (inherited by processes spawned meanwhile)."""
    saved = {k: os.environ.get(k) for k in THREAD_VARIABLES}
    os.environ.update({k: "1" for k in THREAD_VARIABLES})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_tasks(tasks: Sequence[Task], workers: int = 1, progress: bool = True) -> list[Any]:
    """Outputs of `tasks` in order: ``workers ≥ 1`` spawn-context worker processes, 0 in-process."""
    bar = tqdm(total=len(tasks), desc="validate", unit="run", disable=not progress)
    outputs: list[Any] = [None] * len(tasks)
    try:
        if workers == 0:
            for indexed in enumerate(tasks):
                index, outputs[index] = run_task(indexed)
                bar.update()
            return outputs
        context = multiprocessing.get_context("spawn")
        with single_threaded_environment():
            pool = context.Pool(processes=min(workers, max(len(tasks), 1)))
        with pool:
            for index, output in pool.imap_unordered(run_task, list(enumerate(tasks))):
                outputs[index] = output
                bar.update()
        return outputs
    finally:
        bar.close()
