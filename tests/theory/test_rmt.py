"""Random-matrix anchors (docs/theory.md §2): MP, TW, spiked model vs Monte-Carlo, inverse, Silverstein.

Monte-Carlo tolerances are 3 standard deviations of the compared error around its mean, both measured on
generator seeds that the tests do not use (beside each constant), and every comparison has a mutation twin
showing it fails for a 2 % / 0.02 error of the formula (`tests.theory.judge`)."""

import functools
import math

import numpy as np
import pytest
from scipy import integrate
from scipy.sparse.linalg import svds

from tests.theory.helpers import assert_argument_error
from tests.theory.judge import Pin, Scatter, assert_mutations_fail, judge
from theory.rmt import (
    TW1_MEAN,
    TW1_STD,
    bbp_threshold,
    generalized_mp_edge,
    mp_density,
    mp_density_normalized,
    mp_eigen_edges,
    mp_normalized_edges,
    mp_singular_edges,
    mp_zero_atom,
    spike_strength_from_sigma1,
    spiked_overlaps,
    spiked_sigma1,
    tw_scale,
)

S = Scatter


def top_triplet(M):
    """Top singular triplet (σ1, u1, v1) by ARPACK (fastest option here at 1500×1000)."""
    u, s, vt = svds(M, k=1, random_state=0)
    return s[0], u[:, 0], vt[0]


def test_edges_and_scales_at_default_size():
    lo, hi = mp_singular_edges(1500, 1000)
    assert math.isclose(hi, math.sqrt(1500) + math.sqrt(1000), rel_tol=1e-15)
    assert math.isclose(lo, math.sqrt(1500) - math.sqrt(1000), rel_tol=1e-15)
    elo, ehi = mp_eigen_edges(1500, 1000, variance=2.0)
    assert math.isclose(ehi, 2.0 * hi**2, rel_tol=1e-14) and math.isclose(elo, 2.0 * lo**2, rel_tol=1e-14)
    assert abs(tw_scale(1500, 1000) - 0.19292) < 1e-5  # "scale ≈ 0.19 at 1500×1000"
    assert math.isclose(tw_scale(1500, 1000, variance=4.0), 2 * tw_scale(1500, 1000), rel_tol=1e-14)
    assert math.isclose(bbp_threshold(1500, 1000, variance=3.0), math.sqrt(3.0) * 1.5e6**0.25, rel_tol=1e-14)
    assert (TW1_MEAN, TW1_STD) == (-1.2065335745820, 1.2680340580149)


@pytest.mark.parametrize("h, d, v", [(1500, 1000, 1.0), (1000, 1500, 2.0), (400, 400, 0.5)])
def test_mp_density_integrates_to_one(h, d, v):
    lo, hi = mp_eigen_edges(h, d, v)
    total = integrate.quad(lambda x: mp_density(x, h, d, v), lo, hi, limit=200)[0]
    assert abs(total - 1.0) < 1e-8
    assert mp_density(0.5 * lo, h, d, v) == 0.0 and mp_density(1.01 * hi, h, d, v) == 0.0
    assert mp_density(np.array([lo, hi]), h, d, v).shape == (2,)


@pytest.mark.parametrize("gamma", [0.25, 1.0, 2.5])
def test_mp_normalized_mass_plus_atom(gamma):
    lo, hi = mp_normalized_edges(gamma)
    mass = integrate.quad(lambda x: mp_density_normalized(x, gamma), lo, hi, limit=200)[0]
    assert abs(mass - min(1.0, 1.0 / gamma)) < 1e-8
    assert abs(mass + mp_zero_atom(gamma) - 1.0) < 1e-8
    assert mp_zero_atom(gamma) == (0.0 if gamma <= 1 else 1 - 1 / gamma)


# Max |CDF error| at the 7 interior points for one draw of 1000×500: mean 0.0037, sd 0.0009 on seeds 2–16 (the
# test judges seed 1); the law rescaled by 2 % in σ gives ≥ 0.0156 on every seed.
MP_CDF = S(0.0009, 0.0037)


@pytest.fixture(scope="module")
def mp_draw():
    rng = np.random.default_rng(1)
    h, d, v = 1000, 500, 2.0
    W = math.sqrt(v) * rng.standard_normal((h, d))
    return h, d, v, np.linalg.eigvalsh(W.T @ W)


def _compare_mp_cdf(judge, draw):
    h, d, v, eig = draw
    lo, hi = mp_eigen_edges(h, d, v)

    def cdf(x):
        return np.array([integrate.quad(lambda t: mp_density(t, h, d, v), lo, xi, limit=200)[0] for xi in x])

    judge.ks("MP CDF at 7 points", cdf, eig, MP_CDF, points=np.linspace(lo, hi, 9)[1:-1])


def test_mp_density_matches_monte_carlo_cdf(mp_draw):
    judge(lambda j: _compare_mp_cdf(j, mp_draw))
    # WWᵀ case (h < d): same law with the roles swapped
    assert mp_density(3000.0, 500, 1000, 2.0) == mp_density(3000.0, 1000, 500, 2.0)


# Mean of the top singular value over 30 draws of 300×200 against edge + TW1_MEAN·scale: relative error
# +0.18 % (finite-size shift of the TW mean, ≈ +0.22 scales), sd 0.15 % between batches of 30 draws
# (rng seeds 3–18; the test judges seed 2); a 2 % edge error is 2.5 TW scales. The sample sd of 30 z-scores
# was 0.83–1.62 (mean 1.18) on those batches: the spread check only rules out a wrong scale by a factor,
# not a 2 % error of TW1_STD (the sample sd of 30 draws scatters by ≈ 18 %).
TW_LOCATION = S(0.0015, 0.0018)


@pytest.fixture(scope="module")
def tw_draws():
    rng = np.random.default_rng(2)
    return np.array([np.linalg.norm(rng.standard_normal((300, 200)), 2) for _ in range(30)])


def _compare_tw(judge, sv):
    h, d = 300, 200
    edge, scale = mp_singular_edges(h, d)[1], tw_scale(h, d)
    judge.ratio("TW location", edge + TW1_MEAN * scale, float(np.mean(sv)), TW_LOCATION)
    z = (sv - edge) / scale
    judge.check("TW spread", 0.6 * TW1_STD < np.std(z) < 1.5 * TW1_STD, f"sample sd {np.std(z):.3f}")


def test_tracy_widom_location_of_top_singular_value(tw_draws):
    judge(lambda j: _compare_tw(j, tw_draws))


SPIKED_CONFIGS = [(1500, 1000, 1.0), (1000, 1500, 1.0), (1000, 1000, 2.0)]
SEEDS_PER_CONFIG = 16
# Per draw, on 24 draws per configuration from other generators (seed 10 000 + the test's): sd and bias of
# σ1_pred/σ1 − 1 and of the overlap errors (predicted − simulated), as (sd, bias) below. The deterministic
# formulas are held on the mean over the 16 draws (tolerance 3·sd/4); the key lemma (docs/theory.md §2.3),
# which uses the draw's own ξ = W0ᵀu + s w, per draw at 3·s_c.
SPIKED = {
    (1500, 1000, 1.0, 1.5): dict(sigma1=S(0.0094, 0.0050, SEEDS_PER_CONFIG)),
    (1500, 1000, 1.0, 3.0): dict(sigma1=S(0.0078, 0.0010, SEEDS_PER_CONFIG), left=S(0.0053, 0.0005, SEEDS_PER_CONFIG),
                                 right=S(0.0046, 0.0004, SEEDS_PER_CONFIG), lemma_sigma1=S(0.0023, -0.0001),
                                 lemma_right=S(0.0026, 0.0001)),
    (1000, 1500, 1.0, 1.5): dict(sigma1=S(0.0100, 0.0020, SEEDS_PER_CONFIG)),
    (1000, 1500, 1.0, 3.0): dict(sigma1=S(0.0081, 0.0025, SEEDS_PER_CONFIG), left=S(0.0041, 0.0003, SEEDS_PER_CONFIG),
                                 right=S(0.0047, -0.0004, SEEDS_PER_CONFIG), lemma_sigma1=S(0.0019, 0.0000),
                                 lemma_right=S(0.0023, -0.0004)),
    (1000, 1000, 2.0, 1.5): dict(sigma1=S(0.0120, -0.0004, SEEDS_PER_CONFIG)),
    (1000, 1000, 2.0, 3.0): dict(sigma1=S(0.0110, -0.0020, SEEDS_PER_CONFIG), left=S(0.0061, -0.0001, SEEDS_PER_CONFIG),
                                 right=S(0.0061, 0.0004, SEEDS_PER_CONFIG), lemma_sigma1=S(0.0028, -0.0002),
                                 lemma_right=S(0.0026, 0.0006)),
}
# At 1.5·s_c the overlaps scatter by 0.024–0.029 per draw (3·sd/4 = 0.018–0.022 on the mean of 16): a
# 0.02 error is not visible, so today's means are pinned (test_spiked_overlaps_near_threshold_regression_pin).
SPIKED_PINNED = {
    (1500, 1000, 1.0, 1.5): dict(left=Pin(0.0038), right=Pin(0.0034)),
    (1000, 1500, 1.0, 1.5): dict(left=Pin(-0.0036), right=Pin(-0.0004)),
    (1000, 1000, 2.0, 1.5): dict(left=Pin(0.0013), right=Pin(0.0019)),
}


@functools.cache
def _spiked_draws(h, d, v, ratio):
    """Monte Carlo of W0 + s·u wᵀ, s = ratio·s_c: per draw (σ1, ⟨u1,u⟩², ⟨v1,w⟩², key-lemma σ1 and ⟨v1,w⟩²)."""
    rng = np.random.default_rng(h + 7 * d + int(10 * ratio))
    s = ratio * bbp_threshold(h, d, v)
    out = []
    for _ in range(SEEDS_PER_CONFIG):
        u = rng.standard_normal(h)
        u /= np.linalg.norm(u)
        w = rng.standard_normal(d)
        w /= np.linalg.norm(w)
        W0 = math.sqrt(v) * rng.standard_normal((h, d))
        sig, u1, v1 = top_triplet(W0 + s * np.outer(u, w))
        xi = W0.T @ u + s * w
        s_eff = math.sqrt(xi @ xi - d * v)
        proj = (1 - h * d * v**2 / s_eff**4) * (xi @ w) ** 2 / (xi @ xi)
        out.append((sig, (u1 @ u) ** 2, (v1 @ w) ** 2, spiked_sigma1(s_eff, h, d, v), proj))
    return np.array(out)


def _compare_spiked(judge, key, bounds):
    h, d, v, ratio = key
    s = ratio * bbp_threshold(h, d, v)
    draws = _spiked_draws(*key)
    mean_sig, mean_left, mean_right = draws[:, :3].mean(axis=0)
    tag = f"{h}×{d} v={v} {ratio}·s_c"
    if "sigma1" in bounds:
        judge.ratio(f"{tag} sigma1", spiked_sigma1(s, h, d, v), mean_sig, bounds["sigma1"])
    pred = spiked_overlaps(s, h, d, v)
    if "left" in bounds:
        judge.diff(f"{tag} left overlap", pred.left, mean_left, bounds["left"])
    if "right" in bounds:
        judge.diff(f"{tag} right overlap", pred.right, mean_right, bounds["right"])
    if "lemma_sigma1" in bounds:  # key lemma, per draw: the spectrum depends on ξ only through ‖ξ‖
        for k, (sig, _, right, lemma_sig, proj) in enumerate(draws):
            judge.ratio(f"{tag} draw {k} lemma sigma1", lemma_sig, sig, bounds["lemma_sigma1"])
            judge.diff(f"{tag} draw {k} lemma right overlap", proj, right, bounds["lemma_right"])


@pytest.mark.parametrize("key", SPIKED, ids=str)
def test_spiked_formulas_against_monte_carlo(key):
    """Spiked σ1/overlaps vs Monte-Carlo, W0 + s·u wᵀ with s = ratio·s_c, mean of 16 draws; the key lemma of
    docs/theory.md §2.3 per draw at 3·s_c. Tolerances: the comment above SPIKED."""
    judge(lambda j: _compare_spiked(j, key, SPIKED[key]))


@pytest.mark.parametrize("key", SPIKED_PINNED, ids=str)
def test_spiked_overlaps_near_threshold_regression_pin(key):
    """REGRESSION PIN, not a validation: at 1.5·s_c the mean overlaps of these 16 draws stay at today's
    errors to ±0.001 (their scatter hides a 0.02 error, see SPIKED_PINNED). The formulas are validated by
    the suite `spiked` of `htcore validate` (more draws, calibrated tolerances)."""
    judge(lambda j: _compare_spiked(j, key, SPIKED_PINNED[key]), pin=True)


@pytest.mark.parametrize("key", SPIKED, ids=str)
def test_spiked_comparison_fails_for_a_wrong_formula(key):
    assert_mutations_fail(lambda j: _compare_spiked(j, key, SPIKED[key] | SPIKED_PINNED.get(key, {})))


def test_mp_and_tw_comparisons_fail_for_a_wrong_formula(mp_draw, tw_draws):
    assert_mutations_fail(lambda j: _compare_mp_cdf(j, mp_draw))
    assert_mutations_fail(lambda j: _compare_tw(j, tw_draws))


def test_spiked_below_threshold_and_vectorisation():
    h, d = 1500, 1000
    sc = bbp_threshold(h, d)
    s = np.array([0.0, 0.5 * sc, sc, 2 * sc])
    sig = spiked_sigma1(s, h, d)
    assert np.allclose(sig[:3], math.sqrt(h) + math.sqrt(d))
    assert sig[3] > sig[2]
    left, right = spiked_overlaps(s, h, d)
    # exactly at s_c the (s̃⁴ − hd)₊ factor is zero up to rounding of s_c⁴
    assert np.allclose(left[:3], 0, atol=1e-12) and np.allclose(right[:3], 0, atol=1e-12)
    assert left[3] > 0 and right[3] > left[3]
    assert isinstance(spiked_sigma1(2 * sc, h, d), float)


@pytest.mark.parametrize("v", [1.0, 0.3, 5.0])
def test_inverse_inverts_forward(v):
    h, d = 1500, 1000
    s = bbp_threshold(h, d, v) * np.array([1.0001, 1.2, 2.0, 10.0, 300.0])
    back = spike_strength_from_sigma1(spiked_sigma1(s, h, d, v), h, d, v)
    assert np.max(np.abs(back / s - 1)) < 1e-12
    # at the edge the inverse returns the threshold; below it the strength is not identifiable
    edge = mp_singular_edges(h, d, v)[1]
    assert math.isclose(spike_strength_from_sigma1(edge, h, d, v), bbp_threshold(h, d, v), rel_tol=1e-6)
    assert math.isnan(spike_strength_from_sigma1(0.9 * edge, h, d, v))


def test_generalized_mp_edge_constant_profile_is_mp_edge():
    for h, d, v in [(1500, 1000, 1.0), (500, 2000, 3.0), (700, 700, 0.2)]:
        assert math.isclose(generalized_mp_edge(np.full(h, v), d), mp_singular_edges(h, d, v)[1], rel_tol=1e-12)


# Top singular value of one draw against the two-level profile's edge (edge/σ1 − 1): +0.73 %, sd 0.47 % per
# draw on 16 draws of another generator (seed 30; the test judges the first two of seed 3), i.e. the TW
# shift (mean −1.21, sd 1.27 scales of ≈ 0.33, 0.3 % of the edge) plus finite size. Held on the mean of 2.
GENERALIZED_EDGE = S(0.0047, 0.0073, seeds=2)


@pytest.fixture(scope="module")
def two_level_draws():
    rng = np.random.default_rng(3)
    h, d = 1200, 600
    tau = np.where(np.arange(h) < h // 2, 1.0, 4.0)
    return tau, d, [top_triplet(np.sqrt(tau)[:, None] * rng.standard_normal((h, d)))[0] for _ in range(2)]


def _compare_generalized_edge(judge, draws):
    tau, d, sv = draws
    judge.ratio("two-level edge", generalized_mp_edge(tau, d), float(np.mean(sv)), GENERALIZED_EDGE)


def test_generalized_mp_edge_two_level_profile_against_monte_carlo(two_level_draws):
    tau, d, _ = two_level_draws
    edge = generalized_mp_edge(tau, d)
    # the homogeneous edge with the mean variance is strictly below (profile spreading pushes it out)
    assert edge > mp_singular_edges(tau.size, d, tau.mean())[1] * 1.001
    judge(lambda j: _compare_generalized_edge(j, two_level_draws))
    # zero rows do not contribute
    assert math.isclose(generalized_mp_edge(np.concatenate([tau, np.zeros(50)]), d), edge, rel_tol=1e-12)


def test_generalized_edge_comparison_fails_for_a_wrong_formula(two_level_draws):
    assert_mutations_fail(lambda j: _compare_generalized_edge(j, two_level_draws))


@pytest.mark.parametrize(
    "call, arg",
    [
        (lambda: mp_singular_edges(0, 10), "h"),
        (lambda: mp_singular_edges(10, 2.5), "d"),
        (lambda: mp_eigen_edges(10, 10, variance=-1.0), "variance"),
        (lambda: mp_density(1.0, True, 10), "h"),
        (lambda: mp_density_normalized(1.0, 0.0), "gamma"),
        (lambda: tw_scale(10, 10, variance=float("inf")), "variance"),
        (lambda: spiked_sigma1(-1.0, 10, 10), "s"),
        (lambda: spiked_overlaps([1.0, float("nan")], 10, 10), "s"),
        (lambda: spike_strength_from_sigma1(-3.0, 10, 10), "sigma1"),
        (lambda: generalized_mp_edge([1.0, -1.0], 10), "row_variances"),
        (lambda: generalized_mp_edge(np.zeros(5), 10), "row_variances"),
        (lambda: generalized_mp_edge(np.ones(5), 0), "d"),
    ],
)
def test_argument_validation(call, arg):
    assert_argument_error(call, arg)
