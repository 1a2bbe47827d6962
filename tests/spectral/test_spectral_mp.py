"""MP fit, spikes, baselines, phase classification, likelihood-ratio tests."""

from __future__ import annotations

import numpy as np
import pytest

from htcore.spectral import (
    SpectralInputError,
    classify,
    compare_distributions,
    esd,
    mp_fit,
    powerlaw_fit,
    random_baselines,
)
from theory.htsr import Phase, alpha_class, max_spikes, phase
from theory.rmt import bbp_threshold

SHAPES = [(1500, 1000), (300, 300), (200, 600), (1000, 100)]


def planted(h: int, d: int, k: int, seed: int, factor: float = 2.0) -> np.ndarray:
    """h×d N(0,1) matrix plus k orthogonal rank-one spikes of strength factor·(1 + j/k)·BBP threshold."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((h, k)))
    V, _ = np.linalg.qr(rng.standard_normal((d, k)))
    strengths = factor * bbp_threshold(h, d) * (1.0 + np.arange(k) / k)
    return rng.standard_normal((h, d)) + (U * strengths) @ V.T


@pytest.mark.parametrize("shape", SHAPES)
def test_no_spikes_on_gaussian_matrices(shape: tuple[int, int]) -> None:
    for seed in range(3):
        fit = mp_fit(esd(np.random.default_rng(seed).standard_normal(shape)), shape)
        assert fit.n_spikes == 0
        assert fit.variance == pytest.approx(1.0, abs=0.03)
        assert fit.bulk_ks < 0.05


@pytest.mark.parametrize("k", [1, 3, 5])
def test_exactly_k_spikes_on_planted_rank_k(k: int) -> None:
    W = planted(600, 400, k, seed=k)
    fit = mp_fit(esd(W), W.shape)
    assert fit.n_spikes == k
    assert fit.variance == pytest.approx(1.0, abs=0.03)


def test_variance_is_estimated_and_scales() -> None:
    W = 3.0 * np.random.default_rng(1).standard_normal((400, 300))
    fit = mp_fit(esd(W), W.shape)
    assert fit.variance == pytest.approx(9.0, rel=0.03)
    assert fit.n_spikes == 0
    given = mp_fit(esd(W), W.shape, variance=9.0)
    assert not given.variance_estimated and given.variance == 9.0


def test_larger_gram_eigenvalues_are_accepted() -> None:
    W = np.random.default_rng(2).standard_normal((100, 150))
    big = np.linalg.eigvalsh(W.T @ W)  # 150 values, 50 of them zero up to round-off
    assert mp_fit(np.clip(big, 0, None) * (big > 1e-8), W.shape).n_zeros == 0
    with pytest.raises(SpectralInputError, match="do not fit shape"):
        mp_fit(big[:120], W.shape)
    with pytest.raises(SpectralInputError, match="shape"):
        mp_fit(big, (100,))


def test_random_baselines_are_seeded() -> None:
    W = np.random.default_rng(3).pareto(1.5, (300, 200))
    a, b = random_baselines(W, seed=5), random_baselines(W, seed=5)
    assert a == b and a != random_baselines(W, seed=6)
    g_rng, p_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(5).spawn(2))
    assert a.gaussian == powerlaw_fit(esd(g_rng.standard_normal(W.shape)))
    assert a.permuted == powerlaw_fit(esd(p_rng.permutation(W.ravel()).reshape(W.shape)))
    assert a.gaussian_hill == pytest.approx(2.45, abs=0.05)


def test_classifier_phases() -> None:
    rng = np.random.default_rng(4)
    assert classify(esd(rng.standard_normal((600, 400))), (600, 400)).phase is Phase.RANDOM_LIKE
    assert classify(esd(planted(600, 400, 1, seed=5)), (600, 400)).phase is Phase.BULK_PLUS_SPIKES
    pareto = rng.pareto(1.5, (600, 400)) * rng.choice([-1.0, 1.0], (600, 400))  # tail index 1.5 < 2
    heavy = classify(esd(pareto), (600, 400))
    assert heavy.phase is Phase.HEAVY_TAILED and heavy.alpha_class == "very heavy"
    low_rank = rng.standard_normal((600, 50)) @ rng.standard_normal((50, 400))
    assert classify(esd(low_rank), (600, 400)).phase is Phase.RANK_COLLAPSE
    many = planted(600, 400, 20, seed=6)  # 20 spikes > max_spikes(400) = 4, MP-like bulk
    assert classify(esd(many), (600, 400)).phase is Phase.BLEEDING_OUT


def test_phase_rule_thresholds() -> None:
    assert phase(0.1, 0, 100, 0.0, 9.0) is Phase.RANK_COLLAPSE
    assert phase(0.099, 0, 100, 0.5, 1.5) is Phase.RANDOM_LIKE
    assert phase(0.0, 3, 100, 0.05, 9.0) is Phase.BULK_PLUS_SPIKES
    assert phase(0.0, 4, 100, 0.05, 9.0) is Phase.BLEEDING_OUT
    assert phase(0.0, 4, 100, 0.051, 6.0) is Phase.HEAVY_TAILED
    assert phase(0.0, 4, 100, 0.051, 6.01) is Phase.BULK_DECAY
    assert phase(0.0, 4, 100, 0.051, float("inf")) is Phase.BULK_DECAY
    assert max_spikes(100) == 3 and max_spikes(1000) == 10
    assert [alpha_class(a) for a in (0.9, 1.5, 2.0, 4.0, 7.0, 9.0, float("nan"))] == [
        "invalid", "very heavy", "very heavy", "heavy", "weak", "uninformative", "uninformative"]


def _samples(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    lognormal = rng.lognormal(0.0, 1.0, 4 * n)
    pl = (1.0 - rng.random(40 * n)) ** (-1.0 / 0.8)  # α = 1.8, then truncated by e^{−0.01 x}
    return {
        "power_law": (1.0 - rng.random(n)) ** (-1.0 / 1.5),
        "exponential": 1.0 + rng.exponential(1.0, n),
        "lognormal": lognormal[lognormal >= 1.0][:n],
        "truncated_power_law": pl[rng.random(pl.size) < np.exp(-0.01 * (pl - 1.0))][:n],
    }


@pytest.mark.parametrize("family", ["power_law", "exponential", "lognormal", "truncated_power_law"])
def test_likelihood_ratios_pick_the_true_family(family: str) -> None:
    x = _samples(3000, 7)[family]
    ratios = compare_distributions(x, powerlaw_fit(x, xmin=1.0))
    if family == "power_law":
        assert all(r.favoured in ("power_law", "inconclusive") for r in ratios.values())
        assert ratios["exponential"].favoured == "power_law"
        return
    assert ratios[family].favoured == family
    # the true family has the highest likelihood among the alternatives it does not nest in
    others = [r.R for name, r in ratios.items() if name not in (family, "truncated_power_law")]
    if family != "exponential":  # the truncated power law nests the exponential (α = 0)
        assert all(ratios[family].R < R for R in others)
