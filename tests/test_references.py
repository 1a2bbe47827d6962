"""Tests of the two slow references themselves (NOT of htcore).

* NumPy reference vs PyTorch-autograd/torch.optim reference: 1e-12 relative, float64.
* NumPy gradient vs central finite differences: 1e-6 relative.
* NumPy forward/loss/gradient vs a third, loop-by-loop transcription of the formulae.
* First Adam step == W0 - lr * G / (|G| + eps): 1e-15 relative.
* Hand-derived single steps (GD, momentum, weight decay, step decay, weight norm.)
  and checks that every option actually changes the trajectory.

"Relative" everywhere means max|A - B| / max|B| (max-norm over all entries), so
entries that happen to be near zero do not blow the measure up.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests import reference_numpy as RN

ACTIVATIONS = ("tanh", "erf", "relu", "gelu")
N, D, H = 40, 12, 9
STEPS = 10


def rel(A, B) -> float:
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    assert A.shape == B.shape, (A.shape, B.shape)
    scale = np.max(np.abs(B))
    assert scale > 0.0
    return float(np.max(np.abs(A - B)) / scale)


def make_problem(seed: int = 0, n: int = N, d: int = D, h: int = H):
    """Teacher-student data as in docs/model.md §1 Data and teacher (small sizes)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W0 = rng.standard_normal((h, d))
    a = rng.standard_normal(h)
    g = rng.standard_normal(d)
    beta = g / np.linalg.norm(g)
    y = np.logaddexp(0.0, X @ beta) + 0.3 * rng.standard_normal(n)  # softplus + noise
    return W0, a, X, y


@pytest.fixture(scope="module")
def problem():
    return make_problem(0)


@pytest.fixture(params=["numpy", pytest.param("torch", marks=pytest.mark.torch)])
def mod(request):
    """Each reference in turn: NumPy, then PyTorch (skipped when torch is not installed)."""
    return RN if request.param == "numpy" else request.getfixturevalue("reference_torch")


# ----------------------------------------------------------------------------------
# A third transcription: explicit loops straight from the formulae (tiny sizes only).
# ----------------------------------------------------------------------------------
def _loop_sigma(z, act):
    if act == "tanh":
        return math.tanh(z)
    if act == "erf":
        return math.erf(z)
    if act == "relu":
        return z if z > 0 else 0.0
    if act == "gelu":
        return z * 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
    raise ValueError(act)


def _loop_sigma_prime(z, act):
    if act == "tanh":
        return 1.0 - math.tanh(z) ** 2
    if act == "erf":
        return 2.0 / math.sqrt(math.pi) * math.exp(-z * z)
    if act == "relu":
        return 1.0 if z > 0 else 0.0
    if act == "gelu":
        Phi = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
        phi = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
        return Phi + z * phi
    raise ValueError(act)


def _loop_loss_and_grad(W, a, X, y, act):
    n, d = X.shape
    h = W.shape[0]
    f = [0.0] * n
    Z = [[0.0] * h for _ in range(n)]
    for mu in range(n):
        for i in range(h):
            Z[mu][i] = sum(W[i, j] * X[mu, j] for j in range(d)) / math.sqrt(d)
            f[mu] += a[i] * _loop_sigma(Z[mu][i], act) / math.sqrt(h)
    r = [y[mu] - f[mu] for mu in range(n)]
    loss = sum(rm * rm for rm in r) / n
    G = np.zeros((h, d))
    for i in range(h):
        for j in range(d):
            s = sum(r[mu] * a[i] * _loop_sigma_prime(Z[mu][i], act) * X[mu, j] for mu in range(n))
            G[i, j] = -2.0 / (n * math.sqrt(h * d)) * s
    return np.array(f), loss, G


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_numpy_matches_loop_transcription(act):
    W0, a, X, y = make_problem(1, n=7, d=4, h=3)
    f_loop, loss_loop, G_loop = _loop_loss_and_grad(W0, a, X, y, act)
    f = RN.ref_forward(W0, a, X, act)
    loss, G = RN.ref_loss_and_grad(W0, a, X, y, act)
    assert f.shape == (7,) and G.shape == (3, 4)
    assert rel(f, f_loop) < 1e-13
    assert abs(loss - loss_loop) / loss_loop < 1e-13
    assert rel(G, G_loop) < 1e-13
    # the loss is the mean of squared residuals of the forward pass (no 1/2)
    assert abs(loss - np.mean((f - y) ** 2)) / loss < 1e-14


def test_hand_value_single_unit(mod):
    # h = d = n = 1, tanh: f = a tanh(w x), L = (f - y)^2, dL/dw = -2 r a (1 - tanh^2(w x)) x.
    W = np.array([[0.7]])
    a = np.array([-1.3])
    X = np.array([[0.4]])
    y = np.array([0.25])
    f_exp = -1.3 * math.tanh(0.28)
    r = 0.25 - f_exp
    loss, G = mod.ref_loss_and_grad(W, a, X, y, "tanh")
    assert abs(mod.ref_forward(W, a, X, "tanh")[0] - f_exp) < 1e-15
    assert abs(loss - r * r) < 1e-15
    assert abs(G[0, 0] - (-2.0 * r * -1.3 * (1.0 - math.tanh(0.28) ** 2) * 0.4)) < 1e-15


# ----------------------------------------------------------------------------------
# Finite differences
# ----------------------------------------------------------------------------------
FD_STEP = 1e-5


def _central_fd(W, a, X, y, act, step=FD_STEP):
    G = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        Wp = W.copy()
        Wm = W.copy()
        Wp[idx] += step
        Wm[idx] -= step
        lp, _ = RN.ref_loss_and_grad(Wp, a, X, y, act)
        lm, _ = RN.ref_loss_and_grad(Wm, a, X, y, act)
        G[idx] = (lp - lm) / (2.0 * step)
    return G


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_gradient_matches_central_finite_differences(problem, act):
    W0, a, X, y = problem
    if act == "relu":
        # relu is not differentiable at z = 0: keep every pre-activation away from the
        # kink by more than the largest shift a +-FD_STEP perturbation of one W entry
        # can cause (FD_STEP * max|x_j| / sqrt(d)), so no FD stencil straddles a kink.
        # On each side the loss is a quadratic in W, so central FD is exact up to rounding.
        Z = X @ W0.T / math.sqrt(D)
        margin = np.min(np.abs(Z))
        max_shift = FD_STEP * np.max(np.abs(X)) / math.sqrt(D)
        assert margin > 10.0 * max_shift, (margin, max_shift)
        assert np.any(Z > 0) and np.any(Z < 0)  # both branches of relu exercised
    _, G = RN.ref_loss_and_grad(W0, a, X, y, act)
    G_fd = _central_fd(W0, a, X, y, act)
    assert np.max(np.abs(G)) > 1e-3  # non-trivial gradient
    err = rel(G_fd, G)
    assert err < 1e-6, err


def test_finite_difference_check_can_fail(problem):
    # The FD comparison is discriminating: a gradient off by the factor 2 of the
    # "MSE with 1/2" convention, or missing the 1/sqrt(h d) scaling, fails it.
    W0, a, X, y = problem
    _, G = RN.ref_loss_and_grad(W0, a, X, y, "tanh")
    G_fd = _central_fd(W0, a, X, y, "tanh")
    assert rel(G_fd, 0.5 * G) > 0.5
    assert rel(G_fd, G * math.sqrt(H * D)) > 0.5


# ----------------------------------------------------------------------------------
# NumPy vs torch: forward, gradient, training
# ----------------------------------------------------------------------------------
@pytest.mark.parametrize("act", ACTIVATIONS)
def test_forward_and_grad_numpy_vs_torch(problem, act, reference_torch):
    RT = reference_torch
    W0, a, X, y = problem
    f_np = RN.ref_forward(W0, a, X, act)
    f_t = RT.ref_forward(W0, a, X, act)
    assert isinstance(f_t, np.ndarray) and f_t.dtype == np.float64 and f_t.shape == (N,)
    assert rel(f_np, f_t) < 1e-12
    l_np, G_np = RN.ref_loss_and_grad(W0, a, X, y, act)
    l_t, G_t = RT.ref_loss_and_grad(W0, a, X, y, act)
    assert isinstance(l_t, float) and isinstance(l_np, float)
    assert isinstance(G_t, np.ndarray) and G_t.dtype == np.float64 and G_t.shape == (H, D)
    assert abs(l_np - l_t) / l_t < 1e-12
    assert rel(G_np, G_t) < 1e-12


TRAIN_CASES = {
    "gd": dict(optimizer="gd", lr=2.0),
    "gd_momentum": dict(optimizer="gd", lr=0.5, momentum=0.9),
    "gd_wd": dict(optimizer="gd", lr=2.0, weight_decay=0.1),
    "gd_stepdecay": dict(optimizer="gd", lr=2.0, lr_gamma=0.8),
    "gd_wn": dict(optimizer="gd", lr=2.0, weight_normalization=True),
    "gd_momentum_wd": dict(optimizer="gd", lr=0.5, momentum=0.9, weight_decay=0.05),
    "gd_all": dict(
        optimizer="gd", lr=2.0, momentum=0.9, weight_decay=0.1, lr_gamma=0.8, weight_normalization=True
    ),
    "adam": dict(optimizer="adam", lr=0.05),
    "adam_lr1": dict(optimizer="adam", lr=1.0),
    "adam_wd": dict(optimizer="adam", lr=0.05, weight_decay=0.1),
    "adam_stepdecay": dict(optimizer="adam", lr=0.2, lr_gamma=0.6),
    "adam_wn": dict(optimizer="adam", lr=0.2, weight_normalization=True),
    # eps comparable to the gradient entries: eps placement and bias corrections matter
    "adam_big_eps": dict(optimizer="adam", lr=0.2, eps=1e-2, beta1=0.8, beta2=0.99),
    "adam_wd_wn": dict(optimizer="adam", lr=0.2, weight_decay=0.1, weight_normalization=True),
    "adam_all": dict(
        optimizer="adam", lr=1.0, weight_decay=0.1, lr_gamma=0.8, weight_normalization=True, eps=1e-3
    ),
}


@pytest.mark.parametrize("act", ACTIVATIONS)
@pytest.mark.parametrize("case", sorted(TRAIN_CASES))
def test_train_numpy_vs_torch(problem, case, act, reference_torch):
    RT = reference_torch
    W0, a, X, y = problem
    kw = TRAIN_CASES[case]
    W0_before = W0.copy()
    r_np = RN.ref_train(W0, a, X, y, steps=STEPS, activation=act, **kw)
    r_t = RT.ref_train(W0, a, X, y, steps=STEPS, activation=act, **kw)
    assert np.array_equal(W0, W0_before)  # inputs not mutated
    for r in (r_np, r_t):
        assert set(r) == {"W", "Ws", "losses"}
        assert len(r["Ws"]) == STEPS + 1 and len(r["losses"]) == STEPS
        assert np.array_equal(r["Ws"][0], W0)
        assert np.array_equal(r["W"], r["Ws"][-1])
        assert r["W"].dtype == np.float64 and r["W"].shape == (H, D)
        assert all(isinstance(x, float) and math.isfinite(x) for x in r["losses"])
        # W actually moved, and by a non-negligible amount
        assert rel(r["W"], W0) > 1e-3
    for t in range(STEPS + 1):
        assert rel(r_np["Ws"][t], r_t["Ws"][t]) < 1e-12, (t, rel(r_np["Ws"][t], r_t["Ws"][t]))
    for t in range(STEPS):
        assert abs(r_np["losses"][t] - r_t["losses"][t]) / r_t["losses"][t] < 1e-12, t


# ----------------------------------------------------------------------------------
# Adam first step
# ----------------------------------------------------------------------------------
@pytest.mark.parametrize("eps", [1e-8, "comparable"])
def test_first_adam_step_is_soft_sign(problem, mod, eps):
    W0, a, X, y = problem
    _, G = mod.ref_loss_and_grad(W0, a, X, y, "tanh")
    if eps == "comparable":
        eps = float(np.median(np.abs(G)))  # eps of the order of |G|: placement matters
    lr = 1.0  # update of the same order as W0, so 1e-15 relative on W1 is a real check
    r = mod.ref_train(W0, a, X, y, optimizer="adam", lr=lr, steps=1, eps=eps)
    expected = W0 - lr * G / (np.abs(G) + eps)
    assert rel(r["W"], expected) < 1e-15
    # the update itself too: it is O(lr) = O(1) here, so W1 - W0 loses nothing to cancellation
    assert rel(r["W"] - W0, -lr * G / (np.abs(G) + eps)) < 1e-15
    # eps matters here: the pure sign step differs from it
    if eps > 1e-6:
        assert rel(r["W"], W0 - lr * np.sign(G)) > 1e-3


# ----------------------------------------------------------------------------------
# Hand-derived steps of the NumPy reference (semantics of each option)
# ----------------------------------------------------------------------------------
def test_gd_weight_decay_and_step_decay_by_hand(problem):
    W0, a, X, y = problem
    lr, wd, gamma = 0.7, 0.3, 0.5
    r = RN.ref_train(W0, a, X, y, optimizer="gd", lr=lr, steps=2, weight_decay=wd, lr_gamma=gamma)
    _, G0 = RN.ref_loss_and_grad(W0, a, X, y)
    W1 = W0 - lr * (G0 + wd * W0)  # eta_1 = eta
    assert rel(r["Ws"][1], W1) < 1e-15
    _, G1 = RN.ref_loss_and_grad(W1, a, X, y)
    W2 = W1 - lr * gamma * (G1 + wd * W1)  # eta_2 = eta * gamma
    assert rel(r["Ws"][2], W2) < 1e-15


def test_momentum_by_hand(problem, mod):
    W0, a, X, y = problem
    lr, mu, wd = 0.4, 0.9, 0.05
    tol = 1e-14 if mod is RN else 1e-12
    r = mod.ref_train(W0, a, X, y, optimizer="gd", lr=lr, steps=3, momentum=mu, weight_decay=wd)
    W = W0.copy()
    buf = None
    for t in range(3):
        _, G = RN.ref_loss_and_grad(W, a, X, y)
        g = G + wd * W
        buf = g if buf is None else mu * buf + g  # torch: buf = g at step 1 (no dampening)
        W = W - lr * buf
        assert rel(r["Ws"][t + 1], W) < tol


@pytest.mark.parametrize("opt,lr", [("gd", 2.0), ("adam", 0.3)])
def test_weight_normalization_semantics(problem, mod, opt, lr):
    W0, a, X, y = problem
    W0s = 1.7 * W0  # start away from the normalised sphere
    r = mod.ref_train(W0s, a, X, y, optimizer=opt, lr=lr, steps=4, weight_normalization=True)
    target = math.sqrt(H * D)
    for t in range(4):
        Wn = r["Ws"][t] * (target / np.linalg.norm(r["Ws"][t]))
        assert abs(np.linalg.norm(Wn) - target) / target < 1e-14
        # the recorded loss is the loss at the RESCALED iterate
        loss_n, _ = RN.ref_loss_and_grad(Wn, a, X, y)
        loss_raw, _ = RN.ref_loss_and_grad(r["Ws"][t], a, X, y)
        assert abs(r["losses"][t] - loss_n) / loss_n < 1e-12
        assert abs(r["losses"][t] - loss_raw) / loss_raw > 1e-6  # distinguishable
    # the returned final iterate is NOT rescaled
    assert abs(np.linalg.norm(r["W"]) - target) / target > 1e-6
    if opt == "gd":
        # first step: gradient at the rescaled W0, update applied to the rescaled W0
        Wn0 = W0s * (target / np.linalg.norm(W0s))
        _, G = RN.ref_loss_and_grad(Wn0, a, X, y)
        assert rel(r["Ws"][1], Wn0 - lr * G) < 1e-13


def test_adam_state_carries_over_weight_normalization(problem):
    # Hand loop of the numpy reference semantics (m, v never reset by the rescaling).
    W0, a, X, y = problem
    lr, b1, b2, eps = 0.3, 0.9, 0.999, 1e-8
    r = RN.ref_train(W0, a, X, y, optimizer="adam", lr=lr, steps=4, weight_normalization=True)
    W = W0.copy()
    m = np.zeros_like(W)
    v = np.zeros_like(W)
    for t in range(1, 5):
        W = W * math.sqrt(H * D) / np.linalg.norm(W)
        _, G = RN.ref_loss_and_grad(W, a, X, y)
        m = b1 * m + (1 - b1) * G
        v = b2 * v + (1 - b2) * G * G
        W = W - lr * (m / (1 - b1**t)) / (np.sqrt(v) / math.sqrt(1 - b2**t) + eps)
        assert rel(r["Ws"][t], W) < 1e-14


OPTION_FLIPS = {
    "momentum": ("gd", dict(momentum=0.9)),
    "weight_decay_gd": ("gd", dict(weight_decay=0.1)),
    "weight_decay_adam": ("adam", dict(weight_decay=0.1)),
    "lr_gamma_gd": ("gd", dict(lr_gamma=0.7)),
    "lr_gamma_adam": ("adam", dict(lr_gamma=0.7)),
    "wn_gd": ("gd", dict(weight_normalization=True)),
    "wn_adam": ("adam", dict(weight_normalization=True)),
    "beta1": ("adam", dict(beta1=0.5)),
    "beta2": ("adam", dict(beta2=0.9)),
    "eps": ("adam", dict(eps=1e-2)),
}


@pytest.mark.parametrize("flip", sorted(OPTION_FLIPS))
def test_every_option_changes_the_trajectory(problem, flip):
    # Guards against an option being silently ignored.  Checked on the NumPy
    # reference only: the torch reference agrees with it to 1e-12 on every option
    # (test_train_numpy_vs_torch), so it cannot ignore one either.
    mod = RN
    W0, a, X, y = problem
    opt, kw = OPTION_FLIPS[flip]
    lr = 1.0 if opt == "gd" else 0.1
    base = mod.ref_train(W0, a, X, y, optimizer=opt, lr=lr, steps=5)
    other = mod.ref_train(W0, a, X, y, optimizer=opt, lr=lr, steps=5, **kw)
    assert rel(other["W"] - W0, base["W"] - W0) > 1e-3


def test_activations_differ_and_unknown_rejected(problem, mod):
    W0, a, X, y = problem
    fs = {act: mod.ref_forward(W0, a, X, act) for act in ACTIVATIONS}
    for i, p in enumerate(ACTIVATIONS):
        for q in ACTIVATIONS[i + 1 :]:
            assert rel(fs[p], fs[q]) > 1e-2, (p, q)
    with pytest.raises(ValueError):
        mod.ref_forward(W0, a, X, "sigmoid")
    with pytest.raises(ValueError):
        mod.ref_train(W0, a, X, y, optimizer="rmsprop", lr=0.1, steps=1)
