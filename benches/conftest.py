"""Shared helpers for the benchmarks: paired timing (ratios measured in one run) and a summary table.

Shared machines are noisy, so a ratio is the median over rounds in which the candidate and its baseline
run alternately, never two timings taken minutes apart.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

#: NumPy already loaded before this file (by a pytest plugin), as for a notebook user who imports NumPy first:
#: htcore then makes the loaded OpenBLAS re-read its thread wait-time (htcore/_threads.py); the `htcore`
#: command always imports htcore first. `bench_engine.py` measures both orders in fresh processes.
NUMPY_BEFORE_HTCORE = "numpy" in sys.modules
import htcore  # noqa: E402,F401  (first, as the `htcore` command does)

# isort: split
import numpy as np  # noqa: E402
import pytest  # noqa: E402

RATIOS: list[tuple[str, float, float, str]] = []
#: Where the ratio table of the last benchmark run is written (read by `python -m benches.report`).
RATIOS_JSON = Path(os.environ.get("HTCORE_BENCH_RATIOS", ".benchmarks/htcore-ratios.json"))
_EXTRA: list[dict] = []


def paired_ratio(candidate: Callable[[], object], baseline: Callable[[], object],
                 rounds: int = 9, warmup: int = 2) -> tuple[float, float, float]:
    """Median time of `candidate`, of `baseline` and the median of per-round ratios (alternating)."""
    for _ in range(warmup):
        candidate()
        baseline()
    cand, base = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        candidate()
        mid = time.perf_counter()
        baseline()
        end = time.perf_counter()
        cand.append(mid - start)
        base.append(end - mid)
    ratios = np.array(cand) / np.array(base)
    return float(np.median(cand)), float(np.median(base)), float(np.median(ratios))


def paired_difference_ratio(long: Callable[[], object], short: Callable[[], object],
                            baseline: Callable[[], object], rounds: int = 7,
                            warmup: int = 1) -> tuple[float, float, float]:
    """Median of per-round ((time of `long`) − (time of `short`)) / (time of `baseline`), the three run
    back to back in every round; also the median difference and the median baseline time."""
    for _ in range(warmup):
        long()
        short()
        baseline()
    diffs, base = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        long()
        t1 = time.perf_counter()
        short()
        t2 = time.perf_counter()
        baseline()
        t3 = time.perf_counter()
        diffs.append((t1 - t0) - (t2 - t1))
        base.append(t3 - t2)
    ratios = np.array(diffs) / np.array(base)
    return float(np.median(diffs)), float(np.median(base)), float(np.median(ratios))


@pytest.fixture
def record_ratio(benchmark):
    """Record `name: ratio (target)` in the benchmark's extra_info and the end-of-run summary."""

    def record(name: str, ratio: float, target: float, meaning: str, **extra) -> None:
        benchmark.extra_info.update({"ratio": ratio, "target": target, "meaning": meaning, **extra})
        RATIOS.append((name, ratio, target, meaning))
        _EXTRA.append(extra)

    return record


def pytest_terminal_summary(terminalreporter):
    if not RATIOS:
        return
    terminalreporter.section("htcore ratios (measured in this run)")
    for name, ratio, target, meaning in RATIOS:
        verdict = "meets" if ratio <= target else "MISSES"
        terminalreporter.write_line(f"{name:<42} {ratio:7.3f}  {verdict} target ≤ {target:g}  ({meaning})")
    load = os.getloadavg()
    terminalreporter.write_line(f"load average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
                                f"(1 / 5 / 15 min) on {os.cpu_count()} cores")
    if NUMPY_BEFORE_HTCORE:
        terminalreporter.write_line("note: NumPy was imported before htcore in this process; htcore made OpenBLAS "
                                    f"re-read its thread wait-time (in effect: {htcore.THREAD_DEFAULTS_SET})")
    RATIOS_JSON.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"name": name, "ratio": ratio, "target": target, "meaning": meaning, **extra}
            for (name, ratio, target, meaning), extra in zip(RATIOS, _EXTRA)]
    RATIOS_JSON.write_text(json.dumps({"load_average": list(load), "ratios": rows}, indent=2) + "\n")
    terminalreporter.write_line(f"ratio table written to {RATIOS_JSON} (`python -m benches.report`)")


# VmHWM (the peak RSS of this process image) rather than getrusage's ru_maxrss: Linux carries
# ru_maxrss across fork + exec, so a child of a large pytest process (torch loaded) would report the
# parent's size.
PEAK_RSS_SCRIPT = (
    "import sys\n"
    "from htcore.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
    "print('peak_rss_kb', hwm, file=sys.stderr)\n"
    "sys.exit(code)\n"
)
