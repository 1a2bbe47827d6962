"""The KS kernels against frozen copies of their versions before the shared block bisection
(`_refine_blocks`): `_ks_distance` and `_ks_capped` must return the same values, bit for bit.

`frozen_ks_distance` and `frozen_ks_capped` are verbatim copies (docstrings dropped) of the kernels
as they stood when each had its own bisection loop; do not edit them. They use the module's unchanged
helpers and constants.
"""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from htcore.spectral._kernels import (
    _LEAF,
    _STACK,
    _alpha_at,
    _gap,
    _grid_max,
    _ks_capped,
    _ks_distance,
    _loses,
    _suffix_sums,
    _tail_cdf,
)


# Frozen copies: verbatim from htcore/spectral/_kernels.py before the shared loop.
@njit(nogil=True, cache=True)
def frozen_ks_distance(logs: np.ndarray, i: int, expo: float, cap: float) -> float:
    k = logs.shape[0] - i
    last = k - 1
    q = 1.0 / k
    f_last = _tail_cdf(logs, i, last, expo)
    d = max(0.0, abs(f_last - last * q))
    lo_m = np.empty(_STACK, np.int64)
    hi_m = np.empty(_STACK, np.int64)
    lo_f = np.empty(_STACK)
    hi_f = np.empty(_STACK)
    lo_m[0], hi_m[0], lo_f[0], hi_f[0] = 0, last, 0.0, f_last
    top = 1
    while top > 0:
        if d > cap:
            return d
        top -= 1
        m1, m2, f1, f2 = lo_m[top], hi_m[top], lo_f[top], hi_f[top]
        if m2 - m1 < 2 or max(f2 - m1 * q, m2 * q - f1) <= d:
            continue
        if m2 - m1 <= _LEAF:
            for m in range(m1 + 1, m2):
                d = max(d, abs(_tail_cdf(logs, i, m, expo) - m * q))
            continue
        mid = (m1 + m2) // 2
        fm = _tail_cdf(logs, i, mid, expo)
        d = max(d, abs(fm - mid * q))
        left_first = max(fm - m1 * q, mid * q - f1) >= max(f2 - mid * q, m2 * q - fm)
        for side in range(2):
            if (side == 0) == left_first:
                lo_m[top], hi_m[top], lo_f[top], hi_f[top] = mid, m2, fm, f2
            else:
                lo_m[top], hi_m[top], lo_f[top], hi_f[top] = m1, mid, f1, fm
            top += 1
    return d


@njit(nogil=True, cache=True)
def frozen_ks_capped(logs: np.ndarray, i: int, expo: float, c: int, best_d: float, best_c: int,
                     hint: int) -> tuple[float, int]:
    k = logs.shape[0] - i
    last = k - 1
    q = 1.0 / k
    d, dj = 0.0, i
    if hint > i:
        d, dj = _gap(logs, i, hint - i, expo, q), hint
        if _loses(d, c, best_d, best_c):
            return d, dj
    G = min(_grid_max(k), last)
    ms = np.empty(G + 1, np.int64)
    fs = np.empty(G + 1)
    ms[0], fs[0] = 0, 0.0
    for g in range(1, G + 1):
        m = (g * last) // G
        f = _tail_cdf(logs, i, m, expo)
        ms[g], fs[g] = m, f
        v = abs(f - m * q)
        if v > d:
            d, dj = v, i + m
    if _loses(d, c, best_d, best_c):
        return d, dj
    bounds = np.empty(G)
    for g in range(G):
        bounds[g] = max(fs[g + 1] - ms[g] * q, ms[g + 1] * q - fs[g])
    order = np.argsort(bounds)
    size = G + _STACK
    lo_m = np.empty(size, np.int64)
    hi_m = np.empty(size, np.int64)
    lo_f = np.empty(size)
    hi_f = np.empty(size)
    top = 0
    for t in range(G):  # ascending bound: the largest is popped first
        g = order[t]
        if bounds[g] > d and ms[g + 1] - ms[g] >= 2:
            lo_m[top], hi_m[top], lo_f[top], hi_f[top] = ms[g], ms[g + 1], fs[g], fs[g + 1]
            top += 1
    while top > 0:
        if _loses(d, c, best_d, best_c):
            return d, dj
        top -= 1
        m1, m2, f1, f2 = lo_m[top], hi_m[top], lo_f[top], hi_f[top]
        if m2 - m1 < 2 or max(f2 - m1 * q, m2 * q - f1) <= d:
            continue
        if m2 - m1 <= _LEAF:
            for m in range(m1 + 1, m2):
                v = _gap(logs, i, m, expo, q)
                if v > d:
                    d, dj = v, i + m
            continue
        mid = (m1 + m2) // 2
        fm = _tail_cdf(logs, i, mid, expo)
        v = abs(fm - mid * q)
        if v > d:
            d, dj = v, i + mid
        left_first = max(fm - m1 * q, mid * q - f1) >= max(f2 - mid * q, m2 * q - fm)
        for side in range(2):
            if (side == 0) == left_first:
                lo_m[top], hi_m[top], lo_f[top], hi_f[top] = mid, m2, fm, f2
            else:
                lo_m[top], hi_m[top], lo_f[top], hi_f[top] = m1, mid, f1, fm
            top += 1
    return d, dj


def random_samples(count: int = 300) -> list[np.ndarray]:
    """Ascending samples of 2 … 299 points: Pareto, MP-like (squared singular values of a Gaussian
    matrix), log-normal, and two with heavy ties (rounded Pareto, small integers)."""
    samples = []
    for t, rng in enumerate(np.random.default_rng(s) for s in np.random.SeedSequence(2025).spawn(count)):
        n = int(rng.integers(2, 300))
        kind = t % 5
        if kind == 0:
            x = (1.0 - rng.random(n)) ** (-1.0 / rng.uniform(0.2, 5.0))
        elif kind == 1:
            d = int(rng.integers(1, 2 * n + 1))
            x = np.linalg.svd(rng.standard_normal((n, d)), compute_uv=False) ** 2 / d
            x = np.concatenate([x, np.full(n - x.size, x[-1])]) if x.size < n else x  # d < n: ties
        elif kind == 2:
            x = rng.lognormal(0.0, rng.uniform(0.1, 4.0), n)
        elif kind == 3:
            x = np.round((1.0 - rng.random(n)) ** (-1.0 / rng.uniform(0.5, 3.0)), 1)
        else:
            x = rng.integers(1, 8, n).astype(float)
        samples.append(np.sort(x))
    return samples


def bits(v: float) -> bytes:
    return np.float64(v).tobytes()


def test_ks_kernels_equal_frozen_copies_bit_for_bit() -> None:
    """Every tail start of ~300 samples: `_ks_distance` at several caps, and `_ks_capped` against
    incumbents that it beats, ties (its exact D, or a term met on the way; before or after the
    incumbent's position) and loses to, each with a random incumbent position and hint: the same d
    (and index j) as the frozen kernels, bit for bit."""
    orders = ((3, 5), (5, 3), (4, -1))  # (c, best_c): c first, c later (a tie loses), no incumbent
    checked = 0
    for s, x in enumerate(random_samples()):
        logs = np.log(x)
        T = _suffix_sums(logs)
        rng = np.random.default_rng(s)
        for i in range(x.size - 1):
            alpha = _alpha_at(logs, T, i)
            if alpha == np.inf:
                continue
            expo = 1.0 - alpha
            D = frozen_ks_distance(logs, i, expo, np.inf)
            for cap in (np.inf, D, np.nextafter(D, 0.0), 0.5 * D, 0.0):
                new, old = _ks_distance(logs, i, expo, cap), frozen_ks_distance(logs, i, expo, cap)
                assert bits(new) == bits(old), (s, i, cap)
            k = x.size - i
            term = _gap(logs, i, int(rng.integers(0, k)), expo, 1.0 / k)  # ≤ D: a tie met mid-way
            for best_d in (np.inf, 1.5 * D, D, np.nextafter(D, 0.0), 0.9 * D, term, 0.3 * D):
                c, best_c = orders[rng.integers(3)]
                hint = (-1, i, i + int(rng.integers(0, k)))[rng.integers(3)]
                new = _ks_capped(logs, i, expo, c, best_d, best_c, hint)
                old = frozen_ks_capped(logs, i, expo, c, best_d, best_c, hint)
                assert (bits(new[0]), new[1]) == (bits(old[0]), old[1]), (s, i, best_d, c, best_c, hint)
            checked += 1
    assert checked > 10_000


@pytest.mark.parametrize("n", [2, 3, 9, 10, 17, 5000])
def test_ks_distance_equals_frozen_copy_on_sizes_around_the_leaf(n: int) -> None:
    x = np.sort((1.0 - np.random.default_rng(n).random(n)) ** (-1.0 / 1.5))
    logs = np.log(x)
    T = _suffix_sums(logs)
    for i in range(x.size - 1):
        expo = 1.0 - _alpha_at(logs, T, i)
        assert bits(_ks_distance(logs, i, expo, np.inf)) == bits(frozen_ks_distance(logs, i, expo, np.inf))
