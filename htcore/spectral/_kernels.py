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


@njit(nogil=True, cache=True)
def _gap(logs: np.ndarray, i: int, m: int, expo: float, q: float) -> float:
    """``|F(λ_{i+m}) − m·q|`` (``q = 1/k``): the term of D_i at m (module docstring)."""
    return abs(_tail_cdf(logs, i, m, expo) - m * q)


#: Blocks of at most this many points are scanned directly instead of being split further.
_LEAF = 8
#: Depth of the block stack: ample for the ≤ 2·log2(N) open blocks of a best-first bisection.
_STACK = 256


@njit(nogil=True, cache=True)
def _block_stack(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Empty stack of `size` blocks of m for :func:`_refine_blocks`: ends and their fitted CDFs."""
    return np.empty(size, np.int64), np.empty(size, np.int64), np.empty(size), np.empty(size)


@njit(nogil=True, cache=True)
def _refine_blocks(logs: np.ndarray, i: int, expo: float, lo_m: np.ndarray, hi_m: np.ndarray,
                   lo_f: np.ndarray, hi_f: np.ndarray, top: int, d: float, dj: int, cap: float,
                   tie_stops: bool) -> tuple[float, int]:
    """``(d, dj)``: the running maximum d (attained at the absolute index dj) of the gaps of the tail
    at i, raised over the blocks ``[lo_m, hi_m]`` of m (CDFs ``lo_f``, ``hi_f``) on the stack below
    `top`, popped last first; or, as soon as ``d > cap`` (or ``d == cap`` when `tie_stops`), that d.

    Inside a block with ends m1 < m2 every gap is at most ``max(F(m2) − m1/k, m2/k − F(m1))`` (the
    fitted CDF F and m/k both increase with m, and rounding is monotone), so a block whose bound does
    not exceed the running maximum is skipped; otherwise it is bisected (the half with the larger bound
    first) down to leaves of ``_LEAF`` points scanned directly. The stack needs room for `top` blocks
    plus ``_STACK``. When no stop is reached, d is the maximum of the same computed gaps over every m of
    the blocks (and the initial d), bit for bit; dj is the first index found attaining it.
    """
    q = 1.0 / (logs.shape[0] - i)
    while top > 0:
        if d > cap or (tie_stops and d == cap):
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


@njit(nogil=True, cache=True)
def _ks_distance(logs: np.ndarray, i: int, expo: float, cap: float) -> float:
    """Exact ``D_i`` (see module docstring), or any value ``> cap`` as soon as ``D_i > cap`` is certain.

    Branch and bound over blocks of m (:func:`_refine_blocks`), starting from the single block
    ``[0, k − 1]``. The result is bit-identical to the maximum of the same computed gaps over every m.
    """
    k = logs.shape[0] - i
    last = k - 1
    q = 1.0 / k
    f_last = _tail_cdf(logs, i, last, expo)
    d = max(0.0, abs(f_last - last * q))
    lo_m, hi_m, lo_f, hi_f = _block_stack(_STACK)
    lo_m[0], hi_m[0], lo_f[0], hi_f[0] = 0, last, 0.0, f_last
    return _refine_blocks(logs, i, expo, lo_m, hi_m, lo_f, hi_f, 1, d, i + last, cap, False)[0]


@njit(nogil=True, cache=True)
def _alpha_at(logs: np.ndarray, T: np.ndarray, i: int) -> float:
    """``α_i = 1 + k / (T[i] − k·ln λ_i)`` (T from :func:`_suffix_sums`); ``inf`` for a constant tail."""
    k = logs.shape[0] - i
    s = T[i] - k * logs[i]
    if not s > 0.0:
        return np.inf
    return 1.0 + k / s


@njit(nogil=True, cache=True)
def _fit_at(logs: np.ndarray, T: np.ndarray, i: int, cap: float) -> tuple[float, float]:
    """``(α_i, D_i)`` for the tail starting at index i; ``(inf, 1)`` when the tail is constant."""
    alpha = _alpha_at(logs, T, i)
    if alpha == np.inf:
        return np.inf, 1.0
    return alpha, _ks_distance(logs, i, 1.0 - alpha, cap)


@njit(parallel=True, nogil=True, cache=True)
def _ks_scan(logs: np.ndarray, T: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(α, D)`` at every candidate index, in parallel over candidates; exact for each.

    The exhaustive reference of :func:`_ks_search` (its argmin is what the search returns).
    """
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


#: The pruned search (:func:`_ks_search`) first bounds every D_i from below on a grid of this many
#: blocks of m, then on grids `_GRID_GROWTH` times finer, up to about √k blocks (:func:`_grid_max`).
_GRID0 = 8
_GRID_GROWTH = 4


@njit(nogil=True, cache=True)
def _grid_max(k: int) -> int:
    """Blocks of the finest lower-bound grid for a k-point tail: ``max(_GRID0, ⌊√k⌋)``."""
    return max(_GRID0, int(np.sqrt(k)))


@njit(nogil=True, cache=True)
def _loses(d: float, c: int, best_d: float, best_c: int) -> bool:
    """True when a candidate c with ``D_c ≥ d`` cannot be the first minimum, given the incumbent."""
    return d > best_d or (d == best_d and c > best_c)


@njit(nogil=True, cache=True)
def _raise_bounds(logs: np.ndarray, cand: np.ndarray, expos: np.ndarray, lb: np.ndarray,
                  act: np.ndarray, G: int, best_c: int, best_d: float, best_j: int) -> None:
    """Raise ``lb[c]`` (a computed term of D_c, so ``lb[c] ≤ D_c``) for each c in `act`.

    Tries the absolute index j where the previous candidate lost (neighbouring tails peak at the same
    λ) and the incumbent's maximising index `best_j`, then the points ``m = ⌊g·(k−1)/G_c⌋``,
    ``G_c = min(G, _grid_max(k), k − 1)``, stopping at the first term that makes c lose. A grid
    already scanned at a coarser level (G_c did not grow) is not rescanned.
    """
    n = logs.shape[0]
    chain = -1
    for t in range(act.shape[0]):
        c = act[t]
        i = cand[c]
        k = n - i
        last = k - 1
        q = 1.0 / k
        expo = expos[c]
        v = lb[c]
        if chain > i:
            v = max(v, _gap(logs, i, chain - i, expo, q))
        if best_j > i and not _loses(v, c, best_d, best_c):
            v = max(v, _gap(logs, i, best_j - i, expo, q))
        Gc = min(G, _grid_max(k), last)
        if not _loses(v, c, best_d, best_c) and (G == _GRID0 or Gc * _GRID_GROWTH > G):
            step, rem = last // Gc, last % Gc
            m, r = 0, 0
            for _ in range(Gc):  # m = ⌊g·last/Gc⌋ for g = 1 … Gc
                m += step
                r += rem
                if r >= Gc:
                    m += 1
                    r -= Gc
                w = _gap(logs, i, m, expo, q)
                if w > v:
                    v = w
                    if _loses(v, c, best_d, best_c):
                        chain = i + m
                        break
        lb[c] = v


@njit(nogil=True, cache=True)
def _ks_capped(logs: np.ndarray, i: int, expo: float, c: int, best_d: float, best_c: int,
               hint: int) -> tuple[float, int]:
    """``(d, j)`` for candidate c (tail start i): the exact ``D_i`` and an index j = i + m attaining it
    when c beats the incumbent (``not _loses(D_i, c, best_d, best_c)``); otherwise a computed term
    d (at j) that already makes c lose.

    Evaluates the absolute index `hint` first, then the ``_grid_max(k)`` grid; the grid blocks
    ``[m_g, m_{g+1}]`` are then refined by :func:`_refine_blocks` (largest bound first, bisection,
    leaves of ``_LEAF`` points), a block being skipped when its bound does not exceed the running
    maximum. So when c wins, d is the maximum of the same computed terms over every m, bit for bit.
    """
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
    lo_m, hi_m, lo_f, hi_f = _block_stack(G + _STACK)
    top = 0
    for t in range(G):  # ascending bound: the largest is popped first
        g = order[t]
        if bounds[g] > d and ms[g + 1] - ms[g] >= 2:
            lo_m[top], hi_m[top], lo_f[top], hi_f[top] = ms[g], ms[g + 1], fs[g], fs[g + 1]
            top += 1
    # c loses exactly when d > best_d, or d == best_d and c comes later (`_loses`)
    return _refine_blocks(logs, i, expo, lo_m, hi_m, lo_f, hi_f, top, d, dj, best_d, c > best_c)


@njit(nogil=True, cache=True)
def _ks_search(logs: np.ndarray, T: np.ndarray, candidates: np.ndarray) -> tuple[int, float, float]:
    """``(position in candidates, α, D)`` of the first KS minimum: exactly the argmin of `_ks_scan`.

    Serial branch and bound over candidates. Every candidate keeps a lower bound ``lb ≤ D`` (a
    computed term of its D). Level by level (grids of 8, 32, 128, … blocks, up to ≈√k), the bounds
    of the candidates still alive are raised (:func:`_raise_bounds`), the one with the smallest
    bound is evaluated exactly against the incumbent (:func:`_ks_capped`), and every candidate whose
    bound already loses to the incumbent — ``lb > D_best``, or ``lb = D_best`` at a later position —
    is dropped. The survivors are then evaluated in ascending (bound, position) order until a bound
    loses. A candidate is only dropped when its D provably loses, and a winner's D is computed
    exactly, so the result (position, α and D, bit for bit) is that of the exhaustive scan.
    """
    nc = candidates.shape[0]
    if nc == 0:
        return -1, np.nan, np.inf
    alphas = np.empty(nc)
    for c in range(nc):
        alphas[c] = _alpha_at(logs, T, candidates[c])
    expos = 1.0 - alphas
    lb = np.zeros(nc)
    best_c, best_d, best_j = -1, np.inf, -1
    for c in range(nc):  # constant tails: D = 1 exactly
        if alphas[c] == np.inf:
            lb[c] = 1.0
            if best_c < 0:
                best_c, best_d = c, 1.0
    act = np.flatnonzero(alphas < np.inf)
    G = _GRID0
    G_top = _grid_max(logs.shape[0] - candidates[0])
    while act.shape[0] > 0:
        _raise_bounds(logs, candidates, expos, lb, act, G, best_c, best_d, best_j)
        c = act[np.argmin(lb[act])]
        d, j = _ks_capped(logs, candidates[c], expos[c], c, best_d, best_c, best_j)
        if not _loses(d, c, best_d, best_c):
            best_c, best_d, best_j = c, d, j
        lb[c] = max(lb[c], d)
        keep = np.empty(act.shape[0], np.bool_)
        for t in range(act.shape[0]):
            keep[t] = act[t] != best_c and not _loses(lb[act[t]], act[t], best_d, best_c)
        act = act[keep]
        if G >= G_top:
            break
        G *= _GRID_GROWTH
    order = act[np.argsort(lb[act], kind="mergesort")]  # stable: ties stay in position order
    for t in range(order.shape[0]):
        c = order[t]
        if _loses(lb[c], c, best_d, best_c):
            break  # every later candidate has a bound at least as large, at a later position if equal
        d, j = _ks_capped(logs, candidates[c], expos[c], c, best_d, best_c, best_j)
        if not _loses(d, c, best_d, best_c):
            best_c, best_d, best_j = c, d, j
    return best_c, alphas[best_c], best_d


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
            out[r] = _ks_search(logs, T, cand)[2] if cand.shape[0] > 0 else 1.0
    return out
