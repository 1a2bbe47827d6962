"""Spectral benchmarks (pytest-benchmark). Ratios are measured side by side in one run.

Run: ``pytest benches/bench_spectral.py --benchmark-enable -p no:cacheprovider``. The `powerlaw`
package is needed for the comparison (test extra). The KS fit's figures go to the final ratio table
(benches/conftest.py): its time over ``powerlaw.Fit``'s on 10⁴ values (paired, alternating; target
≤ 0.01, i.e. ≥ 100× faster) and its time on 10⁵ values over 1 s (target ≤ 1).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import powerlaw
import pytest

from benches.conftest import paired_ratio
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


def _powerlaw_package_fit(x: np.ndarray) -> powerlaw.Fit:
    """`powerlaw.Fit` with its default α ∈ [0, 3] restriction lifted (see htcore.spectral.fit)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return powerlaw.Fit(x, parameter_ranges={"alpha": [0, None]}, verbose=0)


@pytest.mark.parametrize("kind", ["mp", "pareto"])
def test_ks_scan_vs_powerlaw_fit_10k(benchmark, record_ratio, kind: str) -> None:
    x = _mp_sample(10_000, 0) if kind == "mp" else _pareto(10_000, 0)
    ours, theirs = powerlaw_fit(x), _powerlaw_package_fit(x)  # also compiles
    assert ours.xmin == pytest.approx(theirs.xmin, rel=1e-8)
    assert ours.alpha == pytest.approx(theirs.alpha, rel=1e-8)
    ours_s, theirs_s, ratio = paired_ratio(lambda: powerlaw_fit(x), lambda: _powerlaw_package_fit(x),
                                           rounds=3, warmup=1)
    print(f"\n{kind} 10k: htcore {ours_s * 1e3:.1f} ms, powerlaw.Fit {theirs_s:.2f} s, "
          f"{1 / ratio:.0f}x faster (median of paired rounds)")
    benchmark.pedantic(powerlaw_fit, args=(x,), rounds=3, iterations=1)
    record_ratio(f"powerlaw_fit / powerlaw.Fit [10⁴ {kind}]", ratio, 0.01,
                 f"≤ 0.01: ≥ 100× faster; {1 / ratio:.0f}× here", ours_ms=1e3 * ours_s,
                 powerlaw_s=theirs_s)


@pytest.mark.parametrize("kind", ["mp", "pareto"])
def test_ks_scan_100k(benchmark, record_ratio, kind: str) -> None:
    x = _mp_sample(100_000, 1) if kind == "mp" else _pareto(100_000, 1)
    powerlaw_fit(x[:100])
    seconds = float(np.median([_best_time(lambda: powerlaw_fit(x), 1) for _ in range(3)]))
    print(f"\n{kind} 100k: htcore powerlaw_fit {seconds * 1e3:.1f} ms (median of 3)")
    benchmark.pedantic(powerlaw_fit, args=(x,), rounds=1, iterations=1)
    record_ratio(f"powerlaw_fit [10⁵ {kind}] / 1 s", seconds, 1.0,
                 f"seconds; {seconds * 1e3:.0f} ms here", seconds=seconds)


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
