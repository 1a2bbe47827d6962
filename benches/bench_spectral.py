"""Spectral benchmarks (pytest-benchmark). Ratios are measured side by side in one run.

Run: ``pytest benches/bench_spectral.py --benchmark-enable -p no:cacheprovider``. The `powerlaw`
package is needed for the comparison (test extra).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import powerlaw
import pytest

from htcore.spectral import esd, hill_alpha, ks_alpha, powerlaw_fit


def _mp_sample(n: int, seed: int) -> np.ndarray:
    """n ESD values of Gaussian matrices (concatenated 1500×1000 ESDs), a realistic eigenvalue set."""
    rng = np.random.default_rng(seed)
    parts = [esd(rng.standard_normal((1500, 1000))) for _ in range(-(-n // 1000))]
    return np.concatenate(parts)[:n]


def _pareto(n: int, seed: int) -> np.ndarray:
    return (1.0 - np.random.default_rng(seed).random(n)) ** (-1.0 / 1.5)


def _best_time(fn, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("kind", ["mp", "pareto"])
def test_ks_scan_vs_powerlaw_fit_10k(benchmark, kind: str) -> None:
    x = _mp_sample(10_000, 0) if kind == "mp" else _pareto(10_000, 0)
    powerlaw_fit(x[:100])  # compile
    ours = _best_time(lambda: powerlaw_fit(x), 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _best_time(lambda: powerlaw.Fit(x, parameter_ranges={"alpha": [0, None]}, verbose=0), 1)
    benchmark.extra_info.update(ours_s=ours, powerlaw_s=theirs, ratio=theirs / ours)
    print(f"\n{kind} 10k: htcore {ours * 1e3:.1f} ms, powerlaw.Fit {theirs:.2f} s, ratio {theirs / ours:.0f}x")
    benchmark.pedantic(powerlaw_fit, args=(x,), rounds=3, iterations=1)


@pytest.mark.parametrize("kind", ["mp", "pareto"])
def test_ks_scan_100k(benchmark, kind: str) -> None:
    x = _mp_sample(100_000, 1) if kind == "mp" else _pareto(100_000, 1)
    powerlaw_fit(x[:100])
    benchmark.pedantic(powerlaw_fit, args=(x,), rounds=1, iterations=1)


def test_hill_plus_ks_1000(benchmark) -> None:
    x = esd(np.random.default_rng(2).standard_normal((1500, 1000)))
    ks_alpha(x)  # compile
    benchmark(lambda: (hill_alpha(x), ks_alpha(x)))


def test_esd_vs_eigvalsh_4096(benchmark) -> None:
    W = np.random.default_rng(3).standard_normal((4096, 4096))
    G = W.T @ W
    gram_only = _best_time(lambda: np.linalg.eigvalsh(G), 2)
    with_gram = _best_time(lambda: np.linalg.eigvalsh(W.T @ W), 2)
    ours = _best_time(lambda: esd(W), 2)
    benchmark.extra_info.update(esd_s=ours, eigvalsh_gram_s=gram_only, eigvalsh_incl_gram_s=with_gram)
    print(f"\nesd 4096: {ours:.2f} s; eigvalsh(G) {gram_only:.2f} s; eigvalsh(WᵀW) incl. Gram {with_gram:.2f} s")
    benchmark.pedantic(esd, args=(W,), rounds=1, iterations=1)
