"""Eigenvalue law of W1ᵀW1 after one step (theory.spectrum): solver vs Monte Carlo, validation, engine.

Every theory-versus-simulation tolerance is 3 standard deviations of the compared error around its
mean, both measured on seeds that the tests do not judge (each table says which), and each comparison
has a mutation twin that shows it fails for a 2 % / 0.02 error of the prediction (`tests.theory.judge`).
What one draw of this size cannot judge that finely is pinned in `test_one_step_law_regression_pin`.
Engine comparisons use d = 400, h = 600, n = 800; the one-step spectra come from the study that measured
the law at the default size (`validation.studies.measure_one_step_spectrum.one_step_spectra`).
"""

import math

import numpy as np
import pytest

import htcore
import theory
from tests.theory.judge import Pin, Scatter, assert_mutations_fail, judge
from theory import TheoryArgumentError, one_step_spectrum, plugin_one_step_spectrum
from theory.spectrum import _law_from_density, _solve_shifted, profile_stieltjes
from validation.studies.measure_one_step_spectrum import one_step_spectra

S, P = Scatter, Pin

D_SMALL = 400
SIZES = dict(n=2 * D_SMALL, d=D_SMALL, h=3 * D_SMALL // 2)


def _law_of(stieltjes_density, top):
    return _law_from_density(stieltjes_density, top)


# ----------------------------------------------------------------------------- solver checks


def test_profile_solver_reproduces_marchenko_pastur():
    h, d = 600, 400
    x = np.array([100.0, 400.0, 1000.0, 1800.0])
    m = profile_stieltjes(x, np.ones((1, 1)), np.ones((1, 1)), [float(h)], [float(d)])
    lp, lm = (math.sqrt(h) + math.sqrt(d)) ** 2, (math.sqrt(h) - math.sqrt(d)) ** 2
    exact = np.sqrt((lp - x) * (x - lm)) / (2 * math.pi * d * x)
    np.testing.assert_allclose(m.imag / math.pi, exact, rtol=1e-8)


def _mc_profile(seed, reps=6):
    """The solver's law and Monte Carlo eigenvalues of a Gaussian matrix with the GD-type profile
    V_ik = 1 + τ_i c_k (τ = 0.3·a², c exponential quantiles), h = 300, d = 200."""
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
    return law, ev


def _mc_shifted(seed):
    """The shifted solver's law and Monte Carlo eigenvalues of K = diag(e) + HᵀH (d = 200, n = 400)."""
    d, n = 200, 400
    rng = np.random.default_rng(seed)
    u = (np.arange(d) + 0.5) / d
    e = 0.2 + 0.5 * u
    q = 1.0 + np.cos(3 * u) ** 2
    p = rng.exponential(size=n) / n
    density = lambda x: np.clip(  # noqa: E731
        (_solve_shifted(x, e, q, np.ones(d), p, np.ones(n))[1].sum(1)).imag / (math.pi * d), 0, None)
    law = _law_of(density, 1.2 * float(e.max() + q.max() * p.sum() * 4))
    ev = np.sort(np.concatenate([np.linalg.eigvalsh(
        np.diag(e) + (H := rng.standard_normal((n, d)) * np.sqrt(np.outer(p, q))).T @ H) for _ in range(6)]))
    return law, ev


# KS between the law and 1200 pooled Monte Carlo eigenvalues, measured on seeds 1–12 (the tests judge seed
# 0): profile mean 0.0057, sd 0.0009; shifted mean 0.0063, sd 0.0018 (a 2 % rescaled law: KS ≥ 0.017 /
# ≥ 0.022 on every seed). The mass is the solver's own accuracy: 1 ± 1.3e-5 for the profile on every
# seed, 1 ± 3e-6 for the shifted solver except 0.995 on seeds 1, 10 and 12 (not seed 0).
SOLVER_KS = {"profile": S(0.0009, 0.0057), "shifted": S(0.0018, 0.0063)}


@pytest.fixture(scope="module")
def monte_carlo():
    return {"profile": _mc_profile(seed=0), "shifted": _mc_shifted(seed=0)}


def _compare_solver(judge, monte_carlo, name):
    law, ev = monte_carlo[name]
    judge.ks(f"{name} law", lambda x: np.interp(x, law.x, law.cdf), ev, SOLVER_KS[name])
    judge.check(f"{name} mass", abs(law.mass - 1.0) < 1e-3, f"mass {law.mass}")


def test_variance_profile_law_matches_monte_carlo(monte_carlo):
    judge(lambda j: _compare_solver(j, monte_carlo, "profile"))


def test_shifted_solver_matches_monte_carlo(monte_carlo):
    judge(lambda j: _compare_solver(j, monte_carlo, "shifted"))


@pytest.mark.parametrize("name", ["profile", "shifted"])
def test_solver_comparison_fails_for_a_wrong_law(monte_carlo, name):
    assert_mutations_fail(lambda j: _compare_solver(j, monte_carlo, name))


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
#
# Every tolerance below is K = 3 seed-to-seed standard deviations of the compared error around its mean
# (the bias), both measured on seeds 1–16 at this size by running exactly these comparisons on them (a
# throwaway script, not kept); the tests judge seed 0. Each comparison has a mutation twin
# (`test_engine_comparison_fails_for_a_wrong_formula`): the same comparison with one prediction ×1.02^±1
# (edge, σ1, the law's scale) or ±0.02 (overlaps) must fail. Where 3·sd ≥ 2 % / 0.02 at this size (the
# outlier of the asymptotic form, whose σ1 moves 1–6 % from draw to draw with the realised ‖a‖², ‖W0ᵀâ‖²
# and mean r²; everything at 1.5·η_c, close to the threshold; Adam's edge at 6·η_c; the edge at 30·η_c)
# the values are pinned instead, in `test_one_step_law_regression_pin`, and validated by the suite
# `one_step_spectrum` of `htcore validate` at d = 1000 over many seeds.

OPTIMIZERS = ("gd", "adam")
MULTS = (1.5, 6.0, 30.0)

# Plug-in law, per (optimizer, η/η_c). Measured sd (bias) on seeds 1–16: KS 0.0007–0.0015 (mean 0.0074–
# 0.0106; a 2 % rescaled law gives KS ≥ 0.014 on every seed); the rest as written. At 30·η_c a few
# extreme rows stick out of GD's bulk (edge sd 2.6 %, count wrong on 1/16 seeds): no edge or count there.
PLUG = {
    ("gd", 1.5): dict(edge=S(0.0048, 0.0064), ks=S(0.0007, 0.0076)),
    ("gd", 6.0): dict(edge=S(0.0049, 0.0022), ks=S(0.0015, 0.0086), sigma1=S(0.0024, 0.0009),
                      overlap_a=S(0.0008, 0.0008), overlap_beta=S(0.0015, -0.0002)),
    ("gd", 30.0): dict(ks=S(0.0015, 0.0106), sigma1=S(0.0022, 0.0010), overlap_a=S(0.0002, 0.0006),
                       overlap_beta=S(0.0011, -0.0004)),
    ("adam", 1.5): dict(edge=S(0.0055, 0.0067), ks=S(0.0008, 0.0075)),
    ("adam", 6.0): dict(ks=S(0.0011, 0.0074), sigma1=S(0.0012, 0.0016), overlap_a=S(0.0013, -0.0010),
                        overlap_beta=S(0.0017, -0.0005)),
    ("adam", 30.0): dict(ks=S(0.0011, 0.0077), sigma1=S(0.0011, 0.0015), overlap_a=S(0.0011, -0.0010),
                         overlap_beta=S(0.0013, -0.0006)),
}
# Asymptotic law: the bulk only (its outlier is pinned).
ASYM = {
    ("gd", 1.5): dict(edge=S(0.0048, 0.0064), ks=S(0.0007, 0.0076)),
    ("gd", 6.0): dict(edge=S(0.0051, 0.0021), ks=S(0.0018, 0.0087), overlap_a=S(0.0021, 0.0022)),
    ("adam", 1.5): dict(edge=S(0.0054, 0.0066), ks=S(0.0009, 0.0075)),
    ("adam", 6.0): dict(ks=S(0.0011, 0.0079)),
}
# Other pair (erf student, tanh teacher) at 3·η_c, seeds 1–16.
ERF_PLUG = {"gd": dict(edge=S(0.0040, 0.0041), ks=S(0.0011, 0.0075), sigma1=S(0.0037, 0.0016),
                       overlap_a=S(0.0031, 0.0009), overlap_beta=S(0.0027, -0.0003)),
            "adam": dict(edge=S(0.0047, 0.0053), ks=S(0.0008, 0.0072), sigma1=S(0.0024, 0.0018),
                         overlap_a=S(0.0028, -0.0002), overlap_beta=S(0.0034, 0.0000))}
ERF_ASYM = {"gd": dict(edge=S(0.0039, 0.0040), ks=S(0.0013, 0.0076)),
            "adam": dict(edge=S(0.0047, 0.0050), ks=S(0.0009, 0.0073))}


def _compare(judge, tag, pred, sim, bounds):
    """One predicted law against one simulated spectrum, for the quantities named in ``bounds``: ``ks`` (bulk
    law), ``edge`` (upper bulk edge vs the first singular value below the predicted outliers, with the
    outlier count: a fixed 3 % margin, see the validation suite), ``sigma1``, ``overlap_a``, ``overlap_beta``
    (top outlier)."""
    k = pred.outliers.size
    sv = np.sqrt(sim.ev[::-1])
    if "ks" in bounds:
        judge.ks(f"{tag} KS", pred.cdf, sim.ev[: sim.ev.size - k], bounds["ks"])
    if "edge" in bounds:
        edge = math.sqrt(pred.bulk_edges[1])
        count = int(np.sum(sv > 1.03 * edge))
        judge.check(f"{tag} count", k == count, f"{k} predicted outliers, {count} simulated")
        judge.ratio(f"{tag} edge", edge, sv[k], bounds["edge"])
    outlier = {"sigma1", "overlap_a", "overlap_beta"} & bounds.keys()
    if outlier:
        judge.check(f"{tag} outlier", k > 0, "no predicted outlier")
    if k and "sigma1" in bounds:
        judge.ratio(f"{tag} sigma1", math.sqrt(pred.outliers[0]), sv[0], bounds["sigma1"])
    if k and "overlap_a" in bounds:
        judge.diff(f"{tag} overlap_a", pred.overlap_a[0], sim.ua[0], bounds["overlap_a"])
    if k and "overlap_beta" in bounds:
        judge.diff(f"{tag} overlap_beta", pred.overlap_beta[0], sim.vb[0], bounds["overlap_beta"])


@pytest.fixture(scope="module")
def engine_runs(small_problem):
    """Seed 0, per optimizer: engine spectra at MULTS·η_c, the plug-in laws there and the asymptotic laws
    at the first two; the erf/tanh pair at 3·η_c (its own problem, same seed)."""
    p = small_problem
    erf = htcore.make_problem(htcore.Config(seed=0, activation="erf", teacher="tanh", **SIZES))
    out = {}
    for opt in OPTIMIZERS:
        lrs = np.array(MULTS) * theory.bbp_lr(opt, **SIZES)
        eta = 3.0 * theory.bbp_lr(opt, activation="erf", teacher="tanh", **SIZES)
        out[opt] = dict(
            lrs=lrs, sims=dict(zip(MULTS, one_step_spectra(p, opt, lrs))),
            plug=dict(zip(MULTS, plugin_one_step_spectrum(opt, lrs, p.W0, p.a, p.X, p.y, beta=p.beta))),
            asym=dict(zip(MULTS[:2], one_step_spectrum(opt, lrs[:2], **SIZES))),
            erf_sim=one_step_spectra(erf, opt, [eta], activation="erf")[0],
            erf_plug=plugin_one_step_spectrum(opt, eta, erf.W0, erf.a, erf.X, erf.y, beta=erf.beta,
                                              activation="erf"),
            erf_asym=one_step_spectrum(opt, eta, activation="erf", teacher="tanh", **SIZES),
            giant_law=theory.plugin_one_step(opt, lrs[2], p.W0, p.a, p.X, p.y, beta=p.beta),
            giant_iid=theory.plugin_one_step(opt, lrs[2], p.W0, p.a, p.X, p.y, beta=p.beta, law=False))
    return out


def _compare_plugin(judge, run, opt):
    for m in MULTS:
        _compare(judge, f"plug-in {opt} {m}·η_c", run["plug"][m], run["sims"][m], PLUG[(opt, m)])


def _compare_asymptotic_bulk(judge, run, opt):
    for m in MULTS[:2]:
        _compare(judge, f"asymptotic {opt} {m}·η_c", run["asym"][m], run["sims"][m], ASYM[(opt, m)])


def _compare_erf(judge, run, opt):
    _compare(judge, f"erf plug-in {opt}", run["erf_plug"], run["erf_sim"], ERF_PLUG[opt])
    _compare(judge, f"erf asymptotic {opt}", run["erf_asym"], run["erf_sim"], ERF_ASYM[opt])


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_plugin_law_matches_engine_tanh_softplus(engine_runs, optimizer):
    judge(lambda j: _compare_plugin(j, engine_runs[optimizer], optimizer))


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_asymptotic_law_bulk_matches_engine_tanh_softplus(engine_runs, optimizer):
    """The bulk (edge, KS, outlier count) of the asymptotic law; its outlier is in the regression pin."""
    judge(lambda j: _compare_asymptotic_bulk(j, engine_runs[optimizer], optimizer))


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_erf_student_tanh_teacher(engine_runs, optimizer):
    judge(lambda j: _compare_erf(j, engine_runs[optimizer], optimizer))


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
    a4 = one_step_spectrum("gd", eta, **SIZES, readout_scale=2.0, f0=False)
    a1 = one_step_spectrum("gd", 2.0 * eta, **SIZES, f0=False)
    assert a4.bulk_edges[1] == pytest.approx(a1.bulk_edges[1], rel=1e-9)
    np.testing.assert_allclose(a4.outliers, a1.outliers, rtol=1e-8)
    with_f0 = one_step_spectrum("gd", 2.0 * eta, **SIZES)
    assert abs(with_f0.outliers[0] / a1.outliers[0] - 1.0) > 1e-3  # f0 changes the spike (shrinkage)


# ----------------------------------------------------------------------------- regression pin
#
# What seed 0 at d = 400 cannot judge to 2 % / 0.02 (3·sd on seeds 1–16 at least that large), pinned at
# today's error on seed 0. Measured sd (bias) of the error from draw to draw:
# * asymptotic outlier: σ1 4.1 % / 6.1 % (GD, 1.5 / 6·η_c), 1.8 % / 1.2 % (Adam), 4.8 % / 1.4 % (erf pair);
#   ⟨u1,â⟩² 0.055 / – (GD; 0.0021 at 6·η_c is judged above), 0.025 / 0.020 (Adam), 0.0082 / 0.023 (erf);
#   ⟨v1,β⟩² 0.038 / 0.034 (GD), 0.025 / 0.030 (Adam), 0.023 / 0.030 (erf); biases within 0.02;
# * plug-in outlier at 1.5·η_c: σ1 0.86 % (GD) / 0.64 % (Adam), ⟨u1,â⟩² 0.015 / 0.0092, ⟨v1,β⟩² 0.013 / 0.012;
# * Adam's edge at 6·η_c: 0.69 % (plug-in) / 0.76 % (asymptotic);
# * the edge at 30·η_c, law + TW mean against σ2: 2.6 % (GD) / 1.7 % (Adam), bias +0.5 % / −0.1 %; the
#   iid closed-form edge there: −11.0 % ± 3.5 % (GD), −24.6 % ± 1.2 % (Adam).
PINNED = {
    "gd": {("asym", 1.5): dict(sigma1=P(0.0408), overlap_a=P(0.0714), overlap_beta=P(0.0428)),
           ("asym", 6.0): dict(sigma1=P(0.0674), overlap_beta=P(0.0052)),
           ("plug", 1.5): dict(sigma1=P(-0.0031), overlap_a=P(0.0143), overlap_beta=P(0.0028)),
           ("erf asym", 3.0): dict(sigma1=P(0.0149), overlap_a=P(0.0049), overlap_beta=P(-0.0727)),
           "giant": dict(law=P(-0.0187), iid=P(-0.1418))},
    "adam": {("asym", 1.5): dict(sigma1=P(0.0204), overlap_a=P(0.0166), overlap_beta=P(0.0186)),
             ("asym", 6.0): dict(edge=P(-0.0015), sigma1=P(0.0159), overlap_a=P(-0.0220), overlap_beta=P(0.0190)),
             ("plug", 1.5): dict(sigma1=P(-0.0016), overlap_a=P(0.0048), overlap_beta=P(-0.0133)),
             ("plug", 6.0): dict(edge=P(-0.0001)),
             ("erf asym", 3.0): dict(sigma1=P(0.0052), overlap_a=P(-0.0084), overlap_beta=P(-0.0113)),
             "giant": dict(law=P(-0.0032), iid=P(-0.2421))},
}


def _compare_giant_step(judge, run, bounds):
    """30·η_c: the law's edge + TW mean against σ2 of the engine's W1, and the iid closed-form edge."""
    h, d = SIZES["h"], SIZES["d"]
    sigma2 = math.sqrt(run["sims"][30.0].ev[-2])
    law, iid = run["giant_law"], run["giant_iid"]
    tw = theory.rmt.TW1_MEAN * theory.rmt.tw_scale(h, d) * math.sqrt(law.bulk_variance)
    judge.ratio("30·η_c law edge", law.bulk_edge + tw, sigma2, bounds["law"])
    judge.ratio("30·η_c iid edge", iid.bulk_edge + tw, sigma2, bounds["iid"])
    judge.check("30·η_c law edge nearer than the iid edge",
                abs(law.bulk_edge + tw - sigma2) < abs(iid.bulk_edge + tw - sigma2))


def _compare_pinned(judge, run, opt):
    for key, bounds in PINNED[opt].items():
        if key == "giant":
            _compare_giant_step(judge, run, bounds)
            continue
        form, m = key
        pred, sim = ((run["erf_asym"], run["erf_sim"]) if form == "erf asym"
                     else (run[form][m], run["sims"][m]))
        _compare(judge, f"{form} {opt} {m}·η_c", pred, sim, bounds)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_one_step_law_regression_pin(engine_runs, optimizer):
    """REGRESSION PIN, not a validation of the theory: on seed 0 at d = 400 the errors that one draw of
    this size cannot judge to 2 % / 0.02 (the asymptotic outlier, everything at 1.5·η_c, Adam's edge at
    6·η_c, the edge at 30·η_c against σ2 — scatter in the comment above) stay at today's values to
    ±0.001, so a changed formula is noticed. The theory itself is validated by the suite
    `one_step_spectrum` of `htcore validate` (d = 1000, several seeds, calibrated tolerances)."""
    judge(lambda j: _compare_pinned(j, engine_runs[optimizer], optimizer), pin=True)


COMPARISONS = {"plug-in": _compare_plugin, "asymptotic bulk": _compare_asymptotic_bulk, "erf pair": _compare_erf,
               "regression pin": _compare_pinned}


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("comparison", COMPARISONS)
def test_engine_comparison_fails_for_a_wrong_formula(engine_runs, comparison, optimizer):
    """Mutation twin of the engine comparisons: each prediction ×1.02^±1 (σ-type, law) or ±0.02 (overlap)
    makes its own check fail on the same draw."""
    assert_mutations_fail(lambda j: COMPARISONS[comparison](j, engine_runs[optimizer], optimizer))


# --------------------------------------------------------------------------- α_Hill read off the law


def test_law_eigenvalues_are_bulk_quantiles_then_outliers():
    law = theory.one_step_spectrum("gd", 6.0 * theory.bbp_lr("gd", n=800, d=400, h=600), n=800, d=400, h=600)
    eigs = law.eigenvalues()
    k = law.outliers.size
    assert law.count == 400 and eigs.shape == (400,) and k >= 1
    assert np.all(np.diff(eigs) >= 0) and np.array_equal(eigs[-k:], np.sort(law.outliers))
    bulk = eigs[:-k]
    assert law.bulk_edges[0] <= bulk[0] and bulk[-1] <= law.bulk_edges[1]
    np.testing.assert_allclose(law.cdf(bulk), (np.arange(bulk.size) + 0.5) / bulk.size, atol=2e-3)
    assert law.alpha_hill() == theory.hill.hill_alpha(eigs)
    assert law.eigenvalues(100).shape == (100,)
    for bad in (0, -3, 1.5, True, "100", k + 1):
        with pytest.raises(theory.TheoryArgumentError, match="count"):
            law.eigenvalues(bad)


def test_predict_one_step_carries_alpha_hill_from_the_law():
    sizes = dict(n=800, d=400, h=600)
    lrs = np.array([1.5, 30.0]) * theory.bbp_lr("adam", **sizes)
    p = theory.predict_one_step("adam", lrs, **sizes)
    assert p.alpha_hill.shape == (2,) and np.all(np.isfinite(p.alpha_hill))
    assert list(p.alpha_hill) == [law.alpha_hill() for law in p.spectrum]
    assert theory.predict_one_step("adam", lrs, **sizes, law=False).alpha_hill is None


def test_paper_adam_run_alpha_after_one_step_regression_pin():
    """Regression pin, not a validation (the one_step_spectrum suite judges α_Hill against the engine on
    calibrated seeds): the law's α_Hill after the paper's default Adam step (η = 1, default size) is
    2.327, the value the published code reports after step 1 (2.327; the engine's mean 2.33)."""
    p = theory.predict_one_step("adam", 1.0, n=2000, d=1000, h=1500)
    assert abs(p.alpha_hill - 2.327) < 0.002
