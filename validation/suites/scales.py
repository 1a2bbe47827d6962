"""Learning-rate scales: when is one update as large as W0? (suite `scales`, docs/theory.md "Learning-rate scales").

For several seeds at the profile's size, the engine's first GD update ``ΔW = −ηG`` and first Adam update
``ΔW = −ηG/(|G| + ε)`` (``validation.suites._one_step_common``) are both exactly linear in η, so the ratios
``‖ΔW‖_op/‖W0‖_op`` and ``‖ΔW‖_F/‖W0‖_F`` are ``η/η̂`` with measured crossover scales
``η̂ = ‖W0‖/‖ΔW(η = 1)‖`` (operator: ``htcore.spectral.top_singular``; Frobenius). They are compared with
``theory.scales.lr_scales`` (with the seed's realised A): GD ``η_op = Θ(d)``, ``η_F = Θ(d^{3/2})``; Adam
``η_op = Θ(d^{−½})``, ``η_F = 1``.

Tolerances (policy of ``validation.checks``): mean relative error over seeds within ``bias + K·scatter/√seeds``,
bias 1 % — the rank-one-plus-remainder approximation of the gradient's size for the operator norms and
GD's Frobenius norm; for Adam's Frobenius norm the ε = 1e-8 softening of the sign step (|G_ij| ≈ 1e-5, so
≈ 0.6 %, docs/model.md "Optimisers").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import theory
from htcore import spectral
from theory.scales import lr_scales
from validation.calibration import Calibration
from validation.checks import Check, Judge, SuiteResult
from validation.suites._one_step_common import draw, sizes, step
from validation.tasks import Profile, Task, sizes_for, task_seed

NAME = "scales"
#: Size d (h = 3d/2, n = 2d) and check seeds per profile.
SIZES = {"quick": {"d": 1000, "seeds": 4}, "full": {"d": 1000, "seeds": 8}}
NORMS = ("operator", "frobenius")
APPROX_BIAS = 0.01


def _norms(M: np.ndarray) -> dict[str, float]:
    return {"operator": float(spectral.top_singular(M, 1)[0][0]), "frobenius": float(np.linalg.norm(M))}


def simulate(d: int, seed: int) -> dict:
    """Measured and predicted crossover learning rates of both optimizers for one seed."""
    s = draw(d, seed)
    w0 = _norms(s.W0)
    scale = math.sqrt(float(s.a @ s.a) / s.a.size)  # RMS of the realised readout, √A
    out: dict = {"seed": seed}
    for optimizer in theory.one_step.OPTIMIZERS:
        delta = _norms(step(s, optimizer, 1.0) - s.W0)
        predicted = lr_scales(optimizer, **sizes(d), readout_scale=scale)
        out[optimizer] = {norm: {"measured": w0[norm] / delta[norm], "predicted": getattr(predicted, norm)}
                          for norm in NORMS}
    return out


def describe(sizes: Mapping[str, Any]) -> str:
    """The report header's words for these sizes."""
    return f"d = {sizes['d']} × {sizes['seeds']} seeds"


def plan(profile: Profile, role: str = "check") -> list[Task]:
    """One task per seed at the suite's size."""
    s = sizes_for(SIZES, profile, NAME)
    return [Task(__name__, "simulate", {"d": s["d"], "seed": task_seed(NAME, i, role)})
            for i in range(profile.seeds_for(s["seeds"], role))]


def evaluate(profile: Profile, outputs: list[dict], calibration: Calibration) -> SuiteResult:
    """One check per (optimizer, norm); data: per-seed crossovers for the norm-ratio figure."""
    judge = Judge(NAME, calibration)
    checks: list[Check] = []
    data: dict = {"d": sizes_for(SIZES, profile, NAME)["d"]}
    for optimizer in theory.one_step.OPTIMIZERS:
        for norm in NORMS:
            measured = np.array([o[optimizer][norm]["measured"] for o in outputs])
            predicted = np.array([o[optimizer][norm]["predicted"] for o in outputs])
            checks.append(judge.compare(f"{optimizer}: η at ‖ΔW‖_{norm[:2]} = ‖W0‖_{norm[:2]}", predicted, measured,
                                        relative=True, bias=APPROX_BIAS, reason="theory.scales.lr_scales; bias 1 %"))
            data.setdefault(optimizer, {})[norm] = {"measured": measured.tolist(), "predicted": predicted.tolist()}
    return SuiteResult(name=NAME, checks=checks, data=data)


def figures(data: Mapping[str, dict]) -> dict[str, Figure]:
    """The report's figure of this suite, from its data (``data[NAME]``)."""
    return {"norm_ratios.png": fig_norm_ratios(data[NAME])} if NAME in data else {}


def fig_norm_ratios(data: dict) -> Figure:
    """‖ΔW‖/‖W0‖ (operator and Frobenius) vs η for GD and Adam, measured and predicted."""
    fig = Figure(figsize=(11, 4.5))
    for ax, opt in zip(fig.subplots(1, 2), ("gd", "adam")):
        scales = [data[opt][norm] for norm in ("operator", "frobenius")]
        lo = min(min(s["measured"]) for s in scales) / 30
        eta = np.geomspace(lo, 30 * max(max(s["measured"]) for s in scales), 100)
        for k, (norm, s) in enumerate(zip(("operator", "frobenius"), scales)):
            measured, predicted = np.mean(s["measured"]), np.mean(s["predicted"])
            ax.loglog(eta, eta / measured, color=f"C{k}", label=f"‖ΔW‖/‖W0‖ {norm} (simulated)")
            ax.loglog(eta, eta / predicted, color=f"C{k}", ls="--", label=f"{norm} theory")
            ax.axvline(predicted, color=f"C{k}", lw=0.8, ls=":")
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.set(xlabel="η", ylabel="‖ΔW‖ / ‖W0‖", title=f"{opt.upper()}: update size vs W0, d = {data['d']}")
        ax.legend(fontsize=7)
    return fig
