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

DEFAULT = dict(n=2000, d=1000, h=1500)
DEFAULT_LRS = {"gd": [1000.0, 2000.0, 6000.0, 20000.0], "adam": [0.03, 0.1, 0.3, 1.0]}  # the rows of docs/theory.md §7


@pytest.fixture(scope="module")
def default_seed():
    W0, a, X, y, beta = make_data(0, **DEFAULT)
    G = gradient(W0, a, X, y)
    sims = {(opt, lr): measure(one_step(W0, G, opt, lr), a, beta)
            for opt, lrs in DEFAULT_LRS.items() for lr in lrs}
    return dict(W0=W0, a=a, X=X, y=y, beta=beta, sims=sims)


@pytest.mark.parametrize("opt", ["gd", "adam"])
def test_default_size_plugin_matches_simulation(default_seed, opt):
    ds = default_seed
    lrs = np.array(DEFAULT_LRS[opt])
    p = plugin_one_step(opt, lrs, ds["W0"], ds["a"], ds["X"], ds["y"], beta=ds["beta"])
    assert p.spiked.tolist() == [False, True, True, True]
    for i, lr in enumerate(lrs):
        sim = ds["sims"][(opt, lr)]
        if i == 0:  # below the BBP rate: no outlier, top singular value within TW reach of the edge
            assert abs(sim["sigma1"] - p.sigma1[0]) < 4 * 0.193 * math.sqrt(p.bulk_variance[0])
            assert sim["overlap_beta"] < 0.02
            continue
        assert abs(p.sigma1[i] / sim["sigma1"] - 1) < 0.005, (lr, p.sigma1[i], sim["sigma1"])
        # plug-in overlaps: seed 0 differs from simulation by ≤ 0.003 (docs/theory.md §7)
        assert abs(p.overlap_beta[i] - sim["overlap_beta"]) < 0.01, lr


@pytest.mark.parametrize("opt", ["gd", "adam"])
def test_default_size_asymptotic_matches_simulation(default_seed, opt):
    """Asymptotic form with the seed's own A = ‖a‖²/h and ā = ‖a‖₁/h vs the simulated seed.

    Tolerance reason: the asymptotic form sees the readout only through A and ā, not the realised
    ‖W0ᵀa‖²/(‖a‖²d) (relative sd √(2/d) ≈ 4.5 %) nor ⟨W0ᵀa, β⟩ (sd ≈ ‖a‖), which set the size of f0
    and of ⟨ξ, β⟩ in the realised step. Over ten default-size seeds (measured against the plug-in form,
    which tracks the simulation to 0.5 %) the asymptotic σ1 scattered with sd 2.5 % for GD (max 4.8 %) and
    0.9 % for Adam (max 2.5 %), overlaps with sd ≈ 0.02 (max 0.039), with means within 0.2 % / 0.002 (no
    bias). Another seed sat at ≤ 1.1 %; seed 0 here sits at 2.9–5.0 % (GD; docs/theory.md §7). Hence 6 % / 3 % /
    0.04, i.e. about 2.5 sd of the seed scatter.
    """
    ds = default_seed
    a = ds["a"]
    lrs = np.array(DEFAULT_LRS[opt][1:])
    p = predict_one_step(opt, lrs, **DEFAULT, readout_A=a @ a / a.size, readout_abar=np.abs(a).mean())
    tol = 0.06 if opt == "gd" else 0.03
    for i, lr in enumerate(lrs):
        sim = ds["sims"][(opt, lr)]
        assert abs(p.sigma1[i] / sim["sigma1"] - 1) < tol, (lr, p.sigma1[i], sim["sigma1"])
        assert abs(p.overlap_beta[i] - sim["overlap_beta"]) < 0.04, lr


def test_default_size_gd_per_neuron_and_overlap_a(default_seed):
    ds = default_seed
    lrs = np.array(DEFAULT_LRS["gd"][1:])
    p = plugin_one_step("gd", lrs, ds["W0"], ds["a"], ds["X"], ds["y"], beta=ds["beta"])
    for i, lr in enumerate(lrs):
        sim = ds["sims"][("gd", lr)]
        assert abs(p.per_neuron_alignment[i] / sim["per_neuron"] - 1) < 0.05, lr
        assert abs(p.overlap_a[i] - sim["overlap_a"]) < 0.02, lr


# ----------------------------------------------------------------------------- moderate size, two seeds

MODERATE = dict(n=1200, d=600, h=900)
MULTIPLES = np.array([2.5, 6.0, 16.0])  # of the asymptotic BBP rate: s ≳ 2·s_c, well past the threshold


@pytest.fixture(scope="module", params=[0, 1])
def moderate_seed(request):
    W0, a, X, y, beta = make_data(100 + request.param, **MODERATE)
    return dict(W0=W0, a=a, X=X, y=y, beta=beta, G=gradient(W0, a, X, y))


@pytest.mark.parametrize("opt", ["gd", "adam"])
def test_moderate_size_plugin_matches_simulation(moderate_seed, opt):
    ms = moderate_seed
    lrs = MULTIPLES * bbp_lr(opt, **MODERATE)
    p = plugin_one_step(opt, lrs, ms["W0"], ms["a"], ms["X"], ms["y"], beta=ms["beta"])
    for i, lr in enumerate(lrs):
        sim = measure(one_step(ms["W0"], ms["G"], opt, lr), ms["a"], ms["beta"])
        assert abs(p.sigma1[i] / sim["sigma1"] - 1) < 0.01, (lr, p.sigma1[i], sim["sigma1"])
        assert abs(p.overlap_beta[i] - sim["overlap_beta"]) < 0.02, lr
        if opt == "gd":
            assert abs(p.overlap_a[i] - sim["overlap_a"]) < 0.02, lr
            assert abs(p.per_neuron_alignment[i] / sim["per_neuron"] - 1) < 0.05, lr
        elif i > 0:
            # Adam's ⟨u1, a/‖a‖⟩² is the crude ⟨u1,ŝ⟩²·⟨ŝ,a/‖a‖⟩²: measured 0.03–0.04 high at 6·η_c
            # and 0.06–0.08 high at 2.5·η_c (not tested there); the sign noise is not isotropic
            assert abs(p.overlap_a[i] - sim["overlap_a"]) < 0.05, lr


def test_sparse_teacher_gd_keeps_alignment_adam_loses_it():
    """β = e1 (docs/theory.md §4): the sign step erases the signal coordinate's magnitude advantage."""
    d = MODERATE["d"]
    e1 = np.zeros(d)
    e1[0] = 1.0
    W0, a, X, y, beta = make_data(7, **MODERATE, beta=e1)
    G = gradient(W0, a, X, y)
    out = {}
    for opt in ("gd", "adam"):
        lr = 6.0 * bbp_lr(opt, **MODERATE)
        p = plugin_one_step(opt, lr, W0, a, X, y, beta=beta)
        sim = measure(one_step(W0, G, opt, lr), a, beta)
        assert abs(p.overlap_beta - sim["overlap_beta"]) < 0.02, opt
        out[opt] = sim["overlap_beta"]
    assert out["gd"] > 0.1 and out["adam"] < 0.02
