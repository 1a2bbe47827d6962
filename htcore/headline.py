"""The reproduction's headline numbers beside the paper's (arXiv 2406.04657 and its published code).

    htcore reproduce --table [--out DIR]

reads the sweep directories an earlier `htcore reproduce` wrote into DIR (default runs/reproduce) and
prints a Markdown table, one row per headline number of each family: the value the paper states or its
published code prints (one or two seeds at the default size; sanity ranges, not exact targets), htcore's
mean ± sd over the repeats, and whether htcore's value agrees with that statement. Rows whose family was
not run are left out. The statements compared (docs/model.md §8 lists the experiments):

- single run (Adam η = 1, n = 2000): α_Hill per step 2.447, 2.327, 2.166, 2.036, 1.966, 1.918, 1.884,
  1.861, 1.846, 1.832, 1.823 (steps 0–10, the published code);
- learning-rate sweep: after 10 steps α_Hill falls below ≈ 2.2 only for GD η ≥ 2000 and Adam η ≥ 1;
  between the one-step spike threshold and that, a spike forms but the bulk keeps α_Hill ≈ 2.44;
- vary n: a larger n gives a milder decrease (n = 8000 → α_Hill ≈ 1.93 after 10 steps);
- vary λ: λ is the ridge readout's penalty only, so training — and α_Hill — do not depend on it;
- weight normalisation (Adam η = 1): α_Hill ≈ 1.63 and sim < 0.05 after 10 steps;
- label noise and step decay: the paper shows figures only; their final α_Hill and sim are listed
  without a number to compare (the "agrees" column says so).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from htcore.results import SweepData, load_sweep, step_curves
from theory.display import public_dir

__all__ = ["APPROX", "HEADLINES", "PAPER_ALPHA_BY_N", "PUBLISHED_ALPHA", "headline_rows", "headline_table"]

#: α_Hill per step of the published code, Adam η = 1, n = 2000 (steps 0 … 10).
PUBLISHED_ALPHA = (2.447, 2.327, 2.166, 2.036, 1.966, 1.918, 1.884, 1.861, 1.846, 1.832, 1.823)
#: Agreement allowed for a number the paper states from one or two seeds ("≈ x").
APPROX = 0.05


def _fmt(mean: float, sd: float) -> str:
    if math.isnan(mean):
        return "–"
    return f"{mean:.3f}" if math.isnan(sd) else f"{mean:.3f} ± {sd:.3f}"


def _final(data: SweepData, metric: str, **where) -> dict[tuple, tuple[float, float]]:
    """Final-probe (mean, sd) of `metric` per grid point matching `where`."""
    return {point: (float(mean[-1]), float(sd[-1]))
            for point, (_, mean, sd) in step_curves(data, metric, **where).items()}


def _intended(data: SweepData) -> dict[str, str]:
    """Filter on the intended evaluation scaling when the sweep varies it (training is the same)."""
    return {"eval_scaling": "intended"} if "eval_scaling" in data.grid else {}


def _row(family: str, quantity: str, paper: str, mean: float, sd: float, agrees: bool | None) -> dict:
    verdict = "–" if agrees is None else ("yes" if agrees else "**no**")
    return {"family": family, "quantity": quantity, "paper": paper, "htcore": _fmt(mean, sd), "agrees": verdict}


def _single_run(data: SweepData) -> list[dict]:
    curves = step_curves(data, "alpha_hill", **_intended(data))
    (steps, mean, sd), = curves.values()
    rows = []
    for t in (0, 1, 2, 5, 10):
        if t not in steps:
            continue
        i = int(np.flatnonzero(steps == t)[0])
        rows.append(_row("single_run", f"α_Hill at step {t} (Adam η = 1)", f"{PUBLISHED_ALPHA[t]:.3f}",
                         float(mean[i]), float(sd[i]), abs(mean[i] - PUBLISHED_ALPHA[t]) <= APPROX))
    return rows


def _lr_sweep(data: SweepData) -> list[dict]:
    rows = []
    for point, (mean, sd) in _final(data, "alpha_hill", **_intended(data)).items():
        values = dict(zip(data.grid, point))
        optimizer, lr = values["optimizer"], values["lr"]
        heavy = (optimizer == "gd" and lr >= 2000) or (optimizer == "adam" and lr >= 1)
        spiked_only = (optimizer == "gd" and 1000 <= lr < 2000) or (optimizer == "adam" and 0.1 <= lr < 1)
        if heavy:
            rows.append(_row("lr_sweep", f"final α_Hill, {optimizer} η = {lr:g}", "< 2.2", mean, sd, mean < 2.2))
        elif spiked_only:
            rows.append(_row("lr_sweep", f"final α_Hill, {optimizer} η = {lr:g}", "≈ 2.44", mean, sd,
                             abs(mean - 2.44) <= APPROX))
    return rows


#: Final α_Hill the paper or its code gives per n (Adam η = 1): label and value.
PAPER_ALPHA_BY_N = {2000: ("1.823", PUBLISHED_ALPHA[-1]), 8000: ("≈ 1.93", 1.93)}


def _vary_n(data: SweepData) -> list[dict]:
    final = _final(data, "alpha_hill")
    rows = []
    for (n,), (mean, sd) in final.items():
        label, value = PAPER_ALPHA_BY_N.get(n, ("", None))
        rows.append(_row("vary_n", f"final α_Hill, n = {n}", label, mean, sd,
                         None if value is None else abs(mean - value) <= APPROX))
    means = [mean for (_,), (mean, _) in sorted(final.items())]
    rows.append(_row("vary_n", "final α_Hill increases with n", "milder decrease for larger n",
                     math.nan, math.nan, bool(np.all(np.diff(means) > 0))))
    return rows


def _vary_lambda(data: SweepData) -> list[dict]:
    curves = step_curves(data, "alpha_hill")
    stacked = np.stack([mean for _, mean, _ in curves.values()])
    spread = float(np.max(stacked.max(axis=0) - stacked.min(axis=0)))
    rows = [_row("vary_lambda", f"final α_Hill, λ = {lam:g}", "", float(mean[-1]), float(sd[-1]), None)
            for (lam,), (_, mean, sd) in curves.items()]
    rows.append(_row("vary_lambda", "largest α_Hill difference between λ, any step", "0 (λ is the readout's)",
                     spread, math.nan, spread == 0.0))
    return rows


def _figure_only(family: str, axis: str) -> Callable[[SweepData], list[dict]]:
    def rows(data: SweepData) -> list[dict]:
        out = []
        for metric in ("alpha_hill", "sim"):
            out += [_row(family, f"final {metric}, {axis} = {value:g}", "figure only", mean, sd, None)
                    for (value,), (mean, sd) in _final(data, metric).items()]
        return out
    return rows


def _weight_norm(data: SweepData) -> list[dict]:
    rows = []
    for metric, paper, ok in (("alpha_hill", "≈ 1.63", lambda m: abs(m - 1.63) <= APPROX),
                              ("sim", "< 0.05", lambda m: m < 0.05)):
        for point, (mean, sd) in _final(data, metric).items():
            values = dict(zip(data.grid, point))
            optimizer, normalise, lr = values["optimizer"], values["weight_normalization"], values["lr"]
            if optimizer == "adam" and lr == 1.0:
                label = f"final {metric}, adam η = 1, weight normalisation {'on' if normalise else 'off'}"
                rows.append(_row("weight_norm", label, paper if normalise else "", mean, sd,
                                 ok(mean) if normalise else None))
    return rows


HEADLINES: dict[str, Callable[[SweepData], list[dict]]] = {
    "single_run": _single_run,
    "lr_sweep": _lr_sweep,
    "vary_n": _vary_n,
    "vary_noise": _figure_only("vary_noise", "ρ"),
    "vary_lambda": _vary_lambda,
    "vary_decay": _figure_only("vary_decay", "γ"),
    "weight_norm": _weight_norm,
}


def headline_rows(out: str | Path) -> list[dict]:
    """The rows of every family whose sweep directory exists under `out`."""
    rows = []
    for family, make in HEADLINES.items():
        if (Path(out) / family / "index.sqlite").is_file():
            rows += make(load_sweep(Path(out) / family))
    return rows


def headline_table(out: str | Path) -> str:
    """Markdown table of :func:`headline_rows` (empty string when no family was run)."""
    rows = headline_rows(out)
    if not rows:
        return ""
    lines = ["| family | quantity | paper / published code | htcore (mean ± sd over repeats) | agrees |",
             "|---|---|---|---|---|"]
    lines += [f"| {r['family']} | {r['quantity']} | {r['paper']} | {r['htcore']} | {r['agrees']} |" for r in rows]
    return "\n".join(lines)


__dir__ = public_dir(__name__)
