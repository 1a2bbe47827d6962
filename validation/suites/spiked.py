"""Spiked rectangular matrices against the Benaych-Georges–Nadakuditi formulas (suite `spiked`).

``M = W0 + s·u vᵀ`` with W0 h×d iid N(0,1) and unit u, v uniform on their spheres (independent of W0),
for spike strengths s = m·s_c, s_c = (hd)^¼ the BBP threshold, on several shapes. Measured with
``htcore.spectral.top_singular``: σ1, ⟨u1,u⟩², ⟨v1,v⟩²; predicted by ``theory.rmt.spiked_sigma1`` and
``theory.rmt.spiked_overlaps`` (docs/theory.md "Random-matrix anchors").

Tolerances (policy of ``validation.checks``): above threshold the mean error over seeds must be within
``bias + K·scatter/√seeds``, bias 0.3 % in σ1 and 0.01 in the overlaps, the scatter measured on
calibration seeds. The formulas are asymptotic; on the calibration seeds (``mean`` in
validation/calibration.json) their σ1 error at s ≥ 1.5·s_c is −0.03 … +0.22 % at these shapes. The
outlier's own O(1) fluctuation (≈ 0.5 % of σ1 at 5·s_c) is why the quick profile uses 16 seeds: a 1 %
error of the formula must be visible. Below threshold there is no outlier: σ1 must sit at the
Tracy–Widom mean of the null top singular value, ``√h + √d + TW1_MEAN·tw`` (bias one tw for the
subcritical spike's upward push), and the overlaps must be ≤ 0.05 (they vanish asymptotically; at finite
size a subcritical spike leaves O((hd)^−¼)-size overlaps, ≈ 0.03 at 0.8·s_c, 1000×1500).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import theory
from htcore import spectral
from validation.calibration import Calibration
from validation.checks import Check, Judge, SuiteResult
from validation.suites._one_step_common import null_sigma1
from validation.tasks import Profile, Task, sizes_for, task_seed

NAME = "spiked"
#: Matrix shapes (h, d) and check seeds per shape, per profile.
SIZES = {"quick": {"shapes": ((1500, 1000), (1000, 2000)), "seeds": 16},
         "full": {"shapes": ((1500, 1000), (1000, 2000), (2000, 2000)), "seeds": 6}}
#: Spike strengths in units of the BBP threshold s_c = (hd)^¼.
MULTIPLES = (0.5, 0.8, 1.5, 2.0, 3.0, 5.0)
SIGMA1_BIAS = 0.003
OVERLAP_BIAS = 0.01
SUBCRITICAL_OVERLAP_BOUND = 0.05


def simulate(h: int, d: int, seed: int, multiples: list[float]) -> dict:
    """σ1 and squared overlaps of ``W0 + s·u vᵀ`` for s = m·(hd)^¼, one W0, u, v per seed."""
    rng = np.random.default_rng(seed)
    W0 = rng.standard_normal((h, d))
    u, v = (x / np.linalg.norm(x) for x in (rng.standard_normal(h), rng.standard_normal(d)))
    out = []
    for m in multiples:
        s, U, V = spectral.top_singular(W0 + m * (h * d) ** 0.25 * np.outer(u, v), 1)
        out.append({"sigma1": float(s[0]), "left": float(U[:, 0] @ u) ** 2, "right": float(V[:, 0] @ v) ** 2})
    return {"h": h, "d": d, "seed": seed, "records": out}


def describe(sizes: Mapping[str, Any]) -> str:
    """The report header's words for these sizes."""
    return f"shapes {', '.join(f'{h}×{d}' for h, d in sizes['shapes'])} × {sizes['seeds']} seeds"


def plan(profile: Profile, role: str = "check") -> list[Task]:
    """One task per (shape, seed)."""
    sizes = sizes_for(SIZES, profile, NAME)
    return [Task(__name__, "simulate", {"h": h, "d": d, "seed": task_seed(NAME, k * 1000 + i, role),
                                        "multiples": list(MULTIPLES)}, cost=h * d / 1.5e6)
            for k, (h, d) in enumerate(sizes["shapes"]) for i in range(profile.seeds_for(sizes["seeds"], role))]


def _column(outputs: list[dict], i: int, key: str) -> np.ndarray:
    return np.array([o["records"][i][key] for o in outputs])


def _shape_checks(judge: Judge, h: int, d: int, outputs: list[dict]) -> list[Check]:
    tw = theory.rmt.tw_scale(h, d)
    checks = []
    for i, m in enumerate(MULTIPLES):
        at = f"{h}×{d}, s = {m:g}·s_c"
        sigma1 = _column(outputs, i, "sigma1")
        if m < 1.0:
            checks.append(judge.compare(f"σ1 (no outlier), {at}", np.full(sigma1.size, null_sigma1(h, d)), sigma1,
                                        relative=False, bias=tw, reason="TW mean of the null σ1; bias one tw"))
            checks += [judge.bound(f"⟨{side[0]}1,{side[0]}⟩² (no outlier), {at}", _column(outputs, i, key),
                                   SUBCRITICAL_OVERLAP_BOUND, upper=True, reason="vanishes asymptotically (docstring)")
                       for side, key in (("u", "left"), ("v", "right"))]
            continue
        s = m * (h * d) ** 0.25
        left, right = theory.rmt.spiked_overlaps(s, h, d)
        checks.append(judge.compare(f"σ1, {at}", np.full(sigma1.size, theory.rmt.spiked_sigma1(s, h, d)), sigma1,
                                    relative=True, bias=SIGMA1_BIAS, reason="BGN σ1; bias 0.3 %"))
        checks += [judge.compare(f"⟨{side}1,{side}⟩², {at}", np.full(sigma1.size, pred), _column(outputs, i, key),
                                 relative=False, bias=OVERLAP_BIAS, reason="BGN overlap; bias 0.01")
                   for side, key, pred in (("u", "left", left), ("v", "right", right))]
    return checks


def evaluate(profile: Profile, outputs: list[dict], calibration: Calibration) -> SuiteResult:
    """Checks per shape and strength; data: per-shape means for the figure."""
    judge = Judge(NAME, calibration)
    checks, data = [], {"multiples": list(MULTIPLES), "shapes": []}
    for h, d in sizes_for(SIZES, profile, NAME)["shapes"]:
        mine = [o for o in outputs if (o["h"], o["d"]) == (h, d)]
        checks += _shape_checks(judge, h, d, mine)
        data["shapes"].append({"h": h, "d": d, "per_seed": mine})
    return SuiteResult(name=NAME, checks=checks, data=data)


def figures(data: Mapping[str, dict]) -> dict[str, Figure]:
    """The report's figure of this suite, from its data (``data[NAME]``)."""
    return {"spiked.png": fig_spiked(data[NAME])} if NAME in data else {}


def fig_spiked(data: dict) -> Figure:
    """σ1/edge and both overlaps vs s/s_c per shape, with the BGN curves."""
    fig = Figure(figsize=(11, 4.5))
    ax1, ax2 = fig.subplots(1, 2)
    dense = np.linspace(0.3, 5.5, 200)
    for k, shape in enumerate(data["shapes"]):
        h, d = shape["h"], shape["d"]
        s_c, edge = (h * d) ** 0.25, math.sqrt(h) + math.sqrt(d)
        recs = np.array([[[r["sigma1"], r["left"], r["right"]] for r in o["records"]] for o in shape["per_seed"]])
        mean, m = recs.mean(axis=0), np.array(data["multiples"])
        color = f"C{k}"
        ax1.plot(dense, theory.rmt.spiked_sigma1(dense * s_c, h, d) / edge, color=color, label=f"{h}×{d} BGN")
        ax1.plot(m, mean[:, 0] / edge, "o", color=color, ms=4)
        left, right = theory.rmt.spiked_overlaps(dense * s_c, h, d)
        ax2.plot(dense, left, color=color, label=f"{h}×{d} ⟨u1,u⟩²")
        ax2.plot(dense, right, color=color, ls="--", label=f"{h}×{d} ⟨v1,v⟩²")
        ax2.plot(m, mean[:, 1], "o", color=color, ms=4)
        ax2.plot(m, mean[:, 2], "s", color=color, ms=4, mfc="none")
    ax1.set(xlabel="s / s_c", ylabel="σ1 / (√h + √d)", title="spiked matrices: top singular value")
    ax2.set(xlabel="s / s_c", ylabel="squared overlap", title="spiked matrices: overlaps (markers: simulated)")
    for ax in (ax1, ax2):
        ax.axvline(1.0, color="grey", lw=0.8, ls=":")
        ax.legend(fontsize=7)
    return fig
