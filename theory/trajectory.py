"""First-layer spectrum over several large GD or Adam steps (docs/theory.md §9 Several steps).

Model and convention as in :mod:`theory.one_step` (docs/theory.md §3, §4): W0 h×d iid N(0, 1), frozen
readout a, ``f(x) = aᵀσ(Wx/√d)/√h``, x ~ N(0, I_d), ``y = σ*(βᵀx) + N(0, ρ²)``, loss
``(c_L/2n) Σ_μ (f(x_μ) − y_μ)²`` (c_L = 2: MSE without ½), full batch, GD ``W ← W − η_t G`` or Adam
(PyTorch semantics, β1, β2, ε), step decay ``η_t = η·γ^(t−1)``.

The prediction does **not** train the network: it never forms a data matrix or a network gradient.
It carries one running matrix W (a fresh Gaussian W0 realised once) and, per step, a recursion for a
few summary objects of the training run (per-neuron variances, the residual in the eigenbasis of S,
the readout-weighted gains); each step adds the predicted update — its structured part and seeded
Gaussian fluctuations — to that same W, and the spectral statistics are read off W after every step.

**Derived (Gaussian equivalence at the current pre-activation variances):**

* *Per-neuron statistical linearisation.* With ``q_i = Var(w_iᵀx/√d)`` over the training inputs,
  Stein's lemma gives ``E[r σ'(z_i) x] ≈ m_i g + μ3_i (w_iᵀg) w_i/d`` with ``m_i = E σ'(√q_i z)``,
  ``μ3_i = E σ'''(√q_i z)``, ``g = Xᵀr/n`` (the second, "row" term comes from
  E[rσ''(z_i)] = μ3_i·Cov(r, z_i), Cov(r, z_i) = w_iᵀg/√d; it rescales row i ∝ a_i·w_iᵀg). The gradient
  row is ``G_i = −K a_i (m_i g + μ3_i (w_iᵀg) w_i/d + ξ_i)``, ``K = c_L/√(hd)``, ξ_i a fluctuation with iid
  entries of variance ``E[r²(σ'(z_i) − m_i)²]/n`` (≈ E[r²]ν_i²/n, ν_i² = Var σ'(√q_i z)). Tanh saturation
  enters through q_i. At t = 1 this is docs/theory.md §3, §4.
* *Residual as linear regression in the eigenbasis of S = XᵀX/n.* The network's linear predictor is
  ``β_f = Wᵀ(a⊙m)/√(hd)``; with ``X = √n U diag(√λ) Vᵀ`` the training residual is
  ``r = U√n ρ + r_⊥`` and ``g = V(√λ ⊙ ρ)``; a change of β_f moves ρ by ``−√λ ⊙ VᵀΔβ_f``. At t = 1 this
  reproduces the one-step spike ``s² = θ²G² − 2c_Lημ1²A`` of docs/theory.md §3 exactly (MP moments
  E λ = 1, E λ² = 1 + d/n). For GD it is GD on a linear regression with step ``κ_t λ``,
  ``κ_t = c_L η_t ‖a⊙m‖²/(hd)`` (= c_Lημ1²A/d at t = 1): modes with ``κ_t λ > 2`` overshoot, which is
  why the spike and the loss grow for a few steps until saturation lowers m_i.
* *Memorisation (the self term of the kernel).* The fluctuation part of step t changes the training
  outputs by ``Σ_s κ_{t,s} r_s`` with ``κ_{t,s} = (d/(n√(hd))) Σ_i a_i c_{t,s,i} ν_i²``, where
  ``c_{t,s,i}`` is the linear response of the update to ξ_s (GD: ``η_t K a_i δ_ts``; Adam: the Gaussian
  (Stein) regression slope of the realised update on ξ_s).
* *Nonlinear residual.* The per-neuron nonlinear output variance ``(1/h)Σ a_i²(Eσ(√q_i z)² − m_i²q_i)``;
  its increase is added to the residual as a fresh isotropic part.

**Modelling assumptions (not derived):**

* The eigenvectors V of S are Haar and its eigenvalues sit at the quantiles of the Marchenko–Pastur law
  with ratio d/n; a sits at the quantiles of N(0, 1).
* The fluctuations ξ_t are Gaussian, independent across entries and (by default) across steps;
  ``noise_correlation`` = c makes corr(ξ_t, ξ_s) = c·⟨r_t, r_s⟩/(‖r_t‖‖r_s‖) instead.
* Higher Hermite orders beyond the row term are dropped: E[σ'(z_i)σ'(z_j)] = m_i m_j across neurons, the
  part of ξ shared by neurons through the spike (``coherent_he2``, off by default) and the coherent
  nonlinear output of the saturating spike (treated as independent per neuron and across steps).
* The realisation replaces W0 by a fresh Gaussian matrix, β by a random unit vector, and the noise by
  seeded Gaussians (``numpy.random.SeedSequence(seed)``), so one call is one draw of the predicted law;
  σ1, sim, outliers, bulk edge and α_Hill are read off that draw, so they fluctuate between seeds
  (measured in tests/theory/test_trajectory.py and docs/theory.md §9.4).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy import special

from ._aliases import adam_beta_pair
from ._validate import (
    TheoryArgumentError,
    check_choice,
    check_lr,
    check_memory,
    check_nonnegative,
    check_positive,
    check_positive_int,
    check_real,
    check_real_array,
    finite_result,
)
from .display import public_dir, short_repr, short_value
from .hermite import activation_derivative, activation_function, activation_stats, teacher_stats
from .hill import hill_alpha
from .names import ACTIVATIONS, OPTIMIZERS
from .rmt import mp_zero_atom

__all__ = ["TrajectoryPrediction", "predict_trajectory", "TwoStepGD", "gd_two_step", "count_outliers", "hill_alpha",
           "mp_quantiles"]

#: A singular value counts as an outlier while it is ≥ OUTLIER_GAP × the next one (see count_outliers).
OUTLIER_GAP = 1.05
#: At most this many outliers are looked for.
MAX_OUTLIERS = 20
#: |pre-activation| above this counts as saturated (tanh'(2) = 0.07).
SATURATION_LEVEL = 2.0
_GH_NODES = 80


@dataclass(frozen=True)
class TrajectoryPrediction:
    """Predicted per-step statistics of W_t, t = 0 … steps (arrays of length steps + 1).

    Units: ``sigma*``, ``*_sv`` and ``top_singular`` are singular values of W_t; ``*_eig`` eigenvalues of
    W_tᵀW_t (their squares): ``sigma1_eig``, ``sigma2_eig``, ``bulk_edge_eig``; ``bulk_edge_sv`` is the
    field ``bulk_edge``.

    ``sigma1``, ``sigma2``: top singular values; ``n_outliers`` and ``bulk_edge``: by
    :func:`count_outliers` on the predicted singular values; ``sim`` = |⟨v1, β⟩|; ``overlap_a`` =
    |⟨u1, a/‖a‖⟩|; ``alpha_hill``: Hill estimator with xmin at the median (docs/model.md §5.5);
    ``alpha_hill_row_surrogate``: the same for a Gaussian matrix with W_t's row norms;
    ``train_loss``: predicted E[r_t²] on the training set (the network MSE); ``saturation``: predicted
    fraction of training pre-activations with |w_iᵀx/√d| > 2; ``top_singular``: the 8 largest
    singular values per step.
    """

    optimizer: str
    lr: float
    lr_gamma: float
    steps: int
    sigma1: np.ndarray
    sigma2: np.ndarray
    n_outliers: np.ndarray
    sim: np.ndarray
    bulk_edge: np.ndarray
    alpha_hill: np.ndarray
    alpha_hill_row_surrogate: np.ndarray
    overlap_a: np.ndarray
    train_loss: np.ndarray
    saturation: np.ndarray
    top_singular: np.ndarray

    @property
    def sigma1_eig(self) -> np.ndarray:
        """Top eigenvalue of W_tᵀW_t per step: ``sigma1²``."""
        return np.square(self.sigma1)

    @property
    def sigma2_eig(self) -> np.ndarray:
        """Second eigenvalue of W_tᵀW_t per step: ``sigma2²``."""
        return np.square(self.sigma2)

    @property
    def bulk_edge_sv(self) -> np.ndarray:
        """Bulk edge per step as a singular value of W_t (the field ``bulk_edge``)."""
        return self.bulk_edge

    @property
    def bulk_edge_eig(self) -> np.ndarray:
        """Bulk edge per step as an eigenvalue of W_tᵀW_t: ``bulk_edge²``."""
        return np.square(self.bulk_edge)

    def __repr__(self) -> str:
        last = {name: getattr(self, name)[-1] for name in ("sigma1", "bulk_edge", "n_outliers", "sim", "alpha_hill",
                                                           "train_loss")}
        head = short_repr(self, ("optimizer", "lr", "lr_gamma", "steps", "sigma1", "alpha_hill"))
        return head[:-1] + ", at the last step: " + ", ".join(f"{k}={short_value(v)}" for k, v in last.items()) + ")"


# --------------------------------------------------------------------------- spectral read-outs


def count_outliers(singular_values: Any, gap: float = OUTLIER_GAP, max_outliers: int = MAX_OUTLIERS
                   ) -> tuple[int, float]:
    """(number of outliers, bulk edge) of a spectrum, by the ratio of consecutive singular values.

    With s_1 ≥ s_2 ≥ … the outliers are s_1 … s_k for the largest k ≤ max_outliers with
    ``s_k ≥ gap·s_{k+1}``; the bulk edge is s_{k+1}. (At the default size a Gaussian matrix has
    s_1/s_2 ≈ 1.005, a one-step spike 1.2–15.) The same rule is applied to the engine's spectra.
    """
    s = np.sort(check_real_array("singular_values", singular_values).ravel())[::-1]
    gap = check_positive("gap", gap)
    max_outliers = check_positive_int("max_outliers", max_outliers)
    if s.size < 2:
        raise TheoryArgumentError(f"singular_values=<{s.size} values>: must hold at least 2 values")
    m = min(max_outliers, s.size - 1)
    ratio = s[:m] / np.maximum(s[1:m + 1], np.finfo(float).tiny)
    hits = np.nonzero(ratio >= gap)[0]
    k = int(hits[-1]) + 1 if hits.size else 0
    return k, float(s[k])


def mp_quantiles(gamma: float, count: int) -> np.ndarray:
    """Eigenvalues of S = XᵀX/n (d×d, γ = d/n) at the (k − ½)/count quantiles of the MP law.

    Density ``√((λ₊ − λ)(λ − λ₋))/(2πγλ)``, ``λ± = (1 ± √γ)²`` (docs/theory.md §2.1) plus an atom
    ``1 − 1/γ`` at 0 when γ > 1. Ascending.
    """
    g = check_positive("gamma", gamma)
    count = check_positive_int("count", count)
    lo, hi = (1.0 - math.sqrt(g)) ** 2, (1.0 + math.sqrt(g)) ** 2
    u = np.linspace(0.0, math.pi, 4001)
    x = lo + (hi - lo) * 0.5 * (1.0 - np.cos(u))
    dens = np.sqrt(np.clip((hi - x) * (x - lo), 0.0, None)) / (2.0 * math.pi * g * np.maximum(x, 1e-300))
    atom = mp_zero_atom(g) if g > 1 else 0.0
    cdf = atom + np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(x))])
    cdf = atom + (cdf - atom) * (1.0 - atom) / (cdf[-1] - atom)
    p = (np.arange(count) + 0.5) / count
    return np.where(p <= atom, 0.0, np.interp(p, cdf, x))


# --------------------------------------------------------------------------- Gaussian statistics


@dataclass(frozen=True)
class _Gains:
    """Per-neuron Gaussian statistics at pre-activation variances q: m = Eσ', ν² = Var σ', s2 = Eσ²,
    m3 = Eσ'''."""

    m: np.ndarray
    nu2: np.ndarray
    s2: np.ndarray
    m3: np.ndarray
    z2nu2: np.ndarray
    saturated: np.ndarray


def _gains(q: np.ndarray, sigma: Callable, dsigma: Callable) -> _Gains:
    """``m_i = E σ'(√q_i z)``, ``ν_i² = Var σ'(√q_i z)``, ``E σ(√q_i z)²``, ``E σ'''(√q_i z)`` (by Stein,
    ``E[σ'(√q z)(z² − 1)]/q``) and ``P(|√q_i z| > 2)``."""
    z, w = hermegauss(_GH_NODES)
    w = w / math.sqrt(2.0 * math.pi)
    x = np.sqrt(q)[:, None] * z[None, :]
    ds = dsigma(x)
    m = ds @ w
    return _Gains(m=m, nu2=np.clip((ds**2) @ w - m**2, 0.0, None), s2=(sigma(x) ** 2) @ w,
                  m3=(ds @ (w * (z**2 - 1.0))) / q, z2nu2=((ds - m[:, None]) ** 2) @ (w * z**2),
                  saturated=special.erfc(SATURATION_LEVEL / np.sqrt(2.0 * q)))


# --------------------------------------------------------------------------- the recursion


@dataclass
class _Residual:
    """Training residual r: column-space coordinates ρ (r = √n Uρ + r_⊥) and r_⊥ as components along
    orthogonal directions (one per source: the initial noise, then each nonlinear increment)."""

    rho: np.ndarray
    perp: np.ndarray

    def sq(self) -> float:
        """‖r‖²/n."""
        return float(self.rho @ self.rho + self.perp @ self.perp)

    def dot(self, other: _Residual) -> float:
        k = min(self.perp.size, other.perp.size)
        return float(self.rho @ other.rho + self.perp[:k] @ other.perp[:k])

    def copy(self) -> _Residual:
        return _Residual(self.rho.copy(), self.perp.copy())


@dataclass(frozen=True)
class _Setup:
    optimizer: str
    lrs: np.ndarray
    n: int
    d: int
    h: int
    sigma: Callable
    dsigma: Callable
    mu1_star: float
    ey2: float
    c_L: float
    betas: tuple[float, float]
    eps: float
    seed: int
    noise_correlation: float
    coherent_he2: bool


def _haar(rng: np.random.Generator, d: int) -> np.ndarray:
    """Haar-distributed d×d orthogonal matrix (QR of a Gaussian matrix with the sign fix)."""
    Q, R = np.linalg.qr(rng.standard_normal((d, d)))
    return Q * np.sign(np.diag(R))


def _train_var(W: np.ndarray, V: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """``q_i = w_iᵀSw_i/d`` with S = V diag(λ) Vᵀ: the pre-activation variance over the training inputs."""
    P = W @ V
    return (P**2) @ lam / W.shape[1]


def _nonlinear_var(a: np.ndarray, q: np.ndarray, G: _Gains) -> float:
    """Per-neuron nonlinear output variance ``(1/h) Σ a_i²(Eσ(√q_i z)² − m_i² q_i)``."""
    return float(np.mean(a**2 * np.clip(G.s2 - G.m**2 * q, 0.0, None)))


class _Trajectory:
    """State of the recursion and of the realised W_t (see the module docstring)."""

    def __init__(self, s: _Setup) -> None:
        self.s = s
        h, d, n = s.h, s.d, s.n
        rng = [np.random.default_rng(c) for c in np.random.SeedSequence(s.seed).spawn(8)]
        self.rng_noise, self.rng_nl, self.rng_coh = rng[5], rng[6], rng[7]
        v1 = rng[7].standard_normal(d)
        self.v1 = v1 / np.linalg.norm(v1)
        self.a = special.ndtri((np.arange(h) + 0.5) / h)[rng[0].permutation(h)]
        self.W = rng[1].standard_normal((h, d))
        beta = rng[2].standard_normal(d)
        self.beta = beta / np.linalg.norm(beta)
        self.V = _haar(rng[3], d)
        self.lam = mp_quantiles(d / n, d)
        self.sl = np.sqrt(self.lam)
        self.K = s.c_L / math.sqrt(h * d)
        self._refresh_gains()
        self.beta_f = self._linear_predictor()
        self.f_nl = _nonlinear_var(self.a, self.q, self.G)
        sig_e2 = s.ey2 - s.mu1_star**2 + self.f_nl
        noise = math.sqrt(sig_e2 / n) * rng[4].standard_normal(d) * (self.lam > 0)
        rho = self.sl * (self.V.T @ (s.mu1_star * self.beta - self.beta_f)) + noise
        self.r = _Residual(rho, np.array([math.sqrt(sig_e2 * max(n - d, 0) / n)]))
        self.history: list[_Residual] = []
        self.Z: list[np.ndarray] = []
        self.L = np.zeros((0, 0))
        self.unit_noise: list[np.ndarray] = []
        self.adam_m = np.zeros((h, d)) if s.optimizer == "adam" else None
        self.adam_v = np.zeros((h, d)) if s.optimizer == "adam" else None

    def _refresh_gains(self) -> None:
        self.q = _train_var(self.W, self.V, self.lam)
        self.G = _gains(self.q, self.s.sigma, self.s.dsigma)

    def _linear_predictor(self) -> np.ndarray:
        """``β_f = Wᵀ(a⊙m)/√(hd)``: the linear part of the network's output."""
        return self.W.T @ (self.a * self.G.m) / math.sqrt(self.s.h * self.s.d)

    def _correlated_noise(self) -> np.ndarray:
        """Noise ξ_t/σ_ξ: rows N(0, S) (ξ_i = Σ_μ D_μi x_μ/n with D independent of X has covariance
        E[D²]·S/n), corr(ξ_t, ξ_s) = c·⟨r_t, r_s⟩/(‖r_t‖‖r_s‖), c = noise_correlation (Cholesky factor grown
        by one row per step; c = 0: independent steps)."""
        t = len(self.history)
        c = np.array([self.s.noise_correlation * self.r.dot(p) / math.sqrt(self.r.sq() * p.sq())
                      for p in self.history[:-1]] + [1.0])
        L = np.zeros((t, t))
        L[:t - 1, :t - 1] = self.L
        row = np.linalg.solve(self.L, c[:-1]) if t > 1 else np.zeros(0)
        L[t - 1, :t - 1] = row
        L[t - 1, t - 1] = math.sqrt(max(1.0 - row @ row, 1e-12))
        self.L = L
        self.Z.append((self.rng_noise.standard_normal(self.W.shape) * self.sl) @ self.V.T)
        out = sum(L[t - 1, k] * self.Z[k] for k in range(t) if L[t - 1, k] != 0.0)
        self.unit_noise.append(out)
        return out

    def step(self, t: int) -> None:
        s, a = self.s, self.a
        eta = float(s.lrs[t - 1])
        self.history.append(self.r.copy())
        er2 = self.r.sq()
        g = self.V @ (self.sl * self.r.rho)
        sig_xi = self._noise_scale(er2, g)
        xi = self._correlated_noise()
        if s.coherent_he2:
            c_i, h_col, var_coh = self._coherent_noise(er2, g)
            sig_xi = np.sqrt(np.clip(sig_xi**2 - var_coh, 0.0, None))
            xi = sig_xi[:, None] * xi + c_i[:, None] * h_col[None, :]
        else:
            xi = sig_xi[:, None] * xi
        grad = -self.K * a[:, None] * (self.G.m[:, None] * g[None, :] + xi)
        grad -= (self.K * a * self.G.m3 * (self.W @ g) / s.d)[:, None] * self.W
        W_old = self.W.copy() if s.optimizer == "adam" else None
        self._optimizer_step(grad, eta, t)
        kappa = self._memorisation(eta, W_old, er2)
        self._refresh_gains()
        beta_f = self._linear_predictor()
        rho = self.r.rho - self.sl * (self.V.T @ (beta_f - self.beta_f))
        perp = self.r.perp.copy()
        for k_ts, past in zip(kappa, self.history):
            rho = rho - k_ts * past.rho
            perp[:past.perp.size] -= k_ts * past.perp
        self.beta_f = beta_f
        f_nl = _nonlinear_var(a, self.q, self.G)
        inc = max(f_nl - self.f_nl, 0.0)
        self.f_nl = f_nl
        rho = rho + math.sqrt(inc / s.n) * self.rng_nl.standard_normal(s.d) * (self.lam > 0)
        perp = np.append(perp, math.sqrt(inc * max(s.n - s.d, 0) / s.n))
        self.r = _Residual(rho, perp)

    def _coherent_noise(self, er2: float, g: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The part of ξ shared by all neurons through the spike coordinate s = v1ᵀx/√(v1ᵀSv1).

        With z_i = ρ_i + b_i s (b_i = w_iᵀSv1/√(d·v1ᵀSv1)), the He_2(s) coefficient of σ'(z_i) is
        c_i = b_i² E σ'''(z_i)/2 (Stein twice), so ξ_i ⊃ c_i·h with h = Xᵀ(r ⊙ He_2(s))/n; its finite-n
        part is N(0, S·E[r²He_2(s)²]/n), E[r²He_2²] = 10c_rs² + 2(E r² − c_rs²), c_rs = gᵀv1/√(v1ᵀSv1).
        Returns (c_i, h, per-row variance c_i²E[r²He_2²]/n removed from the iid part)."""
        W, V, lam = self.W, self.V, self.lam
        v = self.v1
        for _ in range(20):
            v = W.T @ (W @ v)
            v /= np.linalg.norm(v)
        self.v1 = v
        Sv = V @ (lam * (V.T @ v))
        vs = float(v @ Sv)
        b = (W @ Sv) / math.sqrt(self.s.d * vs)
        c_i = 0.5 * b**2 * self.G.m3
        c_rs2 = min(float(g @ v) ** 2 / vs, er2)
        e_he2 = 10.0 * c_rs2 + 2.0 * (er2 - c_rs2)
        h_col = V @ (self.sl * self.rng_coh.standard_normal(self.s.d)) * math.sqrt(e_he2 / self.s.n)
        return c_i, h_col, c_i**2 * e_he2 / self.s.n

    def _noise_scale(self, er2: float, g: np.ndarray) -> np.ndarray:
        """Per-neuron sd of ξ_ij: ``n σ_ξ,i² = E[r²(σ'(z_i) − m_i)²]`` with (r, z_i) jointly Gaussian,
        Cov(r, z_i) = c_i = w_iᵀg/√d: ``(E r² − c_i²/q_i)ν_i² + (c_i²/q_i)·E[z²(σ'(√q_i z) − m_i)²]``."""
        G = self.G
        c2q = (self.W @ g) ** 2 / self.s.d / self.q
        c2q = np.minimum(c2q, er2)
        return np.sqrt(((er2 - c2q) * G.nu2 + c2q * G.z2nu2) / self.s.n)

    def _optimizer_step(self, grad: np.ndarray, eta: float, t: int) -> None:
        if self.s.optimizer == "gd":
            self.W -= eta * grad
            return
        b1, b2 = self.s.betas
        self.adam_m += (1.0 - b1) * (grad - self.adam_m)
        self.adam_v *= b2
        self.adam_v += (1.0 - b2) * grad**2
        denom = np.sqrt(self.adam_v) / math.sqrt(1.0 - b2**t) + self.s.eps
        self.W -= (eta / (1.0 - b1**t)) * self.adam_m / denom

    def _memorisation(self, eta: float, W_old: np.ndarray | None, er2: float) -> np.ndarray:
        """``κ_{t,s}`` for s = 1…t: the training outputs move by Σ_s κ_{t,s} r_s (module docstring)."""
        s, a, nu2 = self.s, self.a, self.G.nu2
        t = len(self.history)
        pref = s.d / (s.n * math.sqrt(s.h * s.d))
        kappa = np.zeros(t)
        if s.optimizer == "gd":
            kappa[-1] = pref * eta * self.K * float(np.sum(a**2 * nu2))
            return kappa
        # Adam: Stein slope of sign(a_i)·ΔW_ij on the unit noises of steps 1…t (pooled over all entries)
        y = (self.W - W_old) * np.sign(a)[:, None]
        X = self.unit_noise
        gram = np.array([[float(np.vdot(X[i], X[j])) for j in range(t)] for i in range(t)])
        rhs = np.array([float(np.vdot(X[i], y)) for i in range(t)])
        slopes = np.linalg.solve(gram, rhs)
        for k, past in enumerate(self.history):
            sig_unit = math.sqrt(past.sq() / s.n)  # σ_ξ,s,i = sig_unit·ν_i
            kappa[k] = pref * slopes[k] / sig_unit * float(np.sum(np.abs(a) * np.sqrt(nu2)))
        return kappa

    def readout(self) -> dict[str, Any]:
        """Spectral statistics of the realised W_t."""
        ev, vec = np.linalg.eigh(self.W.T @ self.W)
        sv = np.sqrt(np.clip(ev[::-1], 0.0, None))
        k, edge = count_outliers(sv)
        v1 = vec[:, -1]
        u1 = self.W @ v1
        u1 /= np.linalg.norm(u1)
        rows = np.sqrt(np.einsum("ij,ij->i", self.W, self.W) / self.s.d)
        gauss = self.rng_nl.standard_normal(self.W.shape) * rows[:, None]
        return dict(sigma1=sv[0], sigma2=sv[1], n_outliers=k, bulk_edge=edge, sim=abs(float(v1 @ self.beta)),
                    overlap_a=abs(float(u1 @ self.a)) / float(np.linalg.norm(self.a)),
                    alpha_hill=hill_alpha(ev), alpha_hill_row_surrogate=hill_alpha(np.linalg.eigvalsh(gauss.T @ gauss)),
                    train_loss=self.r.sq(), saturation=float(np.mean(self.G.saturated)), top_singular=sv[:8])


# --------------------------------------------------------------------------- public API


def _trajectory_sizes(n: Any, d: Any, h: Any) -> tuple[int, int, int]:
    """Validated sizes of :func:`predict_trajectory`: min(h, d) ≥ 2 (σ2 and the outlier count need two
    singular values), and the matrices it holds (W and its Gaussian surrogate h×d, X n×d, the d×d Haar
    basis, WᵀW and its eigenvectors; float64) must fit in memory."""
    n, d, h = check_positive_int("n", n), check_positive_int("d", d), check_positive_int("h", h)
    for name, value in (("d", d), ("h", h)):
        if value < 2:
            raise TheoryArgumentError(f"{name}={value!r}: must be >= 2 (the trajectory reads σ1 and σ2 of the "
                                      "h×d matrix W)", name)
    check_memory(f"(n, d, h) = ({n}, {d}, {h})", 8.0 * (3 * h * d + 2 * n * d + 4 * d * d))
    return n, d, h



@finite_result
def predict_trajectory(optimizer: str, lr: float, steps: int, *, n: int, d: int, h: int,
                       activation: str = "tanh", teacher: str = "softplus", label_noise_std: float = 0.3,
                       lr_gamma: float = 1.0, c_L: float = 2.0, seed: int = 0,
                       adam_beta1: float | None = None, adam_beta2: float | None = None, adam_eps: float = 1e-8,
                       noise_correlation: float = 0.0, coherent_he2: bool = False,
                       adam_betas: tuple[float, float] | None = None) -> TrajectoryPrediction:
    """Predicted σ1, σ2, outliers, sim = |⟨v1,β⟩|, bulk edge and α_Hill of W_t for t = 0 … steps.

    GD ``W ← W − η_t G`` or Adam (PyTorch, ``adam_beta1`` = β1 (default 0.9), ``adam_beta2`` = β2 (default
    0.999), ``adam_eps``; ``adam_betas`` = (β1, β2) is the deprecated form) with ``η_t = lr·lr_gamma^(t−1)``,
    loss ``(c_L/2n)Σ(f − y)²``. Derived parts and modelling assumptions: module docstring and
    docs/theory.md §9 Several steps. ``seed`` selects the draw of the realised matrix (SeedSequence).
    ``noise_correlation`` c ∈ [−1, 1]: corr(ξ_t, ξ_s) = c·corr(r_t, r_s) (default 0, independent steps —
    chosen on calibration seed 200, where the engine's remainders of consecutive GD steps correlate by
    −0.41, +0.01, +0.36 while the residuals do by −0.58, −0.93, −0.95). ``coherent_he2``: add the part of
    ξ shared by all neurons through the He_2 coefficient of σ' along the spike (off by default: on seed
    200 it creates a second GD outlier at t = 3 that the engine does not show).
    Cost ≈ 1–2 s per step at h = 1500, d = 1000 (one d×d eigendecomposition per step).
    """
    adam_beta1, adam_beta2 = adam_beta_pair(adam_beta1, adam_beta2, adam_betas)
    opt = check_choice("optimizer", optimizer, OPTIMIZERS)
    lr = check_lr(lr, scalar=True)
    steps = check_positive_int("steps", steps)
    gamma = check_positive("lr_gamma", lr_gamma)
    if gamma > 1.0:
        raise TheoryArgumentError(f"lr_gamma={lr_gamma!r}: must be in (0, 1]")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise TheoryArgumentError(f"seed={seed!r}: must be a non-negative integer")
    b1, b2 = (_adam_beta(name, x) for name, x in (("adam_beta1", adam_beta1), ("adam_beta2", adam_beta2)))
    corr = check_real("noise_correlation", noise_correlation)
    if not -1.0 <= corr <= 1.0:
        raise TheoryArgumentError(f"noise_correlation={noise_correlation!r}: must be in [-1, 1]")
    if not isinstance(coherent_he2, (bool, np.bool_)):
        raise TheoryArgumentError(f"coherent_he2={coherent_he2!r}: must be True or False")
    teach = teacher_stats(teacher, label_noise_std)
    act = check_choice("activation", activation, ACTIVATIONS)
    activation_stats(act)
    n, d, h = _trajectory_sizes(n, d, h)
    setup = _Setup(optimizer=opt, lrs=lr * gamma ** np.arange(steps), n=n,
                   d=d, h=h, sigma=activation_function(act),
                   dsigma=activation_derivative(act), mu1_star=teach.mu1_star, ey2=teach.ey2,
                   c_L=check_positive("c_L", c_L), betas=(b1, b2), eps=check_nonnegative("adam_eps", adam_eps),
                   seed=int(seed), noise_correlation=corr, coherent_he2=bool(coherent_he2))
    traj = _Trajectory(setup)
    records = [traj.readout()]
    for t in range(1, steps + 1):
        traj.step(t)
        records.append(traj.readout())
    col = {k: np.array([r[k] for r in records]) for k in records[0]}
    return TrajectoryPrediction(optimizer=opt, lr=lr, lr_gamma=gamma, steps=steps, **col)


def _adam_beta(name: str, value: Any) -> float:
    """Adam's decay rate ``name`` as a float in [0, 1) (the engine's ``Config`` rule), else raise."""
    beta = check_nonnegative(name, value)
    if beta >= 1.0:
        raise TheoryArgumentError(f"{name}={value!r}: must be in [0, 1)")
    return beta


# --------------------------------------------------------------------------- two GD steps, closed form


@dataclass(frozen=True)
class TwoStepGD:
    """Closed-form spike after two GD steps without saturation (docs/theory.md §9.2 Several steps).

    ``spike_strength_sq`` = ‖ξ_2‖² − d; ``sigma1``, ``overlap_beta`` = ⟨v1, β⟩² and ``overlap_a`` =
    ⟨u1, a/‖a‖⟩² from the spiked model (docs/theory.md §2.3); ``beta_projection`` = ⟨ξ_2, β⟩.
    """

    lr: float
    spike_strength_sq: float
    sigma1: float
    overlap_beta: float
    overlap_a: float
    beta_projection: float

    @property
    def sigma1_eig(self) -> float:
        """Top eigenvalue of W_2ᵀW_2: ``sigma1²`` (``sigma1`` is a singular value)."""
        return self.sigma1**2


@finite_result
def gd_two_step(lr: float, *, n: int, d: int, h: int, activation: str = "tanh", teacher: str = "softplus",
                label_noise_std: float = 0.3, c_L: float = 2.0, lr_gamma: float = 1.0) -> TwoStepGD:
    """Spike after two GD steps, gains frozen at their initial values (no saturation), readout A = 1.

    With ``θ = c_Lημ1/√d``, ``κ = c_Lημ1²/d``, ``κ_ν = c_Lην²/n`` (memorisation), γ_S = d/n,
    ``σ_e² = E[y²] − μ1*² + Eσ² − μ1²`` and λ ~ MP(γ_S) (moments E λ^k up to k = 4), step 2 at η₂ = γη:

        ξ_2 = ω·[1 − κλ − κ₂λ(1 − κ_ν − κλ)] + (θ + θ₂(1 − κ_ν − κλ))·(λμ1*β + σ_e√(λ/n)·N)

    coordinate-wise in the eigenbasis of S, so ``‖ξ_2‖² = d·E[A_λ²] + E[B_λ²(μ1*²λ² + σ_e²γ_Sλ)]`` and
    ``⟨ξ_2, β⟩ = μ1*·E[B_λ λ]``; then the key lemma of docs/theory.md §2.3. At γ = 1 the bracket is
    the familiar ``(2 − κ_ν − κλ)``; replacing it by 1 gives the one-step spike of docs/theory.md §3.
    """
    lr = check_lr(lr, scalar=True)
    gamma = check_positive("lr_gamma", lr_gamma)
    n, d, h = check_positive_int("n", n), check_positive_int("d", d), check_positive_int("h", h)
    c_L = check_positive("c_L", c_L)
    act, teach = activation_stats(activation), teacher_stats(teacher, label_noise_std)
    lam = mp_quantiles(d / n, 20000)
    theta = c_L * lr * act.mu1 / math.sqrt(d)
    kappa, kappa_nu = c_L * lr * act.mu1**2 / d, c_L * lr * act.nu2 / n
    sig_e2 = teach.ey2 - teach.mu1_star**2 + act.mean_sq - act.mu1**2
    carry = 1.0 - kappa_nu - kappa * lam
    A = 1.0 - kappa * lam - gamma * kappa * lam * carry
    B = theta * (1.0 + gamma * carry)
    xi2 = d * np.mean(A**2) + np.mean(B**2 * (teach.mu1_star**2 * lam**2 + sig_e2 * (d / n) * lam))
    proj = teach.mu1_star * float(np.mean(B * lam))
    s2 = float(xi2 - d)
    s4 = s2 * s2 if s2 > 0 else 0.0
    spiked = s4 > h * d
    sigma1 = math.sqrt((s2 + h) * (s2 + d) / s2) if spiked else math.sqrt(h) + math.sqrt(d)
    ov_b = (1.0 - h * d / s4) * proj**2 / xi2 if spiked else 0.0
    ov_a = (s4 - h * d) / (s2 * (s2 + h)) if spiked else 0.0
    return TwoStepGD(lr=lr, spike_strength_sq=s2, sigma1=sigma1, overlap_beta=ov_b, overlap_a=ov_a,
                     beta_projection=proj)


__dir__ = public_dir(__name__)
