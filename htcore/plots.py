"""Every figure htcore draws, with matplotlib's object API (no pyplot state, Agg canvas).

Functions build and return a `matplotlib.figure.Figure`; `htcore.store.write_figure` saves it.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure


def esd_before_after(spectra: dict[int, np.ndarray], bins: int = 80) -> Figure:
    """Histogram (density) of log10 eigenvalues of WᵀW at the first and the last probe."""
    first, last = min(spectra), max(spectra)
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    values = {step: np.log10(spectra[step][spectra[step] > 0]) for step in (first, last)}
    edges = np.histogram_bin_edges(np.concatenate(list(values.values())), bins=bins)
    for step, label in ((first, "initial"), (last, "final")):
        ax.hist(values[step], bins=edges, density=True, alpha=0.55, label=f"{label} (step {step})")
    ax.set_xlabel("log10 eigenvalue of WᵀW")
    ax.set_ylabel("density")
    ax.set_title("Empirical spectral density")
    ax.legend()
    return fig


def _series(history: list[dict], key: str) -> np.ndarray:
    return np.array([np.nan if r[key] is None else r[key] for r in history], dtype=float)


def losses_per_step(history: list[dict], test_floor: float | None = None) -> Figure:
    """Ridge-readout train/test loss and the network's own training MSE against the step."""
    steps = _series(history, "step")
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    for key, label in (("train_loss", "ridge train"), ("test_loss", "ridge test"),
                       ("network_loss", "network train (frozen a)")):
        ax.plot(steps, _series(history, key), marker="o", label=label)
    if test_floor is not None:
        ax.axhline(test_floor, color="grey", linestyle="--", label="odd-student test floor")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("MSE (without ½)")
    ax.legend()
    return fig


def alpha_and_sim_per_step(history: list[dict]) -> Figure:
    """α_Hill and α_KS (left axis) and sim(W, β) (right axis) against the step."""
    steps = _series(history, "step")
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    ax.plot(steps, _series(history, "alpha_hill"), marker="o", label="α Hill (median xmin)")
    ax.plot(steps, _series(history, "alpha_ks"), marker="s", label="α KS")
    ax.set_xlabel("step")
    ax.set_ylabel("power-law exponent α")
    twin = ax.twinx()
    twin.plot(steps, _series(history, "sim"), color="black", marker="^", label="sim(W, β)")
    twin.set_ylabel("|⟨v1, β⟩|")
    lines = ax.get_legend_handles_labels()
    twin_lines = twin.get_legend_handles_labels()
    ax.legend(lines[0] + twin_lines[0], lines[1] + twin_lines[1], loc="best")
    return fig
