"""Eigenvalue law of W1ᵀW1 after one step (theory.spectrum): solver vs Monte Carlo, validation, engine.

Tolerances come from measurements on other draws than the ones judged here (seeds 100–103 at the same
reduced size for the engine comparisons; Monte Carlo seeds 1–3 for the solver checks); each constant
says what was measured. Engine comparisons use d = 400, h = 600, n = 800.
"""

import math

import numpy as np
import pytest

import htcore
import theory
from htcore.kernels import loss_and_grad
from theory import TheoryArgumentError, one_step_spectrum, plugin_one_step_spectrum
from theory.spectrum import _law_from_density, _solve_shifted, profile_stieltjes

D_SMALL = 400
SIZES = dict(n=2 * D_SMALL, d=D_SMALL, h=3 * D_SMALL // 2)


def _law_of(stieltjes_density, top):
    return _law_from_density(stieltjes_density, top)


def _ks(cdf_values):
    N = cdf_values.size
    return max(np.max(np.abs(cdf_values - np.arange(1, N + 1) / N)),
               np.max(np.abs(cdf_values - np.arange(N) / N)))


# ----------------------------------------------------------------------------- solver checks


def test_profile_solver_reproduces_marchenko_pastur():
    h, d = 600, 400
    x = np.array([100.0, 400.0, 1000.0, 1800.0])
    m = profile_stieltjes(x, np.ones((1, 1)), np.ones((1, 1)), [float(h)], [float(d)])
    lp, lm = (math.sqrt(h) + math.sqrt(d)) ** 2, (math.sqrt(h) - math.sqrt(d)) ** 2
    exact = np.sqrt((lp - x) * (x - lm)) / (2 * math.pi * d * x)
    np.testing.assert_allclose(m.imag / math.pi, exact, rtol=1e-8)


def _mc_ks_profile(seed, reps=6):
    """KS distance between the solver's law and Monte Carlo eigenvalues of a Gaussian matrix with the
    GD-type profile V_ik = 1 + τ_i c_k (τ = 0.3·a², c exponential quantiles), h = 300, d = 200."""
    h, d = 300, 200
    rng = np.random.default_rng(seed)
    tau = 0.3 * rng.standard_normal(h) ** 2
    c = -np.log(1.0 - (np.arange(d) + 0.5) / d)
    A, B = np.stack([np.ones(h), tau], 1), np.stack([np.ones(d), c], 1)
    density = lambda x: np.clip(profile_stieltjes(x, A, B).imag / math.pi, 0, None)  # noqa: E731
    law = _law_of(density, 1.2 * (math.sqrt((A @ B.sum(0)).max()) + math.sqrt((B @ A.sum(0)).max())) ** 2)
    V = 1.0 + np.outer(tau, c)
    ev = np.sort(np.concatenate([np.linalg.eigvalsh(
        (Y := rng.standard_normal((h, d)) * np.sqrt(V)).T @ Y) for _ in range(reps)]))
    return _ks(np.interp(ev, law.x, law.cdf)), law.mass


# Measured on seeds 1–3: KS 0.0055–0.0061 (1200 pooled eigenvalues: finite-size and sampling error),
# mass 1 ± 5e-6. Tolerance 0.015 / 1e-3.
def test_variance_profile_law_matches_monte_carlo():
    ks, mass = _mc_ks_profile(seed=0)
    assert ks < 0.015
    assert abs(mass - 1.0) < 1e-3


# Measured on seeds 1–3: KS 0.0044–0.0070 for K = diag(e) + HᵀH (d = 200, n = 400), mass 1 ± 5e-5.
# Tolerance 0.015 / 1e-3.
def test_shifted_solver_matches_monte_carlo():
    d, n = 200, 400
    rng = np.random.default_rng(0)
    u = (np.arange(d) + 0.5) / d
    e = 0.2 + 0.5 * u
    q = 1.0 + np.cos(3 * u) ** 2
    p = rng.exponential(size=n) / n
    density = lambda x: np.clip(  # noqa: E731
        (_solve_shifted(x, e, q, np.ones(d), p, np.ones(n))[1].sum(1)).imag / (math.pi * d), 0, None)
    law = _law_of(density, 1.2 * float(e.max() + q.max() * p.sum() * 4))
    ev = np.sort(np.concatenate([np.linalg.eigvalsh(
        np.diag(e) + (H := rng.standard_normal((n, d)) * np.sqrt(np.outer(p, q))).T @ H) for _ in range(6)]))
    assert _ks(np.interp(ev, law.x, law.cdf)) < 0.015
    assert abs(law.mass - 1.0) < 1e-3


# ----------------------------------------------------------------------------- validation and API


@pytest.fixture(scope="module")
def small_problem():
    return htcore.make_problem(htcore.Config(seed=0, **SIZES))


@pytest.mark.parametrize("kwargs, name", [
    (dict(optimizer="sgd"), "optimizer"), (dict(lr=-1.0), "lr"), (dict(lr=[1.0, np.nan]), "lr"),
    (dict(n=0), "n"), (dict(d=2.5), "d"), (dict(activation="sigmoid"), "activation"),
    (dict(teacher="cubic"), "teacher"), (dict(label_noise_std=-0.1), "label_noise_std"),
    (dict(c_L=0.0), "c_L"),
])
def test_asymptotic_argument_errors_name_the_argument(kwargs, name):
    args = dict(optimizer="gd", lr=1000.0, **SIZES) | kwargs
    with pytest.raises(TheoryArgumentError, match=rf"^{name}="):
        one_step_spectrum(args.pop("optimizer"), args.pop("lr"), **args)


def test_plugin_argument_errors_name_the_argument(small_problem):
    p = small_problem
    with pytest.raises(TheoryArgumentError, match=r"^X=.*axis 1 must have length 400"):
        plugin_one_step_spectrum("gd", 1.0, p.W0, p.a, p.X[:, :10], p.y)
    with pytest.raises(TheoryArgumentError, match=r"^beta=<all zeros>"):
        plugin_one_step_spectrum("adam", 0.1, p.W0, p.a, p.X, p.y, beta=np.zeros(D_SMALL))
    with pytest.raises(TheoryArgumentError, match=r"^a=.*length 600"):
        plugin_one_step_spectrum("gd", 1.0, p.W0, p.a[:5], p.X, p.y)
    with pytest.raises(TheoryArgumentError, match=r"^optimizer='sign'"):
        plugin_one_step_spectrum("sign", 1.0, p.W0, p.a, p.X, p.y)


def test_lr_array_gives_one_law_per_entry_and_the_law_is_a_distribution():
    eta_c = theory.bbp_lr("gd", **SIZES)
    out = one_step_spectrum("gd", np.array([0.5, 3.0]) * eta_c, **SIZES)
    assert isinstance(out, list) and len(out) == 2
    below, above = out
    assert below.outliers.size == 0 and above.outliers.size == 1
    lo, hi = above.bulk_edges
    x = np.linspace(lo, hi, 400)
    cdf = above.cdf(x)
    assert above.cdf(0.5 * lo) == 0.0 and above.cdf(2 * hi) == 1.0
    assert np.all(np.diff(cdf) >= 0)
    assert abs(np.trapezoid(above.density(x), x) - 1.0) < 0.01
    assert above.outliers[0] > hi
    single = one_step_spectrum("gd", 3.0 * eta_c, **SIZES)
    assert single.outliers[0] == pytest.approx(above.outliers[0], rel=1e-12)


# ----------------------------------------------------------------------------- engine comparisons


def _simulate(p, optimizer, lrs, activation="tanh"):
    _, G = loss_and_grad(p.W0, p.a, p.X, p.y, activation=activation)
    step = G if optimizer == "gd" else G / (np.abs(G) + 1e-8)
    ahat = p.a / np.linalg.norm(p.a)
    out = []
    for eta in lrs:
        W1 = p.W0 - eta * step
        ev, V = np.linalg.eigh(W1.T @ W1)
        v1 = V[:, -1]
        u1 = W1 @ v1 / math.sqrt(ev[-1])
        out.append(dict(ev=ev, vb=float(v1 @ p.beta) ** 2, ua=float(u1 @ ahat) ** 2))
    return out


def _check(pred, sim, *, edge_tol, ks_tol, s1_tol, ua_tol, vb_tol, bulk_top=True):
    """Compare one predicted law with one simulated spectrum; ``bulk_top=False`` skips edge and count."""
    k = pred.outliers.size
    sv = np.sqrt(sim["ev"][::-1])
    edge = math.sqrt(pred.bulk_edges[1])
    assert _ks(pred.cdf(sim["ev"][: sim["ev"].size - k])) < ks_tol
    if bulk_top:
        assert k == int(np.sum(sv > 1.03 * edge))  # count: fixed 3 % margin (see validation script)
        assert abs(edge / sv[k] - 1.0) < edge_tol
    if k:
        assert abs(math.sqrt(pred.outliers[0]) / sv[0] - 1.0) < s1_tol
        assert abs(pred.overlap_a[0] - sim["ua"]) < ua_tol
        if pred.overlap_beta is not None:
            assert abs(pred.overlap_beta[0] - sim["vb"]) < vb_tol


# Plug-in, measured on seeds 100–103 at this size (`python -m validation.measure_one_step_spectrum --d 400
# --seeds 100 101 102 103`), η ∈ {1.5, 3, 6}·η_c, both pairs and optimisers: |edge| ≤ 2.2 %, KS ≤ 0.0100,
# |σ1| ≤ 1.35 %, |Δ⟨u1,â⟩²| ≤ 0.029, |Δ⟨v1,β⟩²| ≤ 0.025, count right 4/4. At 30·η_c KS ≤ 0.0134 while GD's
# edge is off by up to −7 % and the count fails on 1/4 seeds (a few extreme rows/samples stick out of the
# bulk, see docs): edge and count are not checked there.
PLUG = dict(edge_tol=0.03, ks_tol=0.02, s1_tol=0.02, ua_tol=0.045, vb_tol=0.04)
MULTS = (1.5, 6.0, 30.0)


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_plugin_law_matches_engine_tanh_softplus(small_problem, optimizer):
    p = small_problem
    lrs = np.array(MULTS) * theory.bbp_lr(optimizer, **SIZES)
    sims = _simulate(p, optimizer, lrs)
    preds = plugin_one_step_spectrum(optimizer, lrs, p.W0, p.a, p.X, p.y, beta=p.beta)
    for m, pred, sim in zip(MULTS, preds, sims):
        _check(pred, sim, **PLUG, bulk_top=m < 30)


# Asymptotic vs single draws, same seeds and η ∈ {1.5, 3, 6}·η_c: |edge| ≤ 2.2 %, KS ≤ 0.0135, count 4/4;
# the outlier varies from draw to draw much more than the prediction errs on average (realised ‖a‖²,
# ‖W0ᵀâ‖², mean r²): per-draw |σ1| ≤ 15.6 % (GD) / 3.2 % (Adam), |Δ⟨u1,â⟩²| ≤ 0.14 / 0.029,
# |Δ⟨v1,β⟩²| ≤ 0.057 / 0.057. Tolerances: about 1.3× those.
ASYM = {"gd": dict(edge_tol=0.03, ks_tol=0.02, s1_tol=0.2, ua_tol=0.18, vb_tol=0.075),
        "adam": dict(edge_tol=0.03, ks_tol=0.02, s1_tol=0.045, ua_tol=0.04, vb_tol=0.075)}


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_asymptotic_law_matches_engine_tanh_softplus(small_problem, optimizer):
    p = small_problem
    lrs = np.array(MULTS[:2]) * theory.bbp_lr(optimizer, **SIZES)
    sims = _simulate(p, optimizer, lrs)
    preds = one_step_spectrum(optimizer, lrs, **SIZES)
    for pred, sim in zip(preds, sims):
        _check(pred, sim, **ASYM[optimizer])


# Other pair (erf student, tanh teacher) at 3·η_c: the measurements above include this pair (plug-in
# |edge| ≤ 1.7 %, KS ≤ 0.009, |σ1| ≤ 0.92 %; asymptotic KS ≤ 0.0088, per-draw |σ1| ≤ 14.7 % / 3.2 %).
@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_erf_student_tanh_teacher(optimizer):
    p = htcore.make_problem(htcore.Config(seed=0, activation="erf", teacher="tanh", **SIZES))
    eta = 3.0 * theory.bbp_lr(optimizer, activation="erf", teacher="tanh", **SIZES)
    (sim,) = _simulate(p, optimizer, [eta], activation="erf")
    plug = plugin_one_step_spectrum(optimizer, eta, p.W0, p.a, p.X, p.y, beta=p.beta, activation="erf")
    _check(plug, sim, **PLUG)
    asym = one_step_spectrum(optimizer, eta, activation="erf", teacher="tanh", **SIZES)
    _check(asym, sim, **ASYM[optimizer])


# ----------------------------------------------------------------------------- the law inside predict_one_step


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_predict_one_step_takes_edge_floor_and_adam_overlap_from_the_law(optimizer):
    lrs = np.array([0.5, 1.5, 30.0]) * theory.bbp_lr(optimizer, **SIZES)
    closed = theory.predict_one_step(optimizer, lrs, **SIZES, law=False)
    full = theory.predict_one_step(optimizer, lrs, **SIZES)
    laws = one_step_spectrum(optimizer, lrs, **SIZES)
    assert closed.spectrum is None and len(full.spectrum) == 3
    np.testing.assert_allclose(full.bulk_edge, [math.sqrt(law.bulk_edges[1]) for law in laws], rtol=1e-12)
    np.testing.assert_array_equal(full.sigma1, np.maximum(closed.sigma1, full.bulk_edge))
    np.testing.assert_array_equal(full.overlap_beta, closed.overlap_beta)
    expected_a = [law.overlap_a[0] if law.outliers.size else 0.0 for law in laws]
    np.testing.assert_array_equal(full.overlap_a, expected_a if optimizer == "adam" else closed.overlap_a)
    # at 30·η_c the closed-form (iid) edge is well below the law's (docs/theory.md §8.9)
    assert full.bulk_edge[2] > 1.05 * closed.bulk_edge[2]
    scalar = theory.predict_one_step(optimizer, float(lrs[1]), **SIZES)
    assert isinstance(scalar.bulk_edge, float) and scalar.spectrum.outliers.size == 1
    assert scalar.bulk_edge == pytest.approx(full.bulk_edge[1], rel=1e-12)


def test_plugin_one_step_takes_the_law_of_the_same_draw(small_problem):
    p = small_problem
    lrs = np.array([1.5, 30.0]) * theory.bbp_lr("adam", **SIZES)
    full = theory.plugin_one_step("adam", lrs, p.W0, p.a, p.X, p.y, beta=p.beta)
    laws = plugin_one_step_spectrum("adam", lrs, p.W0, p.a, p.X, p.y, beta=p.beta)
    np.testing.assert_allclose(full.bulk_edge, [math.sqrt(law.bulk_edges[1]) for law in laws], rtol=1e-12)
    np.testing.assert_allclose(full.overlap_a, [law.overlap_a[0] for law in laws], rtol=1e-12)
    assert theory.plugin_one_step("adam", lrs, p.W0, p.a, p.X, p.y, law=False).spectrum is None


@pytest.mark.parametrize("law", [1, "yes", None])
def test_law_flag_must_be_a_bool(law):
    with pytest.raises(TheoryArgumentError, match=r"^law="):
        theory.predict_one_step("gd", 1000.0, **SIZES, law=law)


def test_asymptotic_law_readout_scale_is_a_learning_rate_scale_without_f0():
    """No f0: the GD step depends on (η, A) only through η√A (θ ∝ η√A, remainder t²a_i² ∝ η²A, residual
    free of A), so the law at (η, A = 4) is the law at (2η, A = 1) — an exact identity of the equations."""
    eta = 3.0 * theory.bbp_lr("gd", **SIZES, f0=False)
    a4 = one_step_spectrum("gd", eta, **SIZES, readout_A=4.0, f0=False)
    a1 = one_step_spectrum("gd", 2.0 * eta, **SIZES, f0=False)
    assert a4.bulk_edges[1] == pytest.approx(a1.bulk_edges[1], rel=1e-9)
    np.testing.assert_allclose(a4.outliers, a1.outliers, rtol=1e-8)
    with_f0 = one_step_spectrum("gd", 2.0 * eta, **SIZES)
    assert abs(with_f0.outliers[0] / a1.outliers[0] - 1.0) > 1e-3  # f0 changes the spike (shrinkage)


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_law_edge_meets_simulated_sigma2_at_a_giant_step_where_the_iid_edge_misses(small_problem, optimizer):
    """30·η_c, engine step on this draw: the law's edge (+ TW mean) lands on σ2 within 3 % (seeds 100–103 at
    this size: GD edge error up to −7 % without the TW shift on one seed of four — this draw, seed 0, is
    within 2 %), the iid closed-form edge misses by more than 6 %."""
    p = small_problem
    h, d = p.W0.shape
    lr = 30.0 * theory.bbp_lr(optimizer, **SIZES)
    (sim,) = _simulate(p, optimizer, [lr])
    sigma2 = math.sqrt(sim["ev"][-2])
    full = theory.plugin_one_step(optimizer, lr, p.W0, p.a, p.X, p.y, beta=p.beta)
    closed = theory.plugin_one_step(optimizer, lr, p.W0, p.a, p.X, p.y, beta=p.beta, law=False)
    tw = theory.rmt.TW1_MEAN * theory.rmt.tw_scale(h, d) * math.sqrt(full.bulk_variance)
    assert abs((full.bulk_edge + tw) / sigma2 - 1.0) < 0.03
    assert (closed.bulk_edge + tw) / sigma2 - 1.0 < -0.06
