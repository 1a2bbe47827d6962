"""Power-law fits: brute-force references (docs/model.md §5.6), the `powerlaw` package, Hill, bad input.

The `powerlaw` package (2.0) is a test requirement (CI installs it); it is never imported by htcore.
"""

from __future__ import annotations

import warnings

import numpy as np
import powerlaw
import pytest

from htcore.spectral import MIN_TAIL, SpectralInputError, esd, hill_alpha, ks_alpha, powerlaw_fit
from htcore.spectral._kernels import _clauset_candidates, _ks_scan, _ks_search, _suffix_sums


def brute_force_scan(x: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Straightforward O(N²) NumPy version of docs/model.md §5.6 at the given candidate indices."""
    alphas, dists = [], []
    for i in candidates:
        tail = x[i:]
        k = tail.size
        a = 1.0 + k / np.sum(np.log(tail / x[i]))
        alphas.append(a)
        dists.append(np.max(np.abs(1.0 - (tail / x[i]) ** (1.0 - a) - np.arange(k) / k)) if a > 1 else 1.0)
    return np.array(alphas), np.array(dists)


def pareto(alpha: float, n: int, seed: int, xmin: float = 1.0) -> np.ndarray:
    """Continuous power-law sample p(x) ∝ x^−α, x ≥ xmin, by inversion."""
    return xmin * (1.0 - np.random.default_rng(seed).random(n)) ** (-1.0 / (alpha - 1.0))


def mp_esd(h: int, d: int, seed: int, spikes: tuple[float, ...] = ()) -> np.ndarray:
    """ESD of an h×d N(0,1) matrix plus rank-one spikes of the given strengths."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((h, d))
    for s in spikes:
        u, v = rng.standard_normal(h), rng.standard_normal(d)
        W += s * np.outer(u / np.linalg.norm(u), v / np.linalg.norm(v))
    return esd(W)


DATASETS = {
    "pareto_1.5": lambda: pareto(1.5, 2000, 1),
    "pareto_2.5": lambda: pareto(2.5, 2000, 2),
    "pareto_4": lambda: pareto(4.0, 2000, 3),
    "mp": lambda: mp_esd(600, 400, 4),
    "mp_spikes": lambda: mp_esd(600, 400, 5, spikes=(150.0, 200.0, 300.0)),
    "lognormal": lambda: np.random.default_rng(6).lognormal(0.0, 1.0, 2000),
}


@pytest.mark.parametrize("name", list(DATASETS))
def test_ks_alpha_equals_brute_force_reference(name: str) -> None:
    x = np.sort(DATASETS[name]())
    alphas, dists = brute_force_scan(x, np.arange(x.size - 1))
    best = int(np.argmin(dists))
    assert ks_alpha(x) == pytest.approx(alphas[best], rel=1e-12)


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_candidate_alpha_and_D_match_brute_force(name: str) -> None:
    x = np.sort(DATASETS[name]())
    cand = np.arange(x.size - 1, dtype=np.int64)
    logs = np.log(x)
    alphas, dists = _ks_scan(logs, _suffix_sums(logs), cand)
    ref_a, ref_d = brute_force_scan(x, cand)
    np.testing.assert_allclose(alphas, ref_a, rtol=1e-11)
    np.testing.assert_allclose(dists, ref_d, rtol=0, atol=1e-13)


def exhaustive_best(x: np.ndarray, cand: np.ndarray) -> tuple[int, float, float]:
    """(position, α, D) of the first minimum of the exhaustive scan: exact D at every candidate."""
    logs = np.log(x)
    alphas, dists = _ks_scan(logs, _suffix_sums(logs), cand)
    best = int(np.argmin(dists))
    return best, float(alphas[best]), float(dists[best])


def pruned_best(x: np.ndarray, cand: np.ndarray) -> tuple[int, float, float]:
    logs = np.log(x)
    best, alpha, D = _ks_search(logs, _suffix_sums(logs), cand)
    return int(best), float(alpha), float(D)


def candidate_sets(x: np.ndarray) -> list[np.ndarray]:
    """`powerlaw_fit`'s candidates (first index of each distinct value) and `ks_alpha`'s (every index)."""
    return [_clauset_candidates(x, -np.inf, np.inf), np.arange(x.size - 1, dtype=np.int64)]


SEARCH_DATASETS = {
    **DATASETS,
    "pareto_1.2": lambda: pareto(1.2, 3000, 21),
    "pareto_6": lambda: pareto(6.0, 3000, 22),
    "lognormal_wide": lambda: np.random.default_rng(23).lognormal(0.0, 3.0, 3000),
    "exponential": lambda: np.random.default_rng(24).exponential(1.0, 3000),
    "ties_rounded": lambda: np.round(pareto(2.0, 3000, 25), 2),
    "ties_integers": lambda: np.ceil(pareto(2.0, 3000, 26)),
    "geometric": lambda: 2.0 ** np.arange(60.0),
    "two_values": lambda: np.repeat([1.0, 2.0], 50),
    "body_plus_tail": lambda: np.concatenate([np.random.default_rng(27).lognormal(0.0, 0.5, 3000),
                                              3.0 * pareto(2.2, 1000, 28)]),
    **{f"small_{n}": (lambda n=n: pareto(2.5, n, 30 + n)) for n in (2, 3, 5, 10, 60)},
}


@pytest.mark.parametrize("name", list(SEARCH_DATASETS))
def test_pruned_search_equals_exhaustive_scan_exactly(name: str) -> None:
    """The branch-and-bound search returns the exhaustive scan's first minimum bit for bit."""
    x = np.sort(SEARCH_DATASETS[name]())
    for cand in candidate_sets(x):
        if cand.size:
            assert pruned_best(x, cand) == exhaustive_best(x, cand)


def test_pruned_search_equals_exhaustive_scan_on_random_samples() -> None:
    """Small random samples of several shapes (power laws, log-normals, heavy ties, mixtures)."""
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(2024).spawn(300)]
    for t, rng in enumerate(rngs):
        n = int(rng.integers(2, 300))
        x = [(1.0 - rng.random(n)) ** (-1.0 / rng.uniform(0.1, 5.0)),
             rng.lognormal(0.0, rng.uniform(0.1, 4.0), n),
             np.round(rng.exponential(1.0, n), 1) + 0.1,
             rng.integers(1, 6, n).astype(float),
             np.concatenate([rng.random(n) + 1.0, 3.0 / (1.0 - rng.random(n // 3 + 1))])][t % 5]
        x = np.sort(x)
        if x[0] == x[-1]:
            continue
        for cand in candidate_sets(x):
            if cand.size:
                assert pruned_best(x, cand) == exhaustive_best(x, cand), (t, n)


@pytest.mark.parametrize("name", ["pareto_2.5", "pareto_6", "mp", "ties_rounded"])
def test_public_fits_return_the_exhaustive_minimum(name: str) -> None:
    x = np.sort(SEARCH_DATASETS[name]())
    cand, every = candidate_sets(x)
    best, alpha, D = exhaustive_best(x, cand)
    f = powerlaw_fit(x)
    assert (f.xmin, f.alpha, f.D) == (x[cand[best]], alpha, D)
    assert ks_alpha(x) == exhaustive_best(x, every)[1]


def powerlaw_package_fit(x: np.ndarray) -> powerlaw.Fit:
    """`powerlaw.Fit` with the default α ∈ [0, 3] restriction lifted (see htcore.spectral.fit)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return powerlaw.Fit(x, parameter_ranges={"alpha": [0, None]}, verbose=0)


@pytest.mark.parametrize("name", list(DATASETS))
def test_powerlaw_fit_equals_powerlaw_package(name: str) -> None:
    x = DATASETS[name]()
    ours, theirs = powerlaw_fit(x), powerlaw_package_fit(x)
    assert ours.alpha == pytest.approx(theirs.alpha, rel=1e-8)
    assert ours.xmin == pytest.approx(theirs.xmin, rel=1e-8)
    assert ours.D == pytest.approx(theirs.D, abs=1e-10)
    assert ours.n_tail == theirs.n_tail


@pytest.mark.parametrize("name", ["pareto_2.5", "mp", "lognormal"])
def test_powerlaw_fit_alpha_equals_ks_alpha_without_ties(name: str) -> None:
    x = DATASETS[name]()
    assert powerlaw_fit(x).alpha == ks_alpha(x)


def test_powerlaw_package_default_caps_alpha_at_three() -> None:
    """The trap documented in htcore.spectral.fit: on an MP ESD the default Fit reports α ≤ 3."""
    x = DATASETS["mp"]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        capped = powerlaw.Fit(x, verbose=0)
    assert capped.alpha <= 3.0
    assert powerlaw_fit(x).alpha > 5.0


def test_xmin_range_restricts_candidates_like_powerlaw_package() -> None:
    x = pareto(2.5, 1500, 7)
    lo, hi = 1.5, 4.0
    ours = powerlaw_fit(x, xmin_range=(lo, hi))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = powerlaw.Fit(x, xmin=(lo, hi), parameter_ranges={"alpha": [0, None]}, verbose=0)
    assert lo <= ours.xmin < hi
    assert ours.xmin == theirs.xmin
    assert ours.alpha == pytest.approx(theirs.alpha, rel=1e-8)


def test_ties_candidates_are_first_occurrences_and_D_uses_every_index() -> None:
    """With ties, candidates are the first occurrence of each distinct value (as in `powerlaw`), but
    D takes the §5.6 maximum over every tail index; `powerlaw` only looks at distinct values, so its D
    (and possibly its xmin) differ on tied data. Checked against the brute-force §5.6 scan instead."""
    x = np.sort(np.round(pareto(2.0, 1500, 8), 2))  # many exact ties
    distinct = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])[:-2]
    alphas, dists = brute_force_scan(x, distinct)
    best = int(np.argmin(dists))
    f = powerlaw_fit(x)
    assert f.xmin == x[distinct[best]]
    assert f.alpha == pytest.approx(alphas[best], rel=1e-12)
    assert f.D == pytest.approx(dists[best], abs=1e-13)


def test_fixed_xmin_fit() -> None:
    x = np.sort(pareto(2.5, 1000, 9))
    f = powerlaw_fit(x, xmin=x[100])
    tail = x[100:]
    a = 1.0 + tail.size / np.sum(np.log(tail / x[100]))
    assert f.fixed_xmin and f.n_tail == tail.size and f.xmin == x[100]
    assert f.alpha == pytest.approx(a, rel=1e-12)
    assert f.sigma == pytest.approx((a - 1.0) / np.sqrt(tail.size), rel=1e-12)


def test_reliability_flags() -> None:
    good = powerlaw_fit(pareto(2.5, 2000, 10))
    assert good.reliable and good.reason == ""
    mp = powerlaw_fit(DATASETS["mp"]())
    assert not mp.reliable and "uninformative" in mp.reason
    small = powerlaw_fit(pareto(2.5, MIN_TAIL - 10, 11))
    assert not small.reliable and "tail points" in small.reason


def test_hill_alpha_median_and_top_k() -> None:
    x = np.sort(pareto(2.5, 1001, 12))
    i = x.size // 2
    expected = 1.0 + (x.size - i) / np.sum(np.log(x[i:] / x[i]))
    assert hill_alpha(x) == pytest.approx(expected, rel=1e-12)
    top = 1.0 + 100 / np.sum(np.log(x[-100:] / x[-100]))
    assert hill_alpha(x, k=100) == pytest.approx(top, rel=1e-12)
    assert hill_alpha(x, xmin=float(x[-100])) == pytest.approx(top, rel=1e-12)


def _hill_samples() -> list[np.ndarray]:
    """ESDs of several shapes and tails: MP bulks (with and without spikes, rank-deficient with exact
    zeros), a heavy-tailed Gram, a Pareto sample with ties."""
    rng = np.random.default_rng(16)
    out = [mp_esd(h, d, seed) for h, d, seed in ((150, 100, 1), (100, 150, 2), (300, 300, 3), (1500, 1000, 4))]
    out.append(mp_esd(400, 200, 5, spikes=(30.0, 60.0)))
    out.append(esd(rng.standard_normal((80, 20)) @ rng.standard_normal((20, 120))))  # rank 20 of 80
    out.append(esd(rng.standard_t(2.5, size=(300, 200))))
    out.append(np.round(pareto(2.2, 2000, 17), 1))
    return out


def test_hill_alpha_is_the_theory_formula_bit_for_bit() -> None:
    """One definition: htcore's α_Hill is theory.hill's, to the last bit, on the same nonzero values."""
    from theory.hill import hill_alpha as theory_hill
    from theory.hill import hill_tail_alpha

    samples = _hill_samples()
    assert any(np.count_nonzero(x == 0) for x in samples)  # zeros are dropped alike
    for x in samples:
        assert hill_alpha(x) == theory_hill(x)
        pos = np.sort(x[x > 0])
        for k in (2, min(50, pos.size), pos.size // 3):
            assert hill_alpha(x, k=k) == hill_tail_alpha(pos, pos.size - k)
        xmin = float(pos[-min(40, pos.size - 1)])
        assert hill_alpha(x, xmin=xmin) == hill_tail_alpha(pos, int(np.searchsorted(pos, xmin)))


def test_hill_alpha_reference_value_at_init() -> None:
    """docs/model.md §9 Reference numbers: α_Hill ≈ 2.45 for a 1500×1000 N(0,1) matrix."""
    assert hill_alpha(mp_esd(1500, 1000, 13)) == pytest.approx(2.45, abs=0.02)


def test_zeros_dropped_and_counted() -> None:
    x = np.concatenate([pareto(2.5, 500, 14), np.zeros(7), [-1e-18]])
    f = powerlaw_fit(x)
    assert f.n_zeros_dropped == 8 and f.n_total == 500
    assert f.alpha == powerlaw_fit(x[x > 0]).alpha


@pytest.mark.parametrize("bad, message", [
    (np.array([]), "empty"),
    (np.ones((3, 3)), "1-D"),
    (np.array([1.0, np.nan, 2.0]), "non-finite"),
    (np.array([1.0, np.inf, 2.0]), "non-finite"),
    (np.array([1.0, -0.5, 2.0]), "negative value -0.5"),
    (np.zeros(10), "all 10 values are zero"),
    (np.full(100, 3.0), "all 100 nonzero values are equal"),
    (np.array(["a", "b"]), "real numbers"),
])
def test_bad_input_raises_naming_the_problem(bad: np.ndarray, message: str) -> None:
    for fn in (powerlaw_fit, ks_alpha, hill_alpha):
        with pytest.raises(SpectralInputError, match=message):
            fn(bad)


def test_bad_options_raise() -> None:
    x = pareto(2.5, 200, 15)
    with pytest.raises(SpectralInputError, match="xmin"):
        powerlaw_fit(x, xmin="median")
    with pytest.raises(SpectralInputError, match="xmin = "):
        powerlaw_fit(x, xmin=float(x.max()) * 2)
    with pytest.raises(SpectralInputError, match="no xmin candidate"):
        powerlaw_fit(x, xmin_range=(1e6, 1e7))
    with pytest.raises(SpectralInputError, match="k must be"):
        hill_alpha(x, k=1)
    assert isinstance(SpectralInputError("x"), ValueError)


def test_three_distinct_values_give_finite_fit_flagged_unreliable() -> None:
    x = np.array([1.0] * 30 + [2.0] * 30 + [3.0] * 30)
    f = powerlaw_fit(x)
    assert np.isfinite(f.alpha) and f.alpha > 1
    assert not f.reliable and "distinct" in f.reason
