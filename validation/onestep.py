"""One simulated GD or Adam step of the reference model, measured and predicted side by side.

Model (reference-model §1–§3, theory-notes §3–§4): W0 h×d N(0,1), frozen a ~ N(0, I_h),
``f(x) = aᵀtanh(Wx/√d)/√h``, labels ``y = softplus(βᵀx) + N(0, 0.3²)``, loss MSE **without ½**
(``L = (1/n)Σ(f − y)²``, i.e. c_L = 2 in the theory's ``(c_L/2n)Σ`` convention). Sizes are tied to d:
``h = 3d/2``, ``n = 2d`` (the default 1500/1000/2000 at d = 1000).

The step is built with the engine: ``htcore.make_problem`` draws the seed's problem, one exact gradient
``G = htcore.kernels.loss_and_grad(W0, a, X, y)``; GD: ``W1 = W0 − ηG``; Adam: the engine's own first
Adam update (``htcore.optim.Optimizer``, PyTorch semantics, ε = 1e-8 kept exact), which is
``W1 = W0 − ηG/(|G| + ε)``. The gradient does not depend on η, so one seed serves a whole η grid.

Measured per η: σ1, σ2 (``htcore.spectral.top_singular``), ⟨v1,β⟩², ⟨u1,a/‖a‖⟩², the per-neuron alignment
mean_i cos²(w_i, β), and for Adam the signal fraction ``q̂ = ‖ΔWᵀŝ‖²/(η²hd) − (1 − q̂)/h`` (ŝ = sign(a)/√h;
``ΔW = η(√h ŝ mᵀ + N)`` gives ``‖ΔWᵀŝ‖² = η²(h‖m‖² + ‖Nᵀŝ‖²)``, theory-notes §4). Predicted per η:
``theory.plugin_one_step`` on the same W0, a, X, y, β, and ``theory.predict_one_step`` with the seed's
realised ``A = ‖a‖²/h`` and ``ā = ‖a‖₁/h``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import theory
from htcore import Config, make_problem, spectral
from htcore.kernels import loss_and_grad
from htcore.optim import Optimizer
from validation.core import Check, Profile, SuiteResult, Task, bound, compare, mean_sd, task_seed

#: Fields compared between simulation and theory (theory's OneStepPrediction attribute names).
PREDICTED = ("sigma1", "bulk_edge", "overlap_beta", "overlap_a", "per_neuron_alignment", "signal_fraction")


def sizes(d: int) -> dict[str, int]:
    """The default aspect ratios at input dimension d: ``h = 3d/2``, ``n = 2d``."""
    return {"n": 2 * d, "d": d, "h": 3 * d // 2}


def bbp_lr(optimizer: str, d: int) -> float:
    """Asymptotic BBP learning rate at size d (A = 1, c_L = 2; theory-notes §3, §4)."""
    return theory.bbp_lr(optimizer, **sizes(d))


@dataclass(frozen=True)
class Seed:
    """One seed's problem and exact first gradient."""

    W0: np.ndarray
    a: np.ndarray
    X: np.ndarray
    y: np.ndarray
    beta: np.ndarray
    G: np.ndarray


def draw(d: int, seed: int) -> Seed:
    """The seed's problem at size d (engine seeding) and its exact gradient G = ∇_W L(W0)."""
    p = make_problem(Config(**sizes(d), seed=seed))
    _, G = loss_and_grad(p.W0, p.a, p.X, p.y)
    return Seed(W0=p.W0, a=p.a, X=p.X, y=p.y, beta=p.beta, G=G)


def step(s: Seed, optimizer: str, lr: float) -> np.ndarray:
    """W1 after one step of the engine's GD (W0 − ηG) or first Adam update from W0."""
    if optimizer == "gd":
        return s.W0 - lr * s.G
    W = s.W0.copy()
    Optimizer(Config(optimizer="adam", lr=lr), W.shape, W.dtype).step(W, s.G, 1)
    return W


def measure(s: Seed, optimizer: str, lr: float) -> dict[str, float]:
    """Measured spectrum and alignments of W1 (see the module docstring)."""
    W1 = step(s, optimizer, lr)
    sv, U, V = spectral.top_singular(W1, 2)
    rows = np.einsum("ij,ij->i", W1, W1)
    out = {
        "sigma1": float(sv[0]),
        "sigma2": float(sv[1]),
        "overlap_beta": float(V[:, 0] @ s.beta) ** 2,
        "overlap_a": float(U[:, 0] @ s.a) ** 2 / float(s.a @ s.a),
        "per_neuron_alignment": float(np.mean((W1 @ s.beta) ** 2 / rows)),
    }
    if optimizer == "adam":
        h, d = W1.shape
        s_hat = np.sign(s.a) / math.sqrt(h)
        proj = (W1 - s.W0).T @ s_hat
        raw = float(proj @ proj) / (lr * lr * h * d)
        out["signal_fraction"] = (raw - 1.0 / h) / (1.0 - 1.0 / h)
    return out


def _fields(p: theory.OneStepPrediction, i: int) -> dict[str, float]:
    values = {k: getattr(p, k) for k in PREDICTED}
    return {k: float(np.asarray(v)[i]) for k, v in values.items() if v is not None}


def predict(s: Seed, optimizer: str, lrs: np.ndarray) -> tuple[list[dict], list[dict]]:
    """Plug-in and asymptotic (realised A, ā) predictions for every η in `lrs`."""
    h, d = s.W0.shape
    plug = theory.plugin_one_step(optimizer, lrs, s.W0, s.a, s.X, s.y, beta=s.beta)
    asym = theory.predict_one_step(optimizer, lrs, n=s.X.shape[0], d=d, h=h,
                                   readout_A=float(s.a @ s.a) / h, readout_abar=float(np.abs(s.a).mean()))
    return [_fields(plug, i) for i in range(lrs.size)], [_fields(asym, i) for i in range(lrs.size)]


def simulate(d: int, seed: int, grid: dict[str, list[float]]) -> dict:
    """One seed at size d; for each optimizer in `grid`, over η = multiple·η_c: the measured values,
    plug-in and asymptotic predictions (lists aligned with the multiples)."""
    s = draw(d, seed)
    out: dict = {"seed": seed, "A": float(s.a @ s.a) / s.W0.shape[0]}
    for optimizer, multiples in grid.items():
        lrs = np.asarray(multiples, dtype=float) * bbp_lr(optimizer, d)
        plug, asym = predict(s, optimizer, lrs)
        out[optimizer] = {"lr": lrs.tolist(), "sim": [measure(s, optimizer, float(lr)) for lr in lrs],
                          "plugin": plug, "asymptotic": asym}
    return out


# --------------------------------------------------------------------------- tolerances

#: Size at which the tolerances below were measured (theory-notes §7, tests/theory).
REF_D = 1000


def size_factor(d: int) -> float:
    """``√(REF_D/d)``: outlier and overlap fluctuations are O(1) in σ1 (CLT for the outlier), so relative
    errors of σ1 and absolute errors of overlaps shrink like 1/√d; the f0 fluctuations behind the
    asymptotic scatter (relative sd √(2/d) of ‖W0ᵀa‖²/(‖a‖²d), tests/theory) shrink the same way."""
    return math.sqrt(REF_D / d)


def asymptotic_tolerance(sd_ref: float, d: int, seeds: int, bias: float) -> float:
    """Tolerance on ``|mean error|`` over seeds of an asymptotic form: three standard errors of the
    seed-to-seed scatter (``sd_ref`` measured at REF_D, scaled by :func:`size_factor`) plus a
    finite-size bias allowance ``bias``."""
    return 3.0 * sd_ref * size_factor(d) / math.sqrt(seeds) + bias


def sample_tolerance(errors: np.ndarray, bias: float) -> float:
    """Tolerance on ``|mean error|`` when no prior scatter measurement exists: three standard errors of
    the seeds' own errors plus a bias allowance."""
    return 3.0 * float(np.std(errors, ddof=1)) / math.sqrt(errors.size) + bias


# --------------------------------------------------------------------------- one-step grid suites

#: Learning rates of the one-step suites, in units of the asymptotic BBP rate η_c (issue 7: 0.5 to 30).
MULTIPLES = (0.5, 1.5, 3.0, 6.0, 12.0, 30.0)
#: Seed-to-seed sd of the asymptotic σ1 error at REF_D (ten default-size seeds, tests/theory): GD, Adam.
ASYM_SIGMA1_SD = {"gd": 0.025, "adam": 0.009}
#: Same for ⟨v1,β⟩² (both optimizers, tests/theory).
ASYM_OVERLAP_SD = 0.02
#: Plug-in tolerances at REF_D (issue 7; theory-notes §7 measured 0.1–0.5 % and ≤ 0.007).
#: Measured by ``--full`` (d = 1000, 8 seeds): GD's worst seed 0.9 % at 1.5·η_c, ≤ 0.45 % from 3·η_c;
#: Adam's plug-in σ1 at 1.5·η_c is low on every seed (−0.65 … −1.21 %, mean −0.93 %; −0.7 … −1.1 % at
#: d = 500), so that row fails the 1 % bound — a real near-threshold bias of the Adam plug-in, cause not
#: established (a candidate: its iid bulk ignores the sign noise's column variances 1 − m_j²); from
#: 3·η_c on it is within 0.4 %.
PLUGIN_SIGMA1_TOL = 0.01
PLUGIN_OVERLAP_TOL = 0.02
#: Bias allowances of the asymptotic forms: the plug-in-level finite-size error (0.5 % in σ1, 0.005 in overlaps).
ASYM_SIGMA1_BIAS = 0.005
ASYM_OVERLAP_BIAS = 0.005
#: Largest multiple of η_c at which the bulk is still the iid MP bulk of variance v_b (beyond it the
#: predicted edge is a documented underestimate: ≈ 8 % for GD at 16·η_c, theory-notes §3).
BULK_VALID_MAX = 6.0


def grid_tasks(module_suite: str, optimizer: str, profile: Profile) -> list[Task]:
    """One task per seed at the profile's size over :data:`MULTIPLES`."""
    return [Task("onestep", "simulate", {"d": profile.d, "seed": task_seed(module_suite, i),
                                         "grid": {optimizer: list(MULTIPLES)}})
            for i in range(profile.seeds)]


def per_seed(outputs: list[dict], optimizer: str, form: str, key: str) -> np.ndarray:
    """Array (seeds × multiples) of one quantity of one form ("sim", "plugin", "asymptotic")."""
    return np.array([[rec[key] for rec in out[optimizer][form]] for out in outputs], dtype=float)


def _below_threshold_checks(optimizer: str, d: int, outputs: list[dict], i: int, m: float) -> list[Check]:
    h = sizes(d)["h"]
    edge, tw = math.sqrt(h) + math.sqrt(d), theory.rmt.tw_scale(h, d)
    sigma1 = per_seed(outputs, optimizer, "sim", "sigma1")[:, i]
    null_mean = edge + theory.rmt.TW1_MEAN * tw
    return [
        compare(f"σ1 below threshold, η = {m:g}·η_c", np.full(sigma1.size, null_mean), sigma1,
                3.0 * theory.rmt.TW1_STD * tw / math.sqrt(sigma1.size) + tw, relative=False, worst=False,
                reason="no outlier: σ1 is the MP edge plus Tracy–Widom (mean TW1_MEAN·tw); tolerance 3 standard "
                       "errors of TW1 plus one TW scale for the subcritical spike's upward push"),
        bound(f"⟨v1,β⟩² below threshold, η = {m:g}·η_c", per_seed(outputs, optimizer, "sim", "overlap_beta")[:, i],
              PLUGIN_OVERLAP_TOL * size_factor(d), upper=True,
              reason="no outlier ⇒ no alignment (asymptotically 0); bound = the plug-in overlap tolerance"),
    ]


def _spiked_checks(optimizer: str, d: int, outputs: list[dict], i: int, m: float) -> list[Check]:
    f, seeds = size_factor(d), len(outputs)

    def col(form: str, key: str) -> np.ndarray:
        return per_seed(outputs, optimizer, form, key)[:, i]

    at = f"η = {m:g}·η_c"
    checks = [
        compare(f"σ1 plug-in, {at}", col("plugin", "sigma1"), col("sim", "sigma1"), PLUGIN_SIGMA1_TOL * f,
                relative=True, worst=True, reason="issue 7: 1 % at d = 1000 (notes §7: 0.1–0.5 %), × √(1000/d)"),
        compare(f"σ1 asymptotic, {at}", col("asymptotic", "sigma1"), col("sim", "sigma1"),
                asymptotic_tolerance(ASYM_SIGMA1_SD[optimizer], d, seeds, ASYM_SIGMA1_BIAS), relative=True,
                worst=False, reason=f"3 SE of the f0 scatter (sd {ASYM_SIGMA1_SD[optimizer]:.1%} at d = 1000, "
                                    "tests/theory) + 0.5 % finite-size bias"),
        compare(f"⟨v1,β⟩² plug-in, {at}", col("plugin", "overlap_beta"), col("sim", "overlap_beta"),
                PLUGIN_OVERLAP_TOL * f, relative=False, worst=True,
                reason="issue 7: 0.02 at d = 1000 (notes §7: ≤ 0.007), × √(1000/d)"),
        compare(f"⟨v1,β⟩² asymptotic, {at}", col("asymptotic", "overlap_beta"), col("sim", "overlap_beta"),
                asymptotic_tolerance(ASYM_OVERLAP_SD, d, seeds, ASYM_OVERLAP_BIAS), relative=False, worst=False,
                reason="3 SE of the f0 scatter (sd 0.02 at d = 1000, tests/theory) + 0.005 bias"),
        _sigma2_check(col("plugin", "bulk_edge"), col("sim", "sigma2"), m, d),
    ]
    return checks + _overlap_a_checks(optimizer, col, at, f, m)


def _sigma2_check(edge: np.ndarray, sigma2: np.ndarray, m: float, d: int) -> Check:
    name = f"σ2 vs predicted bulk edge, η = {m:g}·η_c"
    if m <= BULK_VALID_MAX:
        return compare(name, edge, sigma2, 0.02, relative=True, worst=True,
                       reason="σ2 is the bulk top: within Tracy–Widom reach (≈ 1.2 tw ≈ 0.5 %) of the edge; 2 %")
    over = (edge - sigma2) / sigma2
    return Check(name=name, prediction=float(edge.mean()), sim_mean=mean_sd(sigma2)[0], sim_sd=mean_sd(sigma2)[1],
                 error=float(over.max()), tolerance=0.01, error_kind="max (pred−sim)/sim",
                 reason=f"beyond {BULK_VALID_MAX:g}·η_c the iid-bulk edge is a known underestimate (notes §3: ≈ 8 % "
                        "for GD at 16·η_c; Adam's sign noise is not iid): only checked not to overshoot (1 %)")


Column = Callable[[str, str], np.ndarray]  # (form, quantity) → values over seeds at one η


def _overlap_a_checks(optimizer: str, col: Column, at: str, f: float, m: float) -> list[Check]:
    sim = col("sim", "overlap_a")
    if optimizer == "gd":
        return [compare(f"⟨u1,a⟩² plug-in, {at}", col("plugin", "overlap_a"), sim, PLUGIN_OVERLAP_TOL * f,
                        relative=False, worst=True, reason="as ⟨v1,β⟩² (tests/theory: within 0.02)"),
                compare(f"⟨u1,a⟩² asymptotic, {at}", col("asymptotic", "overlap_a"), sim,
                        sample_tolerance(col("asymptotic", "overlap_a") - sim, ASYM_OVERLAP_BIAS), relative=False,
                        worst=False, reason="3 SE of the seeds' own errors + 0.005 bias"),
                compare(f"per-neuron cos²(w_i,β) plug-in, {at}", col("plugin", "per_neuron_alignment"),
                        col("sim", "per_neuron_alignment"), 0.05, relative=True, worst=True,
                        reason="tests/theory: within 5 % (the remainder's row norms are approximated)"),
                _per_neuron_asymptotic(col, at)]
    if m < BULK_VALID_MAX:
        return []
    return [compare(f"⟨u1,a⟩² plug-in, {at}", col("plugin", "overlap_a"), sim, 0.05 * f, relative=False, worst=True,
                    reason="Adam's ⟨u1,ŝ⟩²⟨ŝ,a/‖a‖⟩² is crude (the sign noise is not isotropic): 0.03–0.04 high at "
                           "6·η_c (tests/theory), 0.06–0.1 high below 6·η_c, which is therefore not checked")]


def _per_neuron_asymptotic(col: Column, at: str) -> Check:
    pred, sim = col("asymptotic", "per_neuron_alignment"), col("sim", "per_neuron_alignment")
    return compare(f"per-neuron cos²(w_i,β) asymptotic, {at}", pred, sim,
                   sample_tolerance((pred - sim) / sim, 0.02), relative=True, worst=False,
                   reason="3 SE of the seeds' own relative errors + 2 % (plug-in-level) bias")


def _signal_fraction_checks(d: int, outputs: list[dict]) -> list[Check]:
    def col(form: str) -> np.ndarray:
        return per_seed(outputs, "adam", form, "signal_fraction")[:, 0]

    sim = col("sim")
    return [
        compare("q plug-in", col("plugin"), sim, 0.01 * size_factor(d), relative=False, worst=True,
                reason="q̂ = ‖ΔWᵀŝ‖²/(η²hd) corrected for the noise's (1−q)/h; erf model of E sign(G): 0.01 × √(1000/d)"),
        compare("q asymptotic", col("asymptotic"), sim, sample_tolerance(col("asymptotic") - sim, 0.005),
                relative=False, worst=False, reason="3 SE of the seeds' own errors (f0 scatter) + 0.005 bias"),
    ]


def evaluate_grid(name: str, optimizer: str, profile: Profile, outputs: list[dict]) -> SuiteResult:
    """Checks of a one-step suite (see the tolerance constants above for the reasons)."""
    d = profile.d
    checks: list[Check] = []
    for i, m in enumerate(MULTIPLES):
        checks += (_below_threshold_checks if m < 1.0 else _spiked_checks)(optimizer, d, outputs, i, m)
    if optimizer == "adam":
        checks += _signal_fraction_checks(d, outputs)
    return SuiteResult(name=name, checks=checks, data=grid_data(optimizer, d, outputs))


def grid_data(optimizer: str, d: int, outputs: list[dict]) -> dict:
    """Means and sds per multiple of every measured and predicted quantity, plus dense asymptotic curves
    (A = 1) for the figures, and the raw per-seed outputs."""
    keys = ("sigma1", "sigma2", "overlap_beta", "overlap_a")
    summary = {form: {k: per_seed(outputs, optimizer, form, k).mean(axis=0).tolist()
                      for k in keys if k in outputs[0][optimizer][form][0]}
               for form in ("sim", "plugin", "asymptotic")}
    summary["sim_sd"] = {k: per_seed(outputs, optimizer, "sim", k).std(axis=0, ddof=1).tolist() for k in keys}
    eta_c = bbp_lr(optimizer, d)
    dense = np.geomspace(0.3, 40.0, 120)
    curve = theory.predict_one_step(optimizer, dense * eta_c, **sizes(d))
    return {"optimizer": optimizer, "d": d, "eta_c": eta_c, "multiples": list(MULTIPLES), **summary,
            "curve": {"multiple": dense.tolist(), "sigma1": curve.sigma1.tolist(),
                      "overlap_beta": curve.overlap_beta.tolist(), "overlap_a": curve.overlap_a.tolist(),
                      "bulk_edge": curve.bulk_edge.tolist()},
            "per_seed": outputs}


def grid_suite(name: str, optimizer: str) -> tuple[Callable[[Profile], list[Task]],
                                                   Callable[[Profile, list[dict]], SuiteResult]]:
    """``(plan, evaluate)`` of the one-step suite `name` for `optimizer` (one task per seed at size d)."""
    def plan(profile: Profile) -> list[Task]:
        return grid_tasks(name, optimizer, profile)

    def evaluate(profile: Profile, outputs: list[dict]) -> SuiteResult:
        return evaluate_grid(name, optimizer, profile, outputs)

    return plan, evaluate
