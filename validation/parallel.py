"""Run independent simulation tasks serially or in a pool of spawned worker processes.

Results do not depend on the number of workers: every task carries its own seed (a SeedSequence child,
:func:`validation.tasks.task_seed`), tasks share no state, outputs are returned in task order, and every
task runs in a single-threaded worker — a serial run (``workers=1``) is a pool of one such worker, because
multi-threaded BLAS reductions in the calling process would change the last bits. ``workers=0`` runs
the tasks in the calling process instead (for debugging, and for tests that patch a function): same
numbers up to round-off, not bit-identical. Each worker is single-threaded: ``NUMBA_NUM_THREADS``,
``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS`` are 1 in the environment the worker
is spawned with (``htcore.sweep.single_threaded_environment``), so they are in place before the worker
imports NumPy or Numba; the parent's own environment is restored afterwards.
A tqdm bar counts finished tasks across all suites, estimates the time left and names the suites still
running with their runs left (e.g. ``bbp 40, multi_step 3``). Workers ignore SIGINT: after Ctrl-C the parent
alone raises KeyboardInterrupt and leaving ``with pool`` terminates them (no worker tracebacks).
"""

from __future__ import annotations

import importlib
import multiprocessing
from collections import Counter
from collections.abc import Sequence
from typing import Any

from tqdm.auto import tqdm

from htcore.sweep import ignore_sigint, single_threaded_environment
from validation.tasks import Task


def run_task(indexed: tuple[int, Task]) -> tuple[int, Any]:
    """Execute ``<module>.<function>(**params)``; returns (index, output)."""
    index, task = indexed
    module = importlib.import_module(task.module)
    return index, getattr(module, task.function)(**task.params)


def run_tasks(tasks: Sequence[Task], workers: int = 1, progress: bool = True,
              labels: Sequence[str] | None = None) -> list[Any]:
    """Outputs of `tasks` in order: ``workers ≥ 1`` spawn-context worker processes, 0 in-process.
    ``labels``: the suite of each task, for the progress bar (default: the last part of its module name)."""
    bar = tqdm(total=len(tasks), desc="validate", unit="run", disable=not progress)
    labels = [t.module.rsplit(".", 1)[-1] for t in tasks] if labels is None else list(labels)
    left = Counter(labels)
    outputs: list[Any] = [None] * len(tasks)

    def done(index: int, output: Any) -> None:
        outputs[index] = output
        left[labels[index]] -= 1
        bar.set_postfix_str(", ".join(f"{name} {count}" for name, count in left.items() if count), refresh=False)
        bar.update()

    try:
        if workers == 0:
            for indexed in enumerate(tasks):
                done(*run_task(indexed))
            return outputs
        context = multiprocessing.get_context("spawn")
        with single_threaded_environment():
            pool = context.Pool(processes=min(workers, max(len(tasks), 1)), initializer=ignore_sigint)
        with pool:
            for index, output in pool.imap_unordered(run_task, list(enumerate(tasks))):
                done(index, output)
        return outputs
    finally:
        bar.close()
