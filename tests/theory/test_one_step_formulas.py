"""Asymptotic one-step formulas: idealised docs/theory.md §7 values, BBP roots, conventions, validation."""

import math

import numpy as np
import pytest

import theory
from tests.theory.helpers import assert_argument_error
from theory import bbp_lr, bbp_quadratic, plugin_one_step, predict_one_step
from theory.hermite import activation_stats, teacher_stats
from theory.scales import lr_from_ba, lr_scales, lr_to_ba

SIZES = dict(n=2000, d=1000, h=1500)

# docs/theory.md §7 Checks against simulation, idealised A = 1, ā = √(2/π), c_L = 2, tanh/softplus, ρ = 0.3
# (printed to 5 digits)
IDEAL = [
    ("gd", 2000.0, 87.31, 0.236, None),
    ("gd", 6000.0, 251.87, 0.213, None),
    ("gd", 20000.0, 864.75, 0.197, None),
    ("adam", 0.3, 295.02, 0.167, None),
    ("adam", 1.0, 999.17, 0.159, 0.680),
]


@pytest.mark.parametrize("opt, lr, sigma1, overlap, q", IDEAL)
def test_idealised_section7_values(opt, lr, sigma1, overlap, q):
    p = predict_one_step(opt, lr, **SIZES, readout_scale=1.0, readout_abar=math.sqrt(2 / math.pi), c_L=2.0)
    assert abs(p.sigma1 / sigma1 - 1) < 1e-3
    # overlaps are printed with 3 decimals: relative 1e-3 of the rounded value is below the rounding
    # itself (±5e-4), so they are compared to the printed precision
    assert abs(p.overlap_beta - overlap) <= 5e-4
    assert p.spiked is True
    if q is not None:
        assert abs(p.signal_fraction - q) <= 5e-4
    # readout_abar=None is the same Gaussian expectation √(2/π)·√A
    assert predict_one_step(opt, lr, **SIZES).sigma1 == p.sigma1


def test_idealised_gd_bbp_rate():
    assert abs(bbp_lr("gd", **SIZES) / 1259.8 - 1) < 1e-3


@pytest.mark.parametrize("opt, lo, hi", [("gd", 1000, 2000), ("adam", 0.03, 0.1)])
@pytest.mark.parametrize("f0", [True, False])
def test_bbp_rates_and_quadratic(opt, lo, hi, f0):
    eta = bbp_lr(opt, **SIZES, f0=f0)
    if f0:
        assert lo < eta < hi
    c2, c1, c0 = bbp_quadratic(opt, **SIZES, f0=f0)
    residual = c2 * eta**2 + c1 * eta + c0
    assert abs(residual) <= 1e-10 * max(abs(c2 * eta**2), abs(c1 * eta), abs(c0))
    below = predict_one_step(opt, eta * (1 - 1e-6), **SIZES, f0=f0)
    above = predict_one_step(opt, eta * (1 + 1e-6), **SIZES, f0=f0)
    assert not below.spiked and above.spiked
    assert abs(above.normalized_spike_strength**4 / (SIZES["h"] * SIZES["d"]) - 1) < 1e-4


def test_bbp_no_f0_gd_closed_form():
    n, d, h, A, c_L = 2000, 1000, 1500, 1.3, 2.0
    mu1, t = activation_stats("tanh").mu1, teacher_stats("softplus", 0.3)
    norm_a = math.sqrt(h * A)
    want = (h * d) ** 0.75 / (c_L * mu1 * norm_a * math.sqrt(t.mu1_star**2 + d * t.ey2 / n))
    got = bbp_lr("gd", n=n, d=d, h=h, readout_scale=math.sqrt(A), c_L=c_L, f0=False)
    assert abs(got / want - 1) < 1e-12
    # no-f0 Adam ≈ (hd)^(−¼)/√q when √(hd)(1 − q) ≪ hd q
    q = predict_one_step("adam", 1.0, **SIZES, f0=False).signal_fraction
    approx = (h * d) ** -0.25 / math.sqrt(q)
    assert abs(bbp_lr("adam", **SIZES, f0=False) / approx - 1) < 1e-3


def test_bbp_default_sizes_spike_pattern():
    # docs/theory.md §3–§4: no spike at η = 1000, a spike at η = 2000 (GD); Adam: none at 0.03, one at 0.1
    gd = predict_one_step("gd", np.array([1000.0, 2000.0]), **SIZES, law=False)
    adam = predict_one_step("adam", np.array([0.03, 0.1]), **SIZES, law=False)
    assert gd.spiked.tolist() == [False, True] and adam.spiked.tolist() == [False, True]
    assert gd.sigma1[0] == pytest.approx(math.sqrt(1500) + math.sqrt(1000), rel=1e-14)
    assert gd.overlap_beta[0] == 0 and gd.overlap_a[0] == 0
    # with the eigenvalue law, σ1 below the threshold is the law's (slightly wider) bulk edge
    with_law = predict_one_step("gd", 1000.0, **SIZES)
    assert with_law.sigma1 == with_law.bulk_edge
    assert 0 < with_law.bulk_edge / (math.sqrt(1500) + math.sqrt(1000)) - 1 < 0.01


@pytest.mark.parametrize("opt", ["gd", "adam"])
def test_vectorised_over_learning_rates(opt):
    lrs = np.array([[0.0, 500.0], [2000.0, 20000.0]]) if opt == "gd" else np.array([[0.0, 0.02], [0.1, 1.0]])
    vec = predict_one_step(opt, lrs, **SIZES)
    assert vec.sigma1.shape == (2, 2) and vec.spiked.dtype == bool
    for idx in np.ndindex(lrs.shape):
        one = predict_one_step(opt, float(lrs[idx]), **SIZES)
        assert isinstance(one.sigma1, float) and isinstance(one.spiked, bool)
        for field in ("sigma1", "overlap_beta", "overlap_a", "spike_strength", "bulk_variance", "bulk_edge"):
            assert getattr(one, field) == pytest.approx(getattr(vec, field)[idx], rel=1e-12, abs=1e-15)


def test_loss_convention_c_L():
    # GD: only the product c_L·η enters; Adam's sign step does not depend on c_L
    a = predict_one_step("gd", 4000.0, **SIZES, c_L=2.0)
    b = predict_one_step("gd", 8000.0, **SIZES, c_L=1.0)
    assert a.sigma1 == pytest.approx(b.sigma1, rel=1e-13)
    assert a.overlap_beta == pytest.approx(b.overlap_beta, rel=1e-12)
    assert bbp_lr("gd", **SIZES, c_L=1.0) == pytest.approx(2 * bbp_lr("gd", **SIZES, c_L=2.0), rel=1e-13)
    assert predict_one_step("adam", 0.3, **SIZES, c_L=1.0) == predict_one_step("adam", 0.3, **SIZES, c_L=2.0)


def test_no_f0_limit_formula():
    p = predict_one_step("gd", 3000.0, **SIZES, f0=False)
    mu1, t = activation_stats("tanh").mu1, teacher_stats("softplus", 0.3)
    theta = 2.0 * 3000.0 * mu1 * math.sqrt(1.0 / 1000)
    s2 = theta**2 * (t.mu1_star**2 + 0.5 * t.ey2)
    assert p.spike_strength_sq == pytest.approx(s2, rel=1e-13)
    # the no-f0 limit is the f0 formula with a vanishing readout at fixed θ ∝ η√A:
    # A = 1e-12 and η·1e6 leave θ unchanged while the f0 terms scale as √A → 0
    for opt, lr in (("gd", 3000.0), ("adam", 0.5)):
        limit = predict_one_step(opt, lr, **SIZES, f0=False)
        tiny_a = predict_one_step(opt, lr * (1e6 if opt == "gd" else 1.0), **SIZES, readout_scale=1e-6)
        assert tiny_a.sigma1 == pytest.approx(limit.sigma1, rel=1e-5)
        assert tiny_a.overlap_beta == pytest.approx(limit.overlap_beta, rel=1e-5)


def test_learning_rate_scales():
    gd = lr_scales("gd", **SIZES)
    adam = lr_scales("adam", **SIZES)
    assert 1.5e3 < gd.operator < 1.7e3  # docs/theory.md §5: ≈ 1.60·10³
    # docs/theory.md §5: ≈ 2.60·10⁴ (2.8·10⁴ rank-one only; the remainder adds 14 % in F²)
    assert 2.5e4 < gd.frobenius < 2.8e4
    assert 0.065 < adam.operator < 0.075 and adam.frobenius == 1.0  # docs/theory.md §5: ≈ 0.07 and Θ(1)
    # at η_op the rank-one GD update θ·G equals √h + √d
    s = theory.one_step.asymptotic_setup(**SIZES)
    theta = 2.0 * gd.operator * s.act.mu1 * math.sqrt(1 / 1000)
    assert theta * math.sqrt(s.grad_sq) == pytest.approx(math.sqrt(1500) + math.sqrt(1000), rel=1e-13)
    ba = lr_scales("gd", **SIZES, parameterisation="ba")
    assert ba.operator == pytest.approx(gd.operator * 2.0 / 1000, rel=1e-13)  # η c_L = d η_Ba c_L,Ba
    assert lr_from_ba(lr_to_ba(1234.5, "gd", d=1000), "gd", d=1000) == pytest.approx(1234.5, rel=1e-15)
    assert lr_to_ba(1.0, "adam", d=400) == pytest.approx(1 / 20, rel=1e-15)


def _plugin_args():
    rng = np.random.default_rng(0)
    W0, a, X = rng.standard_normal((6, 4)), rng.standard_normal(6), rng.standard_normal((5, 4))
    return W0, a, X, rng.standard_normal(5)


@pytest.mark.parametrize(
    "call, arg",
    [
        (lambda: predict_one_step("sgd", 1.0, **SIZES), "optimizer"),
        (lambda: predict_one_step("gd", -1.0, **SIZES), "lr"),
        (lambda: predict_one_step("gd", [1.0, float("nan")], **SIZES), "lr"),
        (lambda: predict_one_step("gd", 1.0, n=0, d=10, h=10), "n"),
        (lambda: predict_one_step("gd", 1.0, n=10, d=10.0, h=10), "d"),
        (lambda: predict_one_step("gd", 1.0, n=10, d=10, h=-3), "h"),
        (lambda: predict_one_step("gd", 1.0, **SIZES, c_L=0.0), "c_L"),
        (lambda: predict_one_step("gd", 1.0, **SIZES, readout_scale=0.0), "readout_scale"),
        (lambda: predict_one_step("adam", 1.0, **SIZES, readout_abar=1.5), "readout_abar"),
        (lambda: predict_one_step("gd", 1.0, **SIZES, f0="no"), "f0"),
        (lambda: predict_one_step("gd", 1.0, **SIZES, activation="sigmoid"), "activation"),
        (lambda: predict_one_step("gd", 1.0, **SIZES, teacher="cubic"), "teacher"),
        (lambda: predict_one_step("gd", 1.0, **SIZES, label_noise_std=-0.3), "label_noise_std"),
        (lambda: bbp_lr("momentum", **SIZES), "optimizer"),
        (lambda: plugin_one_step("gd", 1.0, *_plugin_args()[:1], np.ones(5), *_plugin_args()[2:]), "a"),
        (lambda: plugin_one_step("gd", 1.0, _plugin_args()[0], _plugin_args()[1], np.ones((5, 3)),
                                 _plugin_args()[3]), "X"),
        (lambda: plugin_one_step("gd", 1.0, *_plugin_args()[:3], np.ones(4)), "y"),
        (lambda: plugin_one_step("gd", 1.0, *_plugin_args(), beta=np.zeros(4)), "beta"),
        (lambda: plugin_one_step("adam", 1.0, *_plugin_args(), beta=np.ones(3)), "beta"),
        (lambda: plugin_one_step("gd", 1.0, np.ones(4), *_plugin_args()[1:]), "W0"),
        (lambda: plugin_one_step("gd", 1.0, *_plugin_args(), c_L=-2.0), "c_L"),
        (lambda: lr_scales("gd", **SIZES, parameterisation="mup"), "parameterisation"),
        (lambda: lr_to_ba(1.0, "gd", d=0), "d"),
    ],
)
def test_argument_validation(call, arg):
    assert_argument_error(call, arg)
