"""Engine speed and memory at the default shape (h=1500, d=1000, n=2000), as ratios measured in one run.

- a GD / Adam step as `htcore.train` runs it — ((time of steps=31) − (time of steps=1))/30, probes
  only at step 0 and at the end — vs the step's two GEMMs (target ≤ 1.15), float64 and float32; and
  the same step timed inside one `train` call (median interval between its updates);
- the engine's step vs a torch CPU implementation of the same model, run in a child process with
  torch's own threading defaults (target: htcore faster, ratio < 1);
- one probe vs one Adam step, float64 (target ≤ 1.5);
- a whole warm-cache `htcore run --set probe_every=10 --plots` on the default config vs the GEMMs of its
  ten steps (target ≤ 2.5);
- peak RSS of `htcore run` on the default config (target ≤ 600 MB) and a warm-cache tiny run (≤ 5 s).

Run: `python -m pytest benches/bench_engine.py --benchmark-enable -s`; then
`python -m benches.report --sync-readme .benchmarks/htcore-ratios.json` puts the ratios this run wrote into
docs/performance.md and the README's headline rows. Larger sizes (d = 4000): `python -m benches.large`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from benches.conftest import PEAK_RSS_SCRIPT, paired_difference_ratio, paired_ratio
from benches.torch_reference import TorchProcess
from htcore import THREAD_DEFAULTS_SET, Config, Trainer, train
from htcore.config import DTYPES, OPTIMIZERS
from htcore.train import probe


class Engine:
    """One default-shape problem, the engine's `Trainer` on it (updating W in place) and the buffers of
    the step's GEMM baseline."""

    def __init__(self, optimizer: str, dtype: str) -> None:
        # Tiny steps: W stays at its init, so every timed step does the same work.
        self.config = Config(optimizer=optimizer, lr=1e-9, dtype=dtype)
        c = self.config
        self.trainer = Trainer(c, in_place=True)
        self.problem = self.trainer.problem
        self.loss = self.trainer.current_loss()  # L(W0): the probes' network loss, as a step computes it
        self.Z = np.empty((c.n, c.h), dtype=self.problem.W0.dtype)
        self.G = np.empty_like(self.problem.W0)

    def step(self) -> None:
        """One training step (`Trainer.step`): loss and gradient, optimiser update in place."""
        self.trainer.step()

    def gemms(self) -> None:
        np.matmul(self.problem.X, self.trainer.W.T, out=self.Z)
        np.matmul(self.Z.T, self.problem.X, out=self.G)

    def probe(self) -> None:
        """A probe as the training loop runs it: the network loss comes from the step's evaluation."""
        probe(self.trainer.W, self.problem, self.config, 0, network_loss=self.loss)

    def gemm_pairs(self, count: int) -> None:
        """`count` times the two GEMMs of a step: the baseline of `count` steps."""
        for _ in range(count):
            self.gemms()


#: Steps timed per round by the train-step benchmark. Each run's two probes (≈ 0.3 s each at the default
#: size) vary by tens of ms from run to run; their difference is spread over these steps (at 10 steps
#: the per-round ratio scattered by ±0.2 for float32 on a quiet machine).
TRAIN_STEPS = 30


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_train_step_vs_gemms(benchmark, record_ratio, optimizer, dtype):
    """`TRAIN_STEPS` steps of `train` (the difference of a (1 + TRAIN_STEPS)-step and a 1-step run, both
    with their two probes) over as many steps' GEMMs. The learning rate is tiny so that W — and hence
    the final probe's work — is the same in both runs."""
    engine = Engine(optimizer, dtype)
    short = engine.config.replace(steps=1, probe_every=1000)
    long = short.replace(steps=1 + TRAIN_STEPS)
    diff_s, gemm_s, ratio = paired_difference_ratio(
        lambda: train(long, engine.problem), lambda: train(short, engine.problem),
        lambda: engine.gemm_pairs(TRAIN_STEPS))
    benchmark.pedantic(train, args=(short, engine.problem), rounds=1, iterations=1)
    record_ratio(f"{optimizer} train step / 2 GEMMs [{dtype}]", ratio, 1.15, "lower is better",
                 step_ms=1e3 * diff_s / TRAIN_STEPS, gemms_ms=1e3 * gemm_s / TRAIN_STEPS)


def _update_times(config: Config, problem, monkeypatch) -> np.ndarray:
    """Run `train(config, problem)` and return the seconds between the ends of its consecutive steps
    (`Trainer.step`, which ends with the optimiser update; steps 2 … steps: each interval is one whole
    step of the loop, probes excluded)."""
    stamps: list[float] = []
    update = Trainer.step

    def stamped(self, *args, **kwargs):
        done = update(self, *args, **kwargs)
        stamps.append(time.perf_counter())
        return done

    with monkeypatch.context() as patch:
        patch.setattr(Trainer, "step", stamped)
        train(config, problem)
    return np.diff(stamps)


def _gemm_times(engine: Engine, count: int) -> np.ndarray:
    times = np.empty(count)
    for i in range(count):
        start = time.perf_counter()
        engine.gemms()
        times[i] = time.perf_counter() - start
    return times


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_step_inside_train_vs_gemms(benchmark, record_ratio, monkeypatch, optimizer, dtype):
    """The same quantity timed inside one `train` call: the median interval between consecutive
    updates of a (1 + TRAIN_STEPS)-step run (probes excluded) over the median time of the two GEMMs,
    five alternating rounds. Robust to the probes' run-to-run variation and to single slow steps,
    which the difference of two runs is not."""
    engine = Engine(optimizer, dtype)
    config = engine.config.replace(steps=1 + TRAIN_STEPS, probe_every=1000)
    _update_times(config, engine.problem, monkeypatch)  # warm-up
    steps, gemms = [], []
    for _ in range(5):
        steps.append(np.median(_update_times(config, engine.problem, monkeypatch)))
        gemms.append(np.median(_gemm_times(engine, TRAIN_STEPS)))
    ratio = float(np.median(np.array(steps) / np.array(gemms)))
    benchmark.pedantic(engine.gemms, rounds=3, iterations=1)
    record_ratio(f"{optimizer} step inside train / 2 GEMMs [{dtype}]", ratio, 1.15, "lower is better",
                 step_ms=1e3 * float(np.median(steps)), gemms_ms=1e3 * float(np.median(gemms)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_step_vs_torch(benchmark, record_ratio, optimizer, dtype):
    """htcore's step vs the same model and optimiser in torch (autograd + torch.optim, same data),
    alternating; torch runs in a child process with torch's own threading defaults
    (benches/torch_reference.py)."""
    pytest.importorskip("torch", reason="torch not installed: PyTorch comparison skipped "
                                        "(pip install torch==2.13.0 to run it)")
    engine = Engine(optimizer, dtype)
    p = engine.problem
    arrays = {"X": p.X, "y": p.y, "a": p.a, "W0": p.W0}
    with TorchProcess(optimizer, engine.config.lr, arrays, THREAD_DEFAULTS_SET) as reference:
        step_s, torch_s, ratio = paired_ratio(engine.step, reference.step)
        benchmark.pedantic(reference.step, rounds=5, warmup_rounds=1)
    record_ratio(f"{optimizer} step / torch step [{dtype}]", ratio, 1.0, "< 1: htcore faster",
                 step_ms=1e3 * step_s, torch_ms=1e3 * torch_s)


def test_probe_vs_step(benchmark, record_ratio):
    engine = Engine("adam", "float64")
    probe_s, step_s, ratio = paired_ratio(engine.probe, engine.step, rounds=9)
    benchmark.pedantic(engine.probe, rounds=3, warmup_rounds=1)
    record_ratio("probe / adam step [float64]", ratio, 1.5, "lower is better",
                 probe_ms=1e3 * probe_s, step_ms=1e3 * step_s)


TINY = ("--set", "n=50", "--set", "d=20", "--set", "h=30", "--set", "n_test=10")


def _run_cli(tmp_path, *args: str) -> tuple[float, float]:
    """Wall seconds and the process's own peak RSS (MB) of `htcore run --quiet --force --out tmp ARGS`
    (--force: the measured runs reuse one directory)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK_RSS_SCRIPT, "run", "--quiet", "--force", "--out",
                           str(tmp_path), *args], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak_kb = int(done.stderr.strip().splitlines()[-1].split()[-1])
    return seconds, peak_kb / 1024


WHOLE_RUN = ("--set", "probe_every=10", "--plots")


def test_whole_run_vs_gemms(benchmark, record_ratio, tmp_path):
    """A whole warm-cache `htcore run` (start-up, problem, ten steps, two probes, files, figures) over
    the GEMMs of its ten steps, alternating with them."""
    _run_cli(tmp_path, *TINY, "--plots")  # compiles and caches the kernels: measured runs start warm
    engine = Engine("adam", "float64")
    run_s, gemm_s, ratio = paired_ratio(lambda: _run_cli(tmp_path, *WHOLE_RUN),
                                        lambda: engine.gemm_pairs(10), rounds=5, warmup=1)
    benchmark.pedantic(_run_cli, args=(tmp_path, *WHOLE_RUN), rounds=1, iterations=1)
    record_ratio("whole `htcore run` / its 10 steps' GEMMs", ratio, 2.5, "lower is better",
                 run_s=run_s, gemms_s=gemm_s)


def test_peak_rss_of_default_run(benchmark, record_ratio, tmp_path):
    _run_cli(tmp_path, *TINY)  # compiles and caches the kernels: the measured run is a warm start
    seconds, peak_mb = benchmark.pedantic(_run_cli, args=(tmp_path,), rounds=1, iterations=1)
    record_ratio("peak RSS of default run / 600 MB", peak_mb / 600, 1.0, "lower is better",
                 peak_mb=peak_mb, seconds=seconds)


def test_warm_tiny_run(benchmark, record_ratio, tmp_path):
    _run_cli(tmp_path, *TINY)  # fills the Numba cache
    benchmark.pedantic(_run_cli, args=(tmp_path, *TINY), rounds=3, iterations=1)
    seconds = benchmark.stats.stats.median
    record_ratio("warm tiny `htcore run` / 5 s", seconds / 5.0, 1.0, "lower is better",
                 seconds=seconds)


@pytest.mark.parametrize("order", ["numpy-first", "htcore-first"])
def test_step_vs_gemms_in_both_import_orders(benchmark, record_ratio, order):
    """One `Trainer.step` / its two GEMMs in a fresh process that imports NumPy before htcore (every notebook)
    or after it (the `htcore` command), GD and Adam, float64 and float32 (`benches/import_order.py`):
    the speed must not depend on the import order (target ≤ 1.15 in both)."""
    def child() -> dict:
        done = subprocess.run([sys.executable, "-m", "benches.import_order", order], capture_output=True,
                              text=True, check=True)
        return json.loads(done.stdout)

    got = benchmark.pedantic(child, rounds=1, iterations=1)
    for optimizer in OPTIMIZERS:
        for dtype in DTYPES:
            record_ratio(f"{optimizer} step / 2 GEMMs, {order} [{dtype}]", got[f"{optimizer} {dtype}"], 1.15,
                         "lower is better")
