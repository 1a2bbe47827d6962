"""Sweep throughput: `htcore.sweep.run_sweep` (2 single-threaded worker processes, problem, data and
step-0 probe shared by the runs of a repeat) against the same runs one by one through `htcore.train`
in this process (OpenBLAS with its default 2 threads), timed alternately in one session.

The sweep is the learning-rate grid of docs/model.md §8 (9 η × GD/Adam, probes at steps 0 and 10)
with 1 repeat at a reduced size (n = 1000, d = 500, h = 750) so that a round takes under a minute on a
quiet machine (2 alternating rounds, no warm-up: every sweep spawns fresh workers anyway); the sweep's
time includes spawning its workers. Target: sweep time / one-by-one time ≤ 2/3 (≥ 1.5× the
throughput). The full default-size sweep is `htcore sweep htcore/configs/paper/lr_sweep.toml
--set eval_scaling=intended` (docs/sweeps.md).

Run: `python -m pytest benches/bench_sweep.py --benchmark-enable -s`.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

from benches.conftest import paired_ratio
from htcore import train
from htcore.sweep import SweepSpec, expand, run_sweep

SPEC = SweepSpec(
    name="bench", seed=0, repeats=1,
    base={"n": 1000, "d": 500, "h": 750, "steps": 10, "probe_every": 10},
    grid={"optimizer": ("gd", "adam"),
          "lr": (1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0, 1000.0, 2000.0, 3000.0)},
)


def test_sweep_throughput_vs_one_by_one(benchmark, record_ratio):
    configs = [run.config for run in expand(SPEC)]
    scratch = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    counter = itertools.count()

    def sweep() -> None:
        report = run_sweep(SPEC, scratch / str(next(counter)), workers=2, progress=False)
        assert report.executed == len(configs)

    def one_by_one() -> None:
        for config in configs:
            train(config)

    try:
        sweep_s, plain_s, ratio = paired_ratio(sweep, one_by_one, rounds=2, warmup=0)
        benchmark.pedantic(sweep, rounds=1, iterations=1)
    finally:
        shutil.rmtree(scratch)
    record_ratio("sweep / one-by-one htcore.train [18 runs]", ratio, 2 / 3,
                 "time ratio; ≤ 0.667 means ≥ 1.5× throughput",
                 sweep_runs_per_min=60 * len(configs) / sweep_s,
                 plain_runs_per_min=60 * len(configs) / plain_s)
