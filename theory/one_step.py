"""Spectrum of W after one GD step or one Adam step from a random init (docs/theory.md §3 One GD step,
§4 One Adam step; bare § numbers below refer to that page).

Model and convention: W0 is h×d with iid N(0,1) entries, ``f(x) = aᵀσ(Wx/√d)/√h`` with the readout a
frozen, data ``x ~ N(0, I_d)``, labels ``y = σ*(βᵀx) + N(0, ρ²)`` with a unit teacher direction β, and
loss ``L = (c_L/2n) Σ_μ (f(x_μ) − y_μ)²`` (**c_L = 2** is the reference MSE without ½). The exact gradient
is ``∇_W L = −(c_L/(n√(hd))) Σ_μ r_μ (a ⊙ σ'(W x_μ/√d)) x_μᵀ`` with ``r = y − f(X)``.

* GD: ``W1 = W0 − η ∇_W L``.
* Adam (PyTorch, first step): ``W1 = W0 − η G/(|G| + ε)`` ≈ ``W0 − η sign(G)``; the formulas use the sign
  limit ε → 0, valid while ε ≪ |G_ij| (≈ 1e-5 at the default size, so ε = 1e-8 is fine). The sign step
  does not depend on c_L.

Readout statistics: ``A = ‖a‖²/h`` and ``ā = ‖a‖₁/h``; the public functions take ``readout_scale`` (A =
readout_scale², as ``htcore.Config``). For a ~ N(0, A) the expectation ``ā = √(2/π)·√A``
is the default of ``readout_abar``.

Two forms are provided: **asymptotic** (sizes, activation, teacher, noise, A, ā, c_L) and **plug-in**
(realised W0, a, X, y; most accurate). Both are vectorised over the learning rate: a scalar ``lr`` gives
scalar fields, an array gives arrays of the same shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy import special

from ._aliases import accepts_readout_scale, undecorated
from ._validate import TheoryArgumentError, check_bool, check_choice, check_lr, check_positive, finite_result
from .display import public_dir, short_repr
from .names import OPTIMIZERS
from .rmt import generalized_mp_edge, spiked_overlaps, spiked_sigma1
from .setup import SQRT_2_OVER_PI, AsymptoticSetup, RealisedDraw, asymptotic_setup, realise_draw
from .spectrum import OneStepSpectrum, one_step_spectrum, plugin_one_step_spectrum

__all__ = [
    "OPTIMIZERS",
    "OneStepPrediction",
    "AsymptoticSetup",
    "asymptotic_setup",
    "predict_one_step",
    "plugin_one_step",
    "bbp_lr",
    "bbp_quadratic",
    "gd_asymptotic",
    "adam_asymptotic",
    "gd_plugin",
    "adam_plugin",
]


Arr = float | np.ndarray


@dataclass(frozen=True)
class OneStepPrediction:
    """Predicted spectrum of W1 after one step (fields are arrays when ``lr`` is an array).

    Units: ``sigma*`` and ``*_sv`` are singular values of W1; ``*_eig`` are eigenvalues of W1ᵀW1 (the
    squares). ``sigma1``/``bulk_edge`` are singular values; ``sigma1_eig``, ``bulk_edge_eig`` and
    ``bulk_edge_sv`` (= ``bulk_edge``) are the same numbers in the named units.

    * ``sigma1``: top singular value of W1 (the bulk edge when there is no outlier).
    * ``spike_strength``: s in ``W1 ≈ B + s·u vᵀ`` where B has iid entries of variance
      ``bulk_variance`` (0 when the effective ``s²`` is negative); ``spike_strength_sq`` is the signed s².
    * ``normalized_spike_strength``: ``s̃ = s/√bulk_variance``; ``spiked``: ``s̃⁴ > hd`` (BBP).
    * ``overlap_beta``: ⟨v1, β⟩² (None when β is unknown); ``overlap_a``: ⟨u1, a/‖a‖⟩².
    * ``bulk_variance``: v_b (GD: 1; Adam: 1 + η²(1 − q)); ``bulk_edge``: predicted top edge of the bulk
      as a singular value — with ``law=True`` the eigenvalue law's (docs/theory.md §8.9); with
      ``law=False`` the closed forms (GD: generalised-MP edge for row variances 1 + ε²a_i², §3; Adam:
      √v_b(√h + √d)), which fall 7–16 % below the simulated bulk at 30·η_c.
    * ``signal_fraction``: Adam's q (None for GD); ``per_neuron_alignment``: mean_i cos²(w_i, β) for GD
      (None for Adam, or when β is unknown).
    * ``alpha_hill``: α_Hill of W1ᵀW1 (xmin at the median, the engine's estimator) read off the eigenvalue
      law (:meth:`theory.OneStepSpectrum.alpha_hill`); None with ``law=False``.
    * ``spectrum``: with ``law=True`` (the default of :func:`predict_one_step` and :func:`plugin_one_step`)
      the whole eigenvalue law, a :class:`theory.OneStepSpectrum` (a list of them, flattened order, for an
      array ``lr``); then ``bulk_edge`` is the law's upper edge (as a singular value), ``sigma1`` is at
      least that edge, and Adam's ``overlap_a`` is the law's (docs/theory.md §8.9). None with
      ``law=False`` (the closed forms of §3/§4 alone).
    """

    optimizer: str
    form: str
    lr: Arr
    sigma1: Arr
    spike_strength: Arr
    spike_strength_sq: Arr
    normalized_spike_strength: Arr
    spiked: bool | np.ndarray
    overlap_beta: Arr | None
    overlap_a: Arr
    bulk_variance: Arr
    bulk_edge: Arr
    signal_fraction: Arr | None
    per_neuron_alignment: Arr | None
    spectrum: OneStepSpectrum | list[OneStepSpectrum] | None = field(default=None, compare=False, repr=False)
    alpha_hill: Arr | None = None

    @property
    def sigma1_eig(self) -> Arr:
        """Top eigenvalue of W1ᵀW1: ``sigma1²``."""
        return np.square(self.sigma1) if np.ndim(self.sigma1) else float(self.sigma1) ** 2

    @property
    def bulk_edge_sv(self) -> Arr:
        """Upper bulk edge as a singular value of W1 (the field ``bulk_edge``)."""
        return self.bulk_edge

    @property
    def bulk_edge_eig(self) -> Arr:
        """Upper bulk edge as an eigenvalue of W1ᵀW1: ``bulk_edge²``."""
        return np.square(self.bulk_edge) if np.ndim(self.bulk_edge) else float(self.bulk_edge) ** 2

    def __repr__(self) -> str:
        return short_repr(self, ("optimizer", "form", "lr", "sigma1", "bulk_edge", "spiked", "spike_strength",
                                 "overlap_beta", "overlap_a", "signal_fraction", "alpha_hill", "spectrum"))


# --------------------------------------------------------------------------- validation helpers


def _check_optimizer(optimizer: Any) -> str:
    return check_choice("optimizer", optimizer, OPTIMIZERS)


def _check_lr(lr: Any) -> tuple[np.ndarray, bool]:
    return check_lr(lr), np.ndim(lr) == 0


def _shape_out(x: np.ndarray, scalar: bool) -> Arr:
    return float(x) if scalar else np.asarray(x, dtype=float)


def _shape_bool(x: np.ndarray, scalar: bool) -> bool | np.ndarray:
    return bool(x) if scalar else np.asarray(x, dtype=bool)


# --------------------------------------------------------------------------- GD, asymptotic


def _gd_theta(lr: np.ndarray, mu1: float, A: float, d: int, c_L: float) -> np.ndarray:
    """``θ = c_L η μ1 √(A/d)``: W1 ≈ W0 + θ (a/‖a‖) gᵀ, g = Xᵀ(y − f0(X))/n (docs/theory.md §3)."""
    return c_L * lr * mu1 * math.sqrt(A / d)


def _gd_spike_sq(lr: np.ndarray, s: AsymptoticSetup) -> np.ndarray:
    """``s² = θ²G² − 2c_L η μ1² A`` (the second term is the shrinkage of W0 along a by f0; §3)."""
    theta = _gd_theta(lr, s.act.mu1, s.readout_A, s.d, s.c_L)
    shrink = 2.0 * s.c_L * lr * s.act.mu1**2 * s.readout_A if s.f0 else 0.0
    return theta**2 * s.grad_sq - shrink


def _overlap_from_direction(s2: np.ndarray, h: int, d: int, proj_sq: np.ndarray) -> np.ndarray:
    """Key lemma (§2): ``⟨v1, w⟩² = (1 − hd/s⁴)₊ · proj_sq`` with proj_sq = ⟨ξ/‖ξ‖, w⟩²."""
    s4 = np.where(s2 > 0, s2**2, 0.0)
    factor = np.where(s4 > h * d, 1.0 - h * d / np.where(s4 > 0, s4, 1.0), 0.0)
    return factor * proj_sq


def _gd_eps2(lr: np.ndarray, er2: float, nu2: float, n: int, h: int, d: int, c_L: float) -> np.ndarray:
    """Row-variance scale of the GD remainder, ``ε² = c_L²η²E[r²]ν²/(nhd)`` (docs/theory.md §3)."""
    return c_L**2 * lr**2 * er2 * nu2 / (n * h * d)


def _gd_per_neuron_asymptotic(lr: np.ndarray, theta: np.ndarray, s2: np.ndarray,
                              s: AsymptoticSetup) -> np.ndarray:
    """``E_z[(1 + u²θ²μ1*²)/(d + u²s² + ε²a²d)]``, ``a = √A z``, ``u² = z²/h``, z ~ N(0,1) (§3).

    The ``ε²a²d`` term is the squared norm the remainder (row variance ε²a_i², docs/theory.md §3
    bulk edge) adds to neuron i; it matters only at giant steps (≈ 8 % at 16·η_c).
    """
    z, w = hermegauss(120)
    u2 = z**2 / s.h
    eps2 = _gd_eps2(lr, s.er2, s.act.nu2, s.n, s.h, s.d, s.c_L)
    num = 1.0 + u2 * (theta[..., None] * s.mu1_star) ** 2
    den = s.d + u2 * s2[..., None] + eps2[..., None] * s.readout_A * z**2 * s.d
    return (num / den) @ (w / math.sqrt(2.0 * math.pi))


def _gd_bulk_edge(lr: np.ndarray, er2: float, nu2: float, a2: np.ndarray, n: int, d: int, c_L: float) -> np.ndarray:
    """Generalised-MP edge for row variances ``1 + ε²a_i²``, ``ε² = c_L²η²E[r²]ν²/(nhd)`` (§3)."""
    eps2 = _gd_eps2(lr, er2, nu2, n, a2.size, d, c_L)
    return np.array([generalized_mp_edge(1.0 + e * a2, d) for e in np.ravel(eps2)]).reshape(np.shape(lr))


@finite_result
def gd_asymptotic(lr: Any, setup: AsymptoticSetup) -> OneStepPrediction:
    """One GD step, asymptotic form (docs/theory.md §3), loss ``(c_L/2n)Σ(f − y)²``.

    ``θ = c_L η μ1 √(A/d)``, ``G² = μ1*² + μ1²A + (d/n)(E[y²] + A·Eσ²)``, ``s² = θ²G² − 2c_L η μ1² A``
    (no-f0 limit: ``s² = θ²(μ1*² + (d/n)E[y²])``); ``σ1 = √((s²+h)(s²+d))/s`` if ``s⁴ > hd`` else
    ``√h + √d``; ``⟨v1,β⟩² = (1 − hd/s⁴)θ²μ1*²/(d + s²)``; ``⟨u1,a/‖a‖⟩² = (s⁴ − hd)/(s²(s² + h))``;
    per-neuron alignment ``E_z[(1 + u²θ²μ1*²)/(d + u²s² + ε²a²d)]`` over a Gaussian readout; bulk edge
    from the Gaussian quantiles of a.
    """
    lr_arr, scalar = _check_lr(lr)
    s = setup
    theta = _gd_theta(lr_arr, s.act.mu1, s.readout_A, s.d, s.c_L)
    s2 = _gd_spike_sq(lr_arr, s)
    proj = np.where(s2 > 0, theta**2 * s.mu1_star**2 / (s.d + np.clip(s2, 0.0, None)), 0.0)
    edge = _gd_bulk_edge(lr_arr, s.er2, s.act.nu2, s.gaussian_a2(), s.n, s.d, s.c_L)
    per_neuron = _gd_per_neuron_asymptotic(lr_arr, theta, s2, s)
    return _assemble("gd", "asymptotic", lr_arr, scalar, s2, 1.0, s.h, s.d, proj, 1.0, edge, None, per_neuron)


def _assemble(optimizer: str, form: str, lr: np.ndarray, scalar: bool, s_eff2: np.ndarray, v_b: Any,
              h: int, d: int, proj: np.ndarray | None, a_factor: Any, edge: Any, q: Any,
              per_neuron: Any) -> OneStepPrediction:
    """Common tail: spiked formulas of §2 with bulk variance v_b applied to the signed s_eff²."""
    v_b = np.broadcast_to(np.asarray(v_b, dtype=float), lr.shape)
    strength = np.sqrt(np.clip(s_eff2, 0.0, None))
    st2 = s_eff2 / v_b
    sigma1 = np.array([spiked_sigma1(x, h, d, v) for x, v in zip(strength.ravel(), v_b.ravel())])
    left = spiked_overlaps(np.sqrt(np.clip(st2, 0.0, None)), h, d).left
    out = lambda x: None if x is None else _shape_out(np.broadcast_to(x, lr.shape), scalar)  # noqa: E731
    return OneStepPrediction(
        optimizer=optimizer, form=form, lr=_shape_out(lr, scalar), sigma1=out(sigma1.reshape(lr.shape)),
        spike_strength=out(strength), spike_strength_sq=out(s_eff2),
        normalized_spike_strength=out(np.sqrt(np.clip(st2, 0.0, None))),
        spiked=_shape_bool(np.where(st2 > 0, st2**2, 0.0) > h * d, scalar),
        overlap_beta=None if proj is None else out(_overlap_from_direction(st2, h, d, proj)),
        overlap_a=out(np.asarray(left) * a_factor), bulk_variance=out(v_b), bulk_edge=out(edge),
        signal_fraction=out(q), per_neuron_alignment=out(per_neuron))


# --------------------------------------------------------------------------- Adam, asymptotic


def _adam_constants(s: AsymptoticSetup) -> tuple[float, float, float, float]:
    """``(σ_ξ, κ_t², q, ⟨W0ᵀŝ, m⟩)`` of docs/theory.md §4.

    ``σ_ξ² = E[r²]ν²/n``, ``κ_t² = μ1²G²/(dσ_ξ²)``, ``q = (2/π)·arcsin(κ_t²/(1 + κ_t²))`` and
    ``⟨W0ᵀŝ, m⟩ = −√d μ1² ā √(2/π)/(σ_ξ√(1 + κ_t²))`` (0 in the no-f0 limit).
    """
    sig_xi = math.sqrt(s.er2 * s.act.nu2 / s.n)
    if sig_xi == 0.0:
        raise TheoryArgumentError(
            "activation: Var σ'(z) = 0 (linear σ) makes the Adam sign step deterministic; "
            "the formulas of docs/theory.md §4 need nu2 > 0")
    kappa2 = s.act.mu1**2 * s.grad_sq / (s.d * sig_xi**2)
    q = (2.0 / math.pi) * math.asin(kappa2 / (1.0 + kappa2))
    omega_m = 0.0
    if s.f0:
        omega_m = -math.sqrt(s.d) * s.act.mu1**2 * s.readout_abar * SQRT_2_OVER_PI / (
            sig_xi * math.sqrt(1.0 + kappa2))
    return sig_xi, kappa2, q, omega_m


@finite_result
def adam_asymptotic(lr: Any, setup: AsymptoticSetup) -> OneStepPrediction:
    """One Adam (sign) step, asymptotic form (docs/theory.md §4); independent of c_L.

    ``s_eff² = η²hdq + 2η√h⟨W0ᵀŝ,m⟩``, ``v_b = 1 + η²(1 − q)``, ``s̃² = s_eff²/v_b``, σ1 from the spiked
    formula with variance v_b; ``⟨m,β⟩ = (μ1μ1*/σ_ξ)√(2/π)/√(1+κ_t²)``,
    ``⟨v1,β⟩² = (1 − hd/s̃⁴)η²h⟨m,β⟩²/(v_b(d + s̃²))``; ``⟨u1,a/‖a‖⟩² = ⟨u1,ŝ⟩²·ā²/A`` with ŝ = sign(a)/√h.
    """
    lr_arr, scalar = _check_lr(lr)
    s = setup
    sig_xi, kappa2, q, omega_m = _adam_constants(s)
    s_eff2 = lr_arr**2 * s.h * s.d * q + 2.0 * lr_arr * math.sqrt(s.h) * omega_m
    v_b = 1.0 + lr_arr**2 * (1.0 - q)
    m_beta = s.act.mu1 * s.mu1_star / sig_xi * SQRT_2_OVER_PI / math.sqrt(1.0 + kappa2)
    st2 = np.clip(s_eff2 / v_b, 0.0, None)
    proj = lr_arr**2 * s.h * m_beta**2 / (v_b * (s.d + st2))
    edge = np.sqrt(v_b) * (math.sqrt(s.h) + math.sqrt(s.d))
    a_factor = s.readout_abar**2 / s.readout_A
    return _assemble("adam", "asymptotic", lr_arr, scalar, s_eff2, v_b, s.h, s.d, proj, a_factor, edge,
                     np.full(lr_arr.shape, q), None)


# --------------------------------------------------------------------------- the eigenvalue law's fields


def _with_law(pred: OneStepPrediction, laws: list[OneStepSpectrum], scalar: bool) -> OneStepPrediction:
    """Replace the fields the eigenvalue law predicts better (docs/theory.md §8.9, measured there):

    * ``bulk_edge`` = √(law's upper bulk edge): the §3/§4 edges assume an iid (MP) bulk and fall 2–16 %
      below the simulated σ2 beyond 6·η_c;
    * ``sigma1`` = max(closed-form σ1, law's edge): the top singular value is never inside the bulk (the
      closed-form spike location is kept: it is the more accurate one, §8.8);
    * Adam's ``overlap_a`` = the law's top-outlier ⟨u1, a/‖a‖⟩² (0 when the law has no outlier): the closed
      form ⟨u1,ŝ⟩²⟨ŝ,a/‖a‖⟩² treats the sign noise as isotropic and misses the W0ᵀe direction (+0.03 … +0.11
      at 1.5–6·η_c).
    """
    shape = np.shape(pred.lr)
    edge = np.sqrt(np.array([law.bulk_edges[1] for law in laws])).reshape(shape)
    sigma1 = np.maximum(np.asarray(pred.sigma1), edge)
    alpha = np.array([law.alpha_hill() for law in laws]).reshape(shape)
    fields = {"bulk_edge": _shape_out(edge, scalar), "sigma1": _shape_out(sigma1, scalar),
              "spectrum": laws[0] if scalar else laws, "alpha_hill": _shape_out(alpha, scalar)}
    if pred.optimizer == "adam":
        top = np.array([law.overlap_a[0] if law.outliers.size else 0.0 for law in laws]).reshape(shape)
        fields["overlap_a"] = _shape_out(top, scalar)
    return replace(pred, **fields)


# --------------------------------------------------------------------------- public asymptotic API


@finite_result
@accepts_readout_scale
def predict_one_step(optimizer: str, lr: Any, *, n: int, d: int, h: int, activation: str = "tanh",
                     teacher: str = "softplus", label_noise_std: float = 0.3, readout_A: float = 1.0,
                     readout_abar: float | None = None, c_L: float = 2.0, f0: bool = True,
                     law: bool = True) -> OneStepPrediction:
    """Asymptotic spectrum of W1 after one GD or Adam step (docs/theory.md §3, §4, §8).

    Loss ``(c_L/2n)Σ(f − y)²`` (c_L = 2: reference MSE). ``readout_scale`` (default 1): a ~
    readout_scale·N(0, I_h), A = ‖a‖²/h = readout_scale² (realised readout: its RMS ‖a‖/√h; ``readout_A``
    = A is the deprecated form); ``readout_abar = ‖a‖₁/h`` (None → √(2/π)·readout_scale).
    ``f0=False`` is the no-f0 limit (readout so small that f0 ≈ 0). At the default
    sizes (n, d, h) = (2000, 1000, 1500), tanh/softplus, ρ = 0.3, A = 1, c_L = 2: GD η = 6000 →
    σ1 = 251.87, ⟨v1,β⟩² = 0.213; Adam η = 1 → σ1 = 999.17, q = 0.680. See :func:`gd_asymptotic` and
    :func:`adam_asymptotic` for the closed forms. ``law=True`` (default) also solves the whole eigenvalue
    law (:func:`theory.one_step_spectrum`, ≈ 0.3–0.5 s per learning rate at the default size) and takes
    ``bulk_edge``, the floor of ``sigma1`` and Adam's ``overlap_a`` from it (see :class:`OneStepPrediction`);
    ``law=False`` gives the closed forms alone, in microseconds.
    """
    opt = _check_optimizer(optimizer)
    use_law = check_bool("law", law)
    setup = undecorated(asymptotic_setup)(n=n, d=d, h=h, activation=activation, teacher=teacher,
                             label_noise_std=label_noise_std, readout_A=readout_A,
                             readout_abar=readout_abar, c_L=c_L, f0=f0)
    pred = gd_asymptotic(lr, setup) if opt == "gd" else adam_asymptotic(lr, setup)
    if not use_law:
        return pred
    laws = undecorated(one_step_spectrum)(opt, np.ravel(pred.lr), n=n, d=d, h=h, activation=activation, teacher=teacher,
                             label_noise_std=label_noise_std, c_L=c_L, readout_A=readout_A,
                             readout_abar=readout_abar, f0=f0)
    return _with_law(pred, laws, np.ndim(lr) == 0)


@finite_result
@accepts_readout_scale
def bbp_quadratic(optimizer: str, *, n: int, d: int, h: int, activation: str = "tanh",
                  teacher: str = "softplus", label_noise_std: float = 0.3, readout_A: float = 1.0,
                  readout_abar: float | None = None, c_L: float = 2.0,
                  f0: bool = True) -> tuple[float, float, float]:
    """Coefficients ``(c2, c1, c0)`` of the quadratic ``c2η² + c1η + c0 = 0`` whose positive root is η_c.

    GD (§3): ``Pη² − Qη − √(hd)`` with ``P = c_L²μ1²A G²/d``, ``Q = 2c_Lμ1²A`` (Q = 0 and G² without
    f0 terms in the no-f0 limit). Adam (§4): ``η²(hdq − √(hd)(1 − q)) + 2η√h⟨W0ᵀŝ,m⟩ − √(hd)``
    (⟨W0ᵀŝ,m⟩ = 0 without f0). Both express ``s̃⁴ = hd``.
    """
    opt = _check_optimizer(optimizer)
    s = undecorated(asymptotic_setup)(n=n, d=d, h=h, activation=activation, teacher=teacher,
                         label_noise_std=label_noise_std, readout_A=readout_A, readout_abar=readout_abar,
                         c_L=c_L, f0=f0)
    root_hd = math.sqrt(s.h * s.d)
    if opt == "gd":
        mu1_sq_A = s.act.mu1**2 * s.readout_A
        q_lin = 2.0 * s.c_L * mu1_sq_A if s.f0 else 0.0
        return s.c_L**2 * mu1_sq_A * s.grad_sq / s.d, -q_lin, -root_hd
    _, _, q, omega_m = _adam_constants(s)
    return s.h * s.d * q - root_hd * (1.0 - q), 2.0 * math.sqrt(s.h) * omega_m, -root_hd


@finite_result(allow_inf=True)
@accepts_readout_scale
def bbp_lr(optimizer: str, *, n: int, d: int, h: int, activation: str = "tanh", teacher: str = "softplus",
           label_noise_std: float = 0.3, readout_A: float = 1.0, readout_abar: float | None = None,
           c_L: float = 2.0, f0: bool = True) -> float:
    """Smallest learning rate at which one step creates an outlier (BBP transition), asymptotic form.

    Positive root ``η_c = (−c1 + √(c1² − 4c2c0))/(2c2)`` of :func:`bbp_quadratic` (docs/theory.md §3, §4);
    ``inf`` if ``c2 ≤ 0`` (no spike at any η). Loss ``(c_L/2n)Σ(f − y)²``. Default sizes, c_L = 2:
    GD ≈ 1259.8, Adam ≈ 0.049. No-f0 GD limit: ``(hd)^¾/(c_L μ1 ‖a‖ √(μ1*² + dE[y²]/n))``.
    """
    c2, c1, c0 = undecorated(bbp_quadratic)(optimizer, n=n, d=d, h=h, activation=activation, teacher=teacher,
                               label_noise_std=label_noise_std, readout_A=readout_A,
                               readout_abar=readout_abar, c_L=c_L, f0=f0)
    if c2 <= 0:
        return math.inf
    disc = math.sqrt(c1 * c1 - 4.0 * c2 * c0)
    # numerically stable form of the positive root (c0 < 0 < c2)
    return (-c1 + disc) / (2.0 * c2) if c1 <= 0 else (-2.0 * c0) / (c1 + disc)


# --------------------------------------------------------------------------- plug-in forms


def _proj_sq(xi_dot_b: np.ndarray | None, xi_sq: np.ndarray) -> np.ndarray | None:
    return None if xi_dot_b is None else xi_dot_b**2 / np.where(xi_sq > 0, xi_sq, 1.0)


@finite_result
def gd_plugin(lr: Any, W0: Any, a: Any, X: Any, y: Any, *, beta: Any = None, activation: str = "tanh",
              c_L: float = 2.0) -> OneStepPrediction:
    """One GD step, plug-in form (docs/theory.md §3), loss ``(c_L/2n)Σ(f − y)²``.

    From the realised data: ``u = a/‖a‖``, ``θ = c_L η μ1 √(A/d)``, ``g = Xᵀ(y − f0(X))/n``,
    ``ξ = W0ᵀu + θg``, ``s² = ‖ξ‖² − d``; σ1 and ⟨u1,u⟩² from the spiked formulas of §2;
    ``⟨v1,β⟩² = (1 − hd/s⁴)₊⟨ξ/‖ξ‖,β⟩²``. Per-neuron alignment: mean_i cos²(w_i, β) evaluated exactly on
    the rank-one model ``W0 + θ u gᵀ``, with the remainder's ``ε²a_i²d`` added to ‖w_i‖². Bulk edge:
    generalised MP with row variances ``1 + ε²a_i²``, ``ε² = c_L²η² mean(r²) ν²/(nhd)``.
    """
    lr_arr, scalar = _check_lr(lr)
    c_L = check_positive("c_L", c_L)
    R = realise_draw(W0, a, X, y, beta, activation)
    h, d = R.W0.shape
    norm_a = float(np.linalg.norm(R.a))
    u = R.a / norm_a
    theta = _gd_theta(lr_arr, R.act.mu1, norm_a**2 / h, d, c_L)
    omega = R.W0.T @ u
    xi_sq = omega @ omega + 2.0 * theta * (omega @ R.g) + theta**2 * (R.g @ R.g)
    xi_b = None if R.beta is None else omega @ R.beta + theta * (R.g @ R.beta)
    edge = _gd_bulk_edge(lr_arr, float(np.mean(R.r**2)), R.act.nu2, R.a**2, R.r.size, d, c_L)
    eps2 = _gd_eps2(lr_arr, float(np.mean(R.r**2)), R.act.nu2, R.r.size, h, d, c_L)
    per_neuron = None if R.beta is None else _gd_per_neuron_plugin(theta, eps2, u, R)
    return _assemble("gd", "plugin", lr_arr, scalar, xi_sq - d, 1.0, h, d, _proj_sq(xi_b, xi_sq), 1.0, edge,
                     None, per_neuron)


def _gd_per_neuron_plugin(theta: np.ndarray, eps2: np.ndarray, u: np.ndarray, R: RealisedDraw) -> np.ndarray:
    """mean_i (w_i0·β + θu_i g·β)² / (‖w_i0 + θu_i g‖² + ε²a_i²d): exact cos² on the rank-one model,
    plus the remainder's squared row norm ε²a_i²d (docs/theory.md §3); vectorised over θ."""
    wb, wg, ww = R.W0 @ R.beta, R.W0 @ R.g, np.einsum("ij,ij->i", R.W0, R.W0)
    t = theta[..., None] * u
    num = (wb + t * (R.g @ R.beta)) ** 2
    den = ww + 2.0 * t * wg + t**2 * (R.g @ R.g) + eps2[..., None] * R.a**2 * R.W0.shape[1]
    return np.mean(num / den, axis=-1)


@finite_result
def adam_plugin(lr: Any, W0: Any, a: Any, X: Any, y: Any, *, beta: Any = None,
                activation: str = "tanh", c_L: float = 2.0) -> OneStepPrediction:
    """One Adam (sign) step, plug-in form (docs/theory.md §4); independent of c_L (validated only).

    ``σ̂_ξ² = mean(r²)ν²/n``, ``m = erf(μ1 g/(√2 σ̂_ξ))``, ``q = ‖m‖²/d``, ``ŝ = sign(a)/√h``,
    ``ξ = W0ᵀŝ + η√h m``, ``v_b = 1 + η²(1 − q)``, ``s̃² = (‖ξ‖² − d v_b)/v_b``; σ1 from the spiked formula
    with variance v_b; ``⟨v1,β⟩² = (1 − hd/s̃⁴)₊⟨ξ/‖ξ‖,β⟩²``; ``⟨u1,a/‖a‖⟩² = ⟨u1,ŝ⟩²·⟨ŝ,a/‖a‖⟩²``.
    """
    lr_arr, scalar = _check_lr(lr)
    check_positive("c_L", c_L)
    R = realise_draw(W0, a, X, y, beta, activation)
    h, d = R.W0.shape
    n = R.r.size
    sig_xi = math.sqrt(float(np.mean(R.r**2)) * R.act.nu2 / n)
    if sig_xi == 0.0:
        raise TheoryArgumentError(f"activation={activation!r}: needs Var σ' > 0 and a nonzero residual")
    m = special.erf(R.act.mu1 * R.g / (math.sqrt(2.0) * sig_xi))
    q = float(m @ m) / d
    s_hat = np.sign(R.a) / math.sqrt(h)
    omega = R.W0.T @ s_hat
    step = lr_arr * math.sqrt(h)
    xi_sq = omega @ omega + 2.0 * step * (omega @ m) + step**2 * (m @ m)
    xi_b = None if R.beta is None else omega @ R.beta + step * (m @ R.beta)
    v_b = 1.0 + lr_arr**2 * (1.0 - q)
    a_factor = float(s_hat @ R.a / np.linalg.norm(R.a)) ** 2
    return _assemble("adam", "plugin", lr_arr, scalar, xi_sq - d * v_b, v_b, h, d, _proj_sq(xi_b, xi_sq),
                     a_factor, np.sqrt(v_b) * (math.sqrt(h) + math.sqrt(d)), np.full(lr_arr.shape, q), None)


@finite_result
def plugin_one_step(optimizer: str, lr: Any, W0: Any, a: Any, X: Any, y: Any, *, beta: Any = None,
                    activation: str = "tanh", c_L: float = 2.0, law: bool = True) -> OneStepPrediction:
    """Plug-in spectrum of W1 after one GD or Adam step from realised W0 (h×d), a (h), X (n×d), y (n).

    Loss ``(c_L/2n)Σ(f − y)²`` (c_L = 2: reference MSE; Adam's sign step ignores c_L). ``beta`` is the
    teacher direction (normalised here); without it ``overlap_beta`` and ``per_neuron_alignment`` are
    None. Formulas: :func:`gd_plugin` (docs/theory.md §3) and :func:`adam_plugin` (§4); above 1.5·η_c they
    match direct simulation to ≤ 0.5 % in σ1 at the default size (docs/theory.md §7). ``law=True``
    (default) also solves the eigenvalue law of the same draw (:func:`theory.plugin_one_step_spectrum`,
    ≈ 0.3–1 s per learning rate at the default size) and takes ``bulk_edge``, the floor of ``sigma1`` and
    Adam's ``overlap_a`` from it (see :class:`OneStepPrediction`); ``law=False``: closed forms alone.
    """
    opt = _check_optimizer(optimizer)
    use_law = check_bool("law", law)
    fn = gd_plugin if opt == "gd" else adam_plugin
    pred = fn(lr, W0, a, X, y, beta=beta, activation=activation, c_L=c_L)
    if not use_law:
        return pred
    laws = plugin_one_step_spectrum(opt, np.ravel(pred.lr), W0, a, X, y, beta=beta, activation=activation,
                                    c_L=c_L)
    return _with_law(pred, laws, np.ndim(lr) == 0)


__dir__ = public_dir(__name__)
