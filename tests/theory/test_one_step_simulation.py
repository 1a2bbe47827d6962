"""One-step predictions vs one simulated step, written in plain NumPy here (no htcore import).

Simulation: W0 (h×d) and a with N(0,1) entries, x ~ N(0, I_d), β = g/‖g‖, y = softplus(βᵀx) + N(0, 0.3²),
f = aᵀtanh(Wx/√d)/√h, loss (1/n)Σ(f − y)² (c_L = 2), exact gradient
∇_W L = −(2/(n√(hd))) Σ_μ r_μ (a ⊙ tanh'(W x_μ/√d)) x_μᵀ; GD W1 = W0 − ηG; Adam's first step
W1 = W0 − ηG/(|G| + 1e-8). The gradient does not depend on η, so it is computed once per data set.
"""

import math

import numpy as np
import pytest
from scipy.sparse.linalg import svds

from tests.theory.judge import Pin, Scatter, assert_mutations_fail, judge
from theory import bbp_lr, plugin_one_step, predict_one_step


def make_data(seed, n, d, h, rho=0.3, beta=None):
    rng = np.random.default_rng(seed)
    if beta is None:
        g = rng.standard_normal(d)
        beta = g / np.linalg.norm(g)
    W0, a = rng.standard_normal((h, d)), rng.standard_normal(h)
    X = rng.standard_normal((n, d))
    y = np.logaddexp(0.0, X @ beta) + rho * rng.standard_normal(n)
    return W0, a, X, y, beta


def gradient(W0, a, X, y):
    n, d = X.shape
    h = W0.shape[0]
    F = np.tanh(X @ W0.T / math.sqrt(d))
    r = y - F @ a / math.sqrt(h)
    return -(2.0 / (n * math.sqrt(h * d))) * (((1.0 - F * F) * a * r[:, None]).T @ X)


def one_step(W0, G, opt, lr):
    return W0 - lr * G if opt == "gd" else W0 - lr * G / (np.abs(G) + 1e-8)


def measure(W1, a, beta):
    u, s, vt = svds(W1, k=1, random_state=0)
    per_neuron = np.mean((W1 @ beta) ** 2 / np.einsum("ij,ij->i", W1, W1))
    return dict(sigma1=s[0], overlap_beta=(vt[0] @ beta) ** 2,
                overlap_a=(u[:, 0] @ a) ** 2 / (a @ a), per_neuron=per_neuron)


# ----------------------------------------------------------------------------- default size, one seed
#
# Tolerances: K = 3 seed-to-seed standard deviations of the compared error around its mean (bias), both
# measured on seeds 1–16 by running exactly these comparisons on them (throwaway script, not kept); the
# tests judge seed 0. Mutation twins (`…_fails_for_a_wrong_formula`) show each check fails for the
# prediction ×1.02^±1 (σ1; the per-neuron alignment, compared relatively, values 0.001–0.05) or ±0.02
# (overlaps). What one seed at this size cannot judge to 2 % / 0.02 is in
# `test_default_size_asymptotic_regression_pin`.

DEFAULT = dict(n=2000, d=1000, h=1500)
DEFAULT_LRS = {"gd": [1000.0, 2000.0, 6000.0, 20000.0], "adam": [0.03, 0.1, 0.3, 1.0]}  # the rows of docs/theory.md §7
S, P = Scatter, Pin

# Plug-in form, sd (bias) on seeds 1–16. Below the BBP rate (GD 1000, Adam 0.03) σ1 is the law's bulk edge
# against the top singular value (TW: mean −1.2, sd 1.3 scales of 0.19 ≈ 0.28 % of σ1). GD 2000 (1.6·η_c)
# has σ1 sd 0.49 %, ⟨v1,β⟩² sd 0.0095 and ⟨u1,â⟩² sd 0.0079: pinned.
DEFAULT_PLUG = {
    ("gd", 1000.0): dict(sigma1=S(0.0040, 0.0040)),
    ("gd", 2000.0): dict(per_neuron=S(0.0024, -0.0005)),
    ("gd", 6000.0): dict(sigma1=S(0.0017, 0.0002), overlap_beta=S(0.0008, 0.0000), per_neuron=S(0.0039, 0.0036),
                         overlap_a=S(0.0011, 0.0009)),
    ("gd", 20000.0): dict(sigma1=S(0.0016, 0.0003), overlap_beta=S(0.00053, 0.0000),
                          per_neuron=S(0.0034, 0.0071), overlap_a=S(0.00014, 0.0008)),
    ("adam", 0.03): dict(sigma1=S(0.0043, 0.0042)),
    ("adam", 0.1): dict(sigma1=S(0.0030, -0.0022), overlap_beta=S(0.0045, 0.0040)),
    ("adam", 0.3): dict(sigma1=S(0.0007, 0.0022), overlap_beta=S(0.0006, 0.0000)),
    ("adam", 1.0): dict(sigma1=S(0.0007, 0.0025), overlap_beta=S(0.0005, -0.0002)),
}
# Seed 0's errors that one seed cannot judge, pinned. Asymptotic form with the seed's own A and ā
# (sd on seeds 1–16): σ1 2.2 / 3.1 / 3.2 % for GD 2000 / 6000 / 20000 and 0.96 / 0.82 / 0.81 % for Adam
# 0.1 / 0.3 / 1; ⟨v1,β⟩² 0.016–0.022; means within 1 % / 0.005. Plug-in at GD 2000: see above.
DEFAULT_PINNED = {
    ("asym", "gd", 2000.0): dict(sigma1=P(0.0294), overlap_beta=P(0.0063)),
    ("asym", "gd", 6000.0): dict(sigma1=P(0.0487), overlap_beta=P(0.0082)),
    ("asym", "gd", 20000.0): dict(sigma1=P(0.0500), overlap_beta=P(0.0104)),
    ("asym", "adam", 0.1): dict(sigma1=P(-0.0010), overlap_beta=P(-0.0007)),
    ("asym", "adam", 0.3): dict(sigma1=P(0.0033), overlap_beta=P(0.0017)),
    ("asym", "adam", 1.0): dict(sigma1=P(0.0029), overlap_beta=P(0.0029)),
    ("plug", "gd", 2000.0): dict(sigma1=P(-0.0048), overlap_beta=P(0.0025), overlap_a=P(0.0176)),
}


def _compare(judge, tag, pred, i, sim, bounds):
    """Entry i of a prediction against one simulated step, for the quantities named in ``bounds``."""
    if "sigma1" in bounds:
        judge.ratio(f"{tag} sigma1", pred.sigma1[i], sim["sigma1"], bounds["sigma1"])
    if "overlap_beta" in bounds:
        judge.diff(f"{tag} overlap_beta", pred.overlap_beta[i], sim["overlap_beta"], bounds["overlap_beta"])
    if "overlap_a" in bounds:
        judge.diff(f"{tag} overlap_a", pred.overlap_a[i], sim["overlap_a"], bounds["overlap_a"])
    if "per_neuron" in bounds:
        judge.ratio(f"{tag} per_neuron", pred.per_neuron_alignment[i], sim["per_neuron"], bounds["per_neuron"])


@pytest.fixture(scope="module")
def default_seed():
    W0, a, X, y, beta = make_data(0, **DEFAULT)
    G = gradient(W0, a, X, y)
    sims = {(opt, lr): measure(one_step(W0, G, opt, lr), a, beta)
            for opt, lrs in DEFAULT_LRS.items() for lr in lrs}
    preds = {}
    for opt, lrs in DEFAULT_LRS.items():
        preds[("plug", opt)] = plugin_one_step(opt, np.array(lrs), W0, a, X, y, beta=beta)
        preds[("asym", opt)] = predict_one_step(opt, np.array(lrs), **DEFAULT, readout_scale=math.sqrt(a @ a / a.size),
                                                readout_abar=np.abs(a).mean())
    return dict(sims=sims, preds=preds)


def _compare_default(judge, ds, opt, table):
    for i, lr in enumerate(DEFAULT_LRS[opt]):
        for (form, *key), bounds in table.items():
            if tuple(key) == (opt, lr):
                _compare(judge, f"{form} {opt} η={lr:g}", ds["preds"][(form, opt)], i, ds["sims"][(opt, lr)], bounds)


def _compare_default_plugin(judge, ds, opt):
    p = ds["preds"][("plug", opt)]
    judge.check("spike pattern", p.spiked.tolist() == [False, True, True, True], str(p.spiked))
    # Below the BBP rate the theory predicts no outlier, hence no alignment with β. Not a prediction's
    # error and not mutated (a formula that wrongly puts a spike here fails the σ1 check): ⟨v1,β⟩² is
    # ≤ 0.0052 (GD) / 0.0035 (Adam) on seeds 1–16, but 0.015 / 0.0075 on seed 0, an unusually aligned draw.
    below = ds["sims"][(opt, DEFAULT_LRS[opt][0])]["overlap_beta"]
    judge.check("no alignment below the BBP rate", below < 0.02, f"⟨v1,β⟩² = {below:.4f}")
    _compare_default(judge, ds, opt, {("plug", *k): b for k, b in DEFAULT_PLUG.items()})


def _compare_default_pinned(judge, ds, opt):
    _compare_default(judge, ds, opt, DEFAULT_PINNED)


@pytest.mark.parametrize("opt", ["gd", "adam"])
def test_default_size_plugin_matches_simulation(default_seed, opt):
    """Plug-in form against the simulated seed: σ1, ⟨v1,β⟩², and for GD ⟨u1,â⟩² and the per-neuron alignment."""
    judge(lambda j: _compare_default_plugin(j, default_seed, opt))


@pytest.mark.parametrize("opt", ["gd", "adam"])
def test_default_size_asymptotic_regression_pin(default_seed, opt):
    """REGRESSION PIN, not a validation of the theory: the asymptotic form (with the seed's own
    A = ‖a‖²/h and ā = ‖a‖₁/h) against simulated seed 0, and the plug-in form at GD η = 2000 (1.6·η_c),
    stay at today's errors to ±0.001.

    Why a pin: the asymptotic form sees the readout only through A and ā, not the realised
    ‖W0ᵀa‖²/(‖a‖²d) (relative sd √(2/d) ≈ 4.5 %) nor ⟨W0ᵀa, β⟩, which set the size of f0 and of ⟨ξ, β⟩
    in the realised step; on seeds 1–16 its σ1 error has sd 2.2–3.2 % (GD) and 0.8–1.0 % (Adam) and its
    ⟨v1,β⟩² error sd 0.016–0.022, so one seed cannot show a 2 % / 0.02 error (seed 0 sits at +2.9 to
    +5.0 % for GD). The asymptotic forms are validated by the suites `gd_one_step`, `adam_one_step`
    (mean error over seeds) and `finite_size` (control variate, many draws) of `htcore validate`.
    """
    judge(lambda j: _compare_default_pinned(j, default_seed, opt), pin=True)


DEFAULT_COMPARISONS = {"plug-in": _compare_default_plugin, "regression pin": _compare_default_pinned}


@pytest.mark.parametrize("opt", ["gd", "adam"])
@pytest.mark.parametrize("comparison", DEFAULT_COMPARISONS)
def test_default_size_comparison_fails_for_a_wrong_formula(default_seed, comparison, opt):
    assert_mutations_fail(lambda j: DEFAULT_COMPARISONS[comparison](j, default_seed, opt))


# ----------------------------------------------------------------------------- moderate size, two seeds

MODERATE = dict(n=1200, d=600, h=900)
MULTIPLES = np.array([2.5, 6.0, 16.0])  # of the asymptotic BBP rate: s ≳ 2·s_c, well past the threshold

# Plug-in form, sd (bias) on seeds 110–123 (the tests judge seeds 100 and 101). Adam's ⟨u1,â⟩² is the
# eigenvalue law's (docs/theory.md §8.9): within 0.003 of the simulation on every seed.
MODERATE_PLUG = {
    ("gd", 2.5): dict(sigma1=S(0.0027, -0.0004), overlap_beta=S(0.0027, -0.0003), overlap_a=S(0.0046, 0.0023),
                      per_neuron=S(0.0041, -0.0009)),
    ("gd", 6.0): dict(sigma1=S(0.0018, 0.0000), overlap_beta=S(0.0012, -0.0006), overlap_a=S(0.0008, 0.0016),
                      per_neuron=S(0.0045, 0.0041)),
    ("gd", 16.0): dict(sigma1=S(0.0018, 0.0001), overlap_beta=S(0.0010, -0.0007), overlap_a=S(0.0002, 0.0014),
                       per_neuron=S(0.0033, 0.0057)),
    ("adam", 2.5): dict(sigma1=S(0.0036, -0.0007), overlap_beta=S(0.0033, 0.0026), overlap_a=S(0.0031, -0.0018)),
    ("adam", 6.0): dict(sigma1=S(0.0012, 0.0013), overlap_beta=S(0.0012, 0.0001), overlap_a=S(0.0011, -0.0011)),
    ("adam", 16.0): dict(sigma1=S(0.0011, 0.0016), overlap_beta=S(0.0009, -0.0002), overlap_a=S(0.0008, -0.0010)),
}


@pytest.fixture(scope="module", params=[0, 1])
def moderate_seed(request):
    W0, a, X, y, beta = make_data(100 + request.param, **MODERATE)
    G = gradient(W0, a, X, y)
    out = {}
    for opt in ("gd", "adam"):
        lrs = MULTIPLES * bbp_lr(opt, **MODERATE)
        out[opt] = dict(pred=plugin_one_step(opt, lrs, W0, a, X, y, beta=beta),
                        sims=[measure(one_step(W0, G, opt, lr), a, beta) for lr in lrs])
    return out


def _compare_moderate(judge, ms, opt):
    for i, m in enumerate(MULTIPLES):
        _compare(judge, f"{opt} {m}·η_c", ms[opt]["pred"], i, ms[opt]["sims"][i], MODERATE_PLUG[(opt, m)])


@pytest.mark.parametrize("opt", ["gd", "adam"])
def test_moderate_size_plugin_matches_simulation(moderate_seed, opt):
    judge(lambda j: _compare_moderate(j, moderate_seed, opt))


@pytest.mark.parametrize("opt", ["gd", "adam"])
def test_moderate_size_comparison_fails_for_a_wrong_formula(moderate_seed, opt):
    assert_mutations_fail(lambda j: _compare_moderate(j, moderate_seed, opt))


# β = e1, 6·η_c, plug-in ⟨v1,β⟩² error: sd 0.00086 (bias 0.0003) for GD, 0.0001 (0.0000) for Adam on
# seeds 20–35 (the test judges seed 7); simulated ⟨v1,β⟩² there 0.16–0.25 (GD) and ≤ 0.0035 (Adam).
SPARSE = {"gd": S(0.00086, 0.0003), "adam": S(0.0001, 0.0000)}


@pytest.fixture(scope="module")
def sparse_teacher():
    d = MODERATE["d"]
    e1 = np.zeros(d)
    e1[0] = 1.0
    W0, a, X, y, beta = make_data(7, **MODERATE, beta=e1)
    G = gradient(W0, a, X, y)
    out = {}
    for opt in ("gd", "adam"):
        lr = 6.0 * bbp_lr(opt, **MODERATE)
        out[opt] = (plugin_one_step(opt, lr, W0, a, X, y, beta=beta), measure(one_step(W0, G, opt, lr), a, beta))
    return out


def _compare_sparse(judge, st):
    for opt, (p, sim) in st.items():
        judge.diff(f"{opt} overlap_beta", p.overlap_beta, sim["overlap_beta"], SPARSE[opt])
    judge.check("GD keeps the alignment", st["gd"][1]["overlap_beta"] > 0.1)
    judge.check("Adam loses it", st["adam"][1]["overlap_beta"] < 0.02)


def test_sparse_teacher_gd_keeps_alignment_adam_loses_it(sparse_teacher):
    """β = e1 (docs/theory.md §4): the sign step erases the signal coordinate's magnitude advantage."""
    judge(lambda j: _compare_sparse(j, sparse_teacher))


def test_sparse_teacher_comparison_fails_for_a_wrong_formula(sparse_teacher):
    assert_mutations_fail(lambda j: _compare_sparse(j, sparse_teacher))
