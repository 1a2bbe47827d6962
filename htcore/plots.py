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


def esd_powerlaw(evals: np.ndarray, shape: tuple[int, int], fit, mp, bins: int = 80) -> Figure:
    """Log–log ESD with the fitted power law, the MP density, the bulk edge and the spikes.

    `evals`: ESD (`htcore.spectral.esd`); `fit`: its `PowerLawFit`; `mp`: its `MPFit` (both from
    `htcore.spectral`). The histogram is a density of the nonzero eigenvalues on log-spaced bins; the
    power law is drawn above xmin as ``(n_tail/n)·(α−1)/xmin·(λ/xmin)^−α``, the MP density
    (`theory.rmt.mp_density`, fitted variance) over the bulk.
    """
    from theory.rmt import mp_density

    x = evals[evals > 0]
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    edges = np.geomspace(x.min(), x.max(), bins + 1)
    ax.hist(x, bins=edges, density=True, alpha=0.5, color="tab:blue", label="ESD")
    lam = np.geomspace(*mp.eigen_edges, 400) if mp.eigen_edges[0] > 0 else np.geomspace(
        x.min(), mp.eigen_edges[1], 400)
    ax.plot(lam, mp_density(lam, *shape, mp.variance), color="tab:green", label="MP density")
    tail = np.geomspace(fit.xmin, x.max(), 200)
    ax.plot(tail, fit.n_tail / fit.n_total * (fit.alpha - 1) / fit.xmin * (tail / fit.xmin) ** -fit.alpha,
            color="tab:red", label=f"power law α={fit.alpha:.3g} (KS)")
    ax.axvline(mp.eigen_edges[1], color="grey", linestyle="--", label="MP bulk edge")
    shown = mp.spikes[:10]
    for k, s in enumerate(shown):
        label = f"spikes (top {shown.size} of {mp.spikes.size})" if k == 0 else None
        ax.axvline(s, color="black", linestyle=":", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("eigenvalue of WᵀW")
    ax.set_ylabel("density")
    ax.legend(fontsize="small")
    return fig
