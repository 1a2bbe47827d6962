"""Learning-rate scales: when is one update as large as W0? (suite `scales`, docs/theory.md "Learning-rate scales").

For several seeds at the profile's size, the engine's first GD update ``ΔW = −ηG`` and first Adam update
``ΔW = −ηG/(|G| + ε)`` (``validation.onestep``) are both exactly linear in η, so the ratios
``‖ΔW‖_op/‖W0‖_op`` and ``‖ΔW‖_F/‖W0‖_F`` are ``η/η̂`` with measured crossover scales
``η̂ = ‖W0‖/‖ΔW(η = 1)‖`` (operator: ``htcore.spectral.top_singular``; Frobenius). They are compared with
``theory.scales.lr_scales`` (with the seed's realised A): GD ``η_op = Θ(d)``, ``η_F = Θ(d^{3/2})``; Adam
``η_op = Θ(d^{−½})``, ``η_F = 1``.

Tolerances (policy of ``validation.core``): mean relative error over seeds within ``bias + K·scatter/√seeds``,
bias 1 % — the rank-one-plus-remainder approximation of the gradient's size for the operator norms and
GD's Frobenius norm; for Adam's Frobenius norm the ε = 1e-8 softening of the sign step (|G_ij| ≈ 1e-5, so
≈ 0.6 %, docs/model.md "Optimisers").
"""

from __future__ import annotations

import sys

import numpy as np

import theory
from htcore import spectral
from theory.scales import lr_scales
from validation.core import Calibration, Check, Judge, Profile, SuiteResult, Task, task_seed
from validation.onestep import draw, sizes, step

NAME = "scales"
NORMS = ("operator", "frobenius")
APPROX_BIAS = 0.01


def _norms(M: np.ndarray) -> dict[str, float]:
    return {"operator": float(spectral.top_singular(M, 1)[0][0]), "frobenius": float(np.linalg.norm(M))}


def simulate(d: int, seed: int) -> dict:
    """Measured and predicted crossover learning rates of both optimizers for one seed."""
    s = draw(d, seed)
    w0 = _norms(s.W0)
    A = float(s.a @ s.a) / s.a.size
    out: dict = {"seed": seed}
    for optimizer in theory.one_step.OPTIMIZERS:
        delta = _norms(step(s, optimizer, 1.0) - s.W0)
        predicted = lr_scales(optimizer, **sizes(d), readout_A=A)
        out[optimizer] = {norm: {"measured": w0[norm] / delta[norm], "predicted": getattr(predicted, norm)}
                          for norm in NORMS}
    return out


def plan(profile: Profile, role: str = "check") -> list[Task]:
    """One task per seed at the profile's size."""
    return [Task("scales", "simulate", {"d": profile.d, "seed": task_seed(NAME, i, role)})
            for i in range(profile.seeds_for("seeds", role))]


def evaluate(profile: Profile, outputs: list[dict], calibration: Calibration) -> SuiteResult:
    """One check per (optimizer, norm); data: per-seed crossovers for the norm-ratio figure."""
    judge = Judge(NAME, calibration)
    checks: list[Check] = []
    data: dict = {"d": profile.d}
    for optimizer in theory.one_step.OPTIMIZERS:
        for norm in NORMS:
            measured = np.array([o[optimizer][norm]["measured"] for o in outputs])
            predicted = np.array([o[optimizer][norm]["predicted"] for o in outputs])
            checks.append(judge.compare(f"{optimizer}: η at ‖ΔW‖_{norm[:2]} = ‖W0‖_{norm[:2]}", predicted, measured,
                                        relative=True, bias=APPROX_BIAS, reason="theory.scales.lr_scales; bias 1 %"))
            data.setdefault(optimizer, {})[norm] = {"measured": measured.tolist(), "predicted": predicted.tolist()}
    return SuiteResult(name=NAME, checks=checks, data=data)


if __name__ == "__main__":
    from validation.cli import suite_main

    sys.exit(suite_main(NAME))
