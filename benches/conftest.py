"""Shared helpers for the benchmarks: paired timing (ratios measured in one run) and a summary table.

Shared machines are noisy, so a ratio is the median over rounds in which the candidate and its baseline
run alternately, never two timings taken minutes apart.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest

RATIOS: list[tuple[str, float, float, str]] = []


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


@pytest.fixture
def record_ratio(benchmark):
    """Record `name: ratio (target)` in the benchmark's extra_info and the end-of-run summary."""

    def record(name: str, ratio: float, target: float, meaning: str, **extra) -> None:
        benchmark.extra_info.update({"ratio": ratio, "target": target, "meaning": meaning, **extra})
        RATIOS.append((name, ratio, target, meaning))

    return record


def pytest_terminal_summary(terminalreporter):
    if not RATIOS:
        return
    terminalreporter.section("htcore ratios (measured in this run)")
    for name, ratio, target, meaning in RATIOS:
        verdict = "meets" if ratio <= target else "MISSES"
        terminalreporter.write_line(f"{name:<42} {ratio:7.3f}  {verdict} target ≤ {target:g}  ({meaning})")
