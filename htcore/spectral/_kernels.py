"""Numba kernels of the power-law fits. Private: call them through `htcore.spectral.fit`.

All kernels take ``logs``: the natural logs of an ascending, positive sample (so ties are equal logs).
For a candidate index ``i`` (tail ``j ≥ i``, ``k = N − i`` points) the continuous MLE is
``α_i = 1 + k / Σ_{j≥i} ln(λ_j/λ_i)`` and the KS distance is
``D_i = max_{0≤m<k} |1 − exp((1 − α_i)(ln λ_{i+m} − ln λ_i)) − m·(1/k)|`` (docs/model.md §5.6; m/k is
computed as m·(1/k), which differs from a division by at most one rounding).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(nogil=True, cache=True)
def _suffix_sums(logs: np.ndarray) -> np.ndarray:
    """``T[i] = Σ_{j≥i} logs[j]`` (length N + 1, ``T[N] = 0``), Neumaier-compensated."""
    n = logs.shape[0]
    T = np.empty(n + 1)
    T[n] = 0.0
    s = 0.0
    c = 0.0
    for j in range(n - 1, -1, -1):
        v = logs[j]
        t = s + v
        if abs(s) >= abs(v):
            c += (s - t) + v
        else:
            c += (v - t) + s
        s = t
        T[j] = s + c
    return T


@njit(nogil=True, cache=True)
def _tail_cdf(logs: np.ndarray, i: int, m: int, expo: float) -> float:
    """Fitted tail CDF at λ_{i+m}: ``1 − exp(expo·(ln λ_{i+m} − ln λ_i))``, ``expo = 1 − α``."""
    return 1.0 - np.exp(expo * (logs[i + m] - logs[i]))


#: Blocks of at most this many points are scanned directly instead of being split further.
_LEAF = 8
#: Depth of the block stack: ample for the ≤ 2·log2(N) open blocks of a best-first bisection.
_STACK = 256


@njit(nogil=True, cache=True)
def _ks_distance(logs: np.ndarray, i: int, expo: float, cap: float) -> float:
    """Exact ``D_i`` (see module docstring), or any value ``> cap`` as soon as ``D_i > cap`` is certain.

    Branch and bound over blocks of m: inside a block with ends m1 < m2 every gap is at most
    ``max(F(m2) − m1/k, m2/k − F(m1))`` (the fitted CDF F and m/k both increase with m, and rounding
    is monotone), so a block whose bound does not exceed the running maximum is skipped; otherwise it
    is bisected (the half with the larger bound first) down to leaves of ``_LEAF`` points scanned
    directly. The result is bit-identical to the maximum of the same computed gaps over every m.
    """
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
def _fit_at(logs: np.ndarray, T: np.ndarray, i: int, cap: float) -> tuple[float, float]:
    """``(α_i, D_i)`` for the tail starting at index i; ``(inf, 1)`` when the tail is constant."""
    k = logs.shape[0] - i
    s = T[i] - k * logs[i]
    if not s > 0.0:
        return np.inf, 1.0
    alpha = 1.0 + k / s
    return alpha, _ks_distance(logs, i, 1.0 - alpha, cap)


@njit(parallel=True, nogil=True, cache=True)
def _ks_scan(logs: np.ndarray, T: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(α, D)`` at every candidate index, in parallel over candidates; exact for each."""
    nc = candidates.shape[0]
    alphas = np.empty(nc)
    dists = np.empty(nc)
    for c in prange(nc):
        alphas[c], dists[c] = _fit_at(logs, T, candidates[c], np.inf)
    return alphas, dists


@njit(nogil=True, cache=True)
def _clauset_candidates(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """First index of each distinct value v of ascending `x` with ``lo ≤ v < hi``, except the largest.

    ``hi = inf`` means the sample maximum (excluded), as in the `powerlaw` package's default range.
    """
    top = x[-1] if hi == np.inf else hi
    idx = np.empty(x.shape[0], np.int64)
    c = 0
    for i in range(x.shape[0]):
        if x[i] >= lo and x[i] < top and (i == 0 or x[i] != x[i - 1]):
            idx[c] = i
            c += 1
    return idx[:max(c - 1, 0)]


@njit(nogil=True, cache=True)
def _ks_best(logs: np.ndarray, T: np.ndarray, candidates: np.ndarray) -> tuple[int, float, float]:
    """``(position in candidates, α, D)`` of the first KS minimum, serially with early exit.

    A candidate is abandoned once its distance exceeds the best so far (it cannot be the first
    minimum), so the result equals the argmin of :func:`_ks_scan` exactly.
    """
    best_c, best_a, best_d = -1, np.nan, np.inf
    for c in range(candidates.shape[0]):
        a, d = _fit_at(logs, T, candidates[c], best_d)
        if d < best_d:
            best_c, best_a, best_d = c, a, d
    return best_c, best_a, best_d


@njit(nogil=True, cache=True)
def _synthetic_sample(u_mix: np.ndarray, u_val: np.ndarray, body: np.ndarray, p_tail: float,
                      alpha: float, xmin: float) -> np.ndarray:
    """Semi-parametric sample (Clauset et al. 2009 §4.1), ascending.

    Point j is a power-law draw ``xmin·(1 − u_val[j])^(−1/(α−1))`` when ``u_mix[j] < p_tail``, else a
    uniform resample ``body[⌊u_val[j]·len(body)⌋]`` of the data below xmin.
    """
    n = u_mix.shape[0]
    out = np.empty(n)
    inv = -1.0 / (alpha - 1.0)
    nb = body.shape[0]
    for j in range(n):
        if u_mix[j] < p_tail or nb == 0:
            out[j] = xmin * (1.0 - u_val[j]) ** inv
        else:
            out[j] = body[min(int(u_val[j] * nb), nb - 1)]
    return np.sort(out)


@njit(parallel=True, nogil=True, cache=True)
def _bootstrap_distances(u_mix: np.ndarray, u_val: np.ndarray, body: np.ndarray, p_tail: float,
                         alpha: float, xmin: float, lo: float, hi: float, fixed: bool) -> np.ndarray:
    """KS distance of the refitted power law on each synthetic sample (rows of u_mix, u_val).

    ``fixed``: refit α with xmin fixed; otherwise rescan xmin over the candidates of
    :func:`_clauset_candidates` with range (lo, hi). Each row is independent, so the result does not
    depend on the number of threads.
    """
    n_rep = u_mix.shape[0]
    out = np.empty(n_rep)
    for r in prange(n_rep):
        x = _synthetic_sample(u_mix[r], u_val[r], body, p_tail, alpha, xmin)
        logs = np.log(x)
        T = _suffix_sums(logs)
        if fixed:
            i = np.searchsorted(x, xmin)
            out[r] = _fit_at(logs, T, min(i, x.shape[0] - 2), np.inf)[1]
        else:
            cand = _clauset_candidates(x, lo, hi)
            out[r] = _ks_best(logs, T, cand)[2] if cand.shape[0] > 0 else 1.0
    return out
