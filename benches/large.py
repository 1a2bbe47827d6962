"""Engine at a larger size (d = 4000, h = 6000, n = 8000; float32 and float64) — not part of the default
benchmark suite (it takes minutes and several GiB):

    python -m benches.large [--d 4000] [--rounds 2]

For each dtype it reports
- a training step (`htcore.Trainer.step`, the body of `htcore.train`'s loop: loss and gradient, Adam
  update into the spare buffer) over its two GEMMs, paired and alternating, median of `rounds`;
- the peak RSS (VmHWM of the process, as benches/bench_engine.py measures it) of
  `htcore run --set steps=2 --set probe_every=2` at that size, against the bytes of the arrays the run
  needs (`needed_bytes`: the problem, both W buffers, gradient, optimiser state, pre-activation buffer,
  and the largest probe's temporaries);
and then a table of the largest size (h = 1.5·d, n = 2·d) that fits in 1, 2, 4, 8, 16 and 24 GiB, from
`needed_bytes` scaled by the measured peak/needed ratio, with its time per step extrapolated as d³ from
the measured step.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from benches.conftest import PEAK_RSS_SCRIPT, paired_ratio
from htcore import Config, Trainer

GIB = 2**30
BUDGETS_GIB = (1, 2, 4, 8, 16, 24)


def sizes(d: int) -> dict[str, int]:
    """The default shape ratios: h = 1.5·d, n = 2·d."""
    return {"d": d, "h": 3 * d // 2, "n": 2 * d}


def needed_bytes(config: Config) -> dict[str, int]:
    """Bytes of the arrays a run holds at its peak, by part (shapes only, nothing allocated).

    problem: X, X_probe (n×d), X_test (n_test×d), W0 (h×d), labels, a, β, in the run's dtype;
    training: W and its spare buffer, gradient (h×d), pre-activations (n×h, one buffer for tanh),
    optimiser state (Adam m, v; GD momentum buffer), row sums; probe: the larger of its two phases —
    ridge readout: W/s (h×d), features S (n×h, float64) and then either their Gram (h×h, float64) and
    the test features, or (float32) the float32 product S is copied from; spectrum: W as float64 when
    training in float32, its finiteness mask (h×d bytes) and the smaller Gram (min(h, d)², float64).
    """
    n, h, d, m = config.n, config.h, config.d, config.n_test
    item = np.dtype(config.dtype).itemsize
    state = 2 * h * d if config.optimizer == "adam" else (h * d if config.momentum else 0)
    readout = item * h * d + 8 * n * h + max(8 * (h * h + m * h), item * n * h if item != 8 else 0)
    spectrum = (8 * h * d if item != 8 else 0) + h * d + 8 * min(h, d) ** 2
    return {
        "problem": item * ((2 * n + m) * d + h * d + 2 * n + m + h + d),
        "training": item * (3 * h * d + n * h + state) + 8 * h,
        "probe": max(readout, spectrum),
    }


def time_step(config: Config, rounds: int) -> tuple[float, float]:
    """Median seconds of one training step (`htcore.Trainer.step`, the loop body of `train`), and the
    median over rounds of its time over that of its two GEMMs (`benches.conftest.paired_ratio`)."""
    trainer = Trainer(config)
    p = trainer.problem
    Z = np.empty((config.n, config.h), dtype=p.W0.dtype)
    G = np.ones_like(p.W0)  # the GEMMs' output; written now so that its pages are resident, as W's are

    def step() -> None:
        trainer.step()

    def gemms() -> None:
        np.matmul(p.X, trainer.W.T, out=Z)
        np.matmul(Z.T, p.X, out=G)

    step()  # warm-up: one step; the GEMMs are timed from their first call
    step_s, _, ratio = paired_ratio(step, gemms, rounds=rounds, warmup=0)
    return step_s, ratio


def peak_rss(config: Config) -> tuple[float, float]:
    """Peak RSS (bytes) and wall seconds of `htcore run` at the config's size, two steps, two probes."""
    assignments = [f"{k}={getattr(config, k)}" for k in ("d", "h", "n", "dtype", "lr")]
    args = [a for kv in assignments + ["steps=2", "probe_every=2"] for a in ("--set", kv)]
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", PEAK_RSS_SCRIPT, "run", "--quiet", "--out", out,
                               *args], check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    return 1024.0 * int(done.stderr.strip().splitlines()[-1].split()[-1]), seconds


def largest_d(budget: float, dtype: str, overhead: float) -> int:
    """Largest d (multiple of 100) whose run needs at most `budget` bytes × the measured peak ratio."""
    d = 100
    while _peak_estimate(d + 100, dtype, overhead) <= budget:
        d += 100
    return d


def _peak_estimate(d: int, dtype: str, overhead: float) -> float:
    return overhead * sum(needed_bytes(Config(dtype=dtype, **sizes(d))).values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benches.large", description=__doc__.split("\n")[0])
    parser.add_argument("--d", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    measured = {}
    for dtype in ("float32", "float64"):
        config = Config(dtype=dtype, lr=1e-6, **sizes(args.d))
        step_s, ratio = time_step(config, args.rounds)
        peak, seconds = peak_rss(config)
        parts = needed_bytes(config)
        needed = sum(parts.values())
        measured[dtype] = (step_s, peak / needed)
        listing = ", ".join(f"{k} {v / GIB:.2f}" for k, v in parts.items())
        print(f"{dtype} d={config.d} h={config.h} n={config.n}: step {step_s:.2f} s = {ratio:.3f} × its "
              f"two GEMMs; peak RSS {peak / GIB:.2f} GiB vs needed {needed / GIB:.2f} GiB ({listing}) "
              f"→ {peak / needed:.2f}×; `htcore run` (2 steps, 2 probes) {seconds:.0f} s", flush=True)
    print("\nLargest size per memory budget (h = 1.5·d, n = 2·d; measured peak/needed ratio applied; "
          f"time per step scaled as d³ from d = {args.d}):\n")
    print("| memory | float32: d | step | float64: d | step |")
    print("|---|---|---|---|---|")
    for gib in BUDGETS_GIB:
        cells = []
        for dtype in ("float32", "float64"):
            step_s, overhead = measured[dtype]
            d = largest_d(gib * GIB, dtype, overhead)
            cells += [str(d), f"{step_s * (d / args.d) ** 3:.2f} s"]
        print(f"| {gib} GiB | " + " | ".join(cells) + " |")
    print(f"\nload average: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
