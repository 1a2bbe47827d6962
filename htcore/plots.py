"""Every figure htcore draws, with matplotlib's object API (no pyplot state, Agg canvas).

Functions build and return a `matplotlib.figure.Figure`; `htcore.store.write_figure` saves it.
"""

from __future__ import annotations

import numpy as np
from matplotlib import ticker
from matplotlib.figure import Figure

from theory.display import public_dir

__all__ = ["alpha_and_sim_per_step", "curves_by_value", "esd_before_after", "esd_powerlaw", "esd_with_mp",
           "losses_per_step", "lr_sweep_panels", "overlap_maps"]


def esd_before_after(spectra: dict[int, np.ndarray], bins: int = 80) -> Figure:
    """Histogram (density) of log10 eigenvalues of WᵀW at the first and the last probe."""
    first, last = min(spectra), max(spectra)
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    values = {step: np.log10(spectra[step][spectra[step] > 0]) for step in (first, last)}
    edges = np.histogram_bin_edges(np.concatenate(list(values.values())), bins=bins)
    for step, label in ((first, "initial"), (last, "final")):
        # One step-outline artist per histogram (ax.hist would draw one patch per bin).
        density, _ = np.histogram(values[step], bins=edges, density=True)
        ax.stairs(density, edges, fill=True, alpha=0.55, label=f"{label} (step {step})")
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
    # Plain-number tick labels: the default log labels are typeset as mathtext, which costs more than
    # the rest of the figure.
    ax.yaxis.set_major_formatter(ticker.LogFormatter())
    ax.yaxis.set_minor_formatter(ticker.LogFormatter())
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


_LR_PANELS = (("losses", ("train_loss", "test_loss"), "final ridge loss (MSE)"),
              ("kta", ("kta",), "final KTA"), ("sim", ("sim",), "final sim(W, β)"),
              ("alpha_hill", ("alpha_hill",), "final α Hill"), ("alpha_ks", ("alpha_ks",), "final α KS"))
_LINESTYLES = ("-", "--", ":", "-.")


def lr_sweep_panels(rows: list[dict], series: list[str], test_floor: float | None = None) -> Figure:
    """Five panels against log10 η: final ridge train (circles) and test (squares) loss, KTA, sim,
    α_Hill and α_KS, mean ± sd over repeats (`htcore.results.summarize` rows with an `lr` axis).

    One line per value of the `series` axes (e.g. optimizer, eval_scaling): colour from the first
    axis, line style from the second. The test-loss floor of an odd student is drawn when given.
    """
    fig = Figure(figsize=(20, 4))
    axes = fig.subplots(1, len(_LR_PANELS))
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[s] for s in series), []).append(row)
    colours = {v: f"C{i}" for i, v in enumerate(dict.fromkeys(k[0] for k in groups))}
    styles = {v: _LINESTYLES[i % 4] for i, v in enumerate(dict.fromkeys(k[-1] for k in groups))}
    for values, group in groups.items():
        group = sorted(group, key=lambda r: r["lr"])
        x = np.log10([r["lr"] for r in group])
        label = ", ".join(v if isinstance(v, str) else f"{s}={v}" for s, v in zip(series, values))
        for ax, (_, metrics, _) in zip(axes, _LR_PANELS):
            for metric, marker in zip(metrics, "os"):
                ax.errorbar(x, [r[f"{metric}_mean"] for r in group],
                            yerr=[r[f"{metric}_sd"] for r in group], color=colours[values[0]],
                            linestyle=styles[values[-1]], marker=marker, capsize=2, markersize=4,
                            label=f"{label} ({metric.split('_')[0]})" if len(metrics) > 1 else label)
    if test_floor is not None:
        axes[0].axhline(test_floor, color="grey", linestyle="--", label="odd-student test floor")
    for ax, (_, _, title) in zip(axes, _LR_PANELS):
        ax.set_xlabel("log10 η")
        ax.set_title(title)
    axes[0].set_yscale("log")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=5, fontsize="small",
               title="train: circles, test: squares")
    fig.subplots_adjust(bottom=0.38, wspace=0.3)
    return fig


_STEP_PANELS = (("train_loss", "ridge train loss (MSE)"), ("test_loss", "ridge test loss (MSE)"),
                ("network_loss", "network train MSE (frozen a)"), ("alpha_hill", "α Hill"),
                ("sim", "sim(W, β)"))


def curves_by_value(curves: dict[str, dict], label: str,
                    test_floors: dict | None = None) -> Figure:
    """Per-step curves, one line per value of a varied parameter, mean ± sd band over repeats.

    `curves[metric][value] = (steps, mean, sd)` for the metrics train_loss, test_loss, network_loss,
    alpha_hill and sim (`htcore.results.step_curves`); `label` names the parameter in the legend.
    `test_floors[value]`, when given, is the odd-student test-loss floor of each value (one grey line
    when they are all equal, else one dashed line per value in its colour).
    """
    fig = Figure(figsize=(20, 4))
    axes = fig.subplots(1, len(_STEP_PANELS))
    for ax, (metric, title) in zip(axes, _STEP_PANELS):
        for i, (value, (steps, mean, sd)) in enumerate(sorted(curves[metric].items())):
            ax.plot(steps, mean, marker="o", markersize=3, color=f"C{i}", label=f"{label} = {value:g}")
            ax.fill_between(steps, mean - np.nan_to_num(sd), mean + np.nan_to_num(sd), color=f"C{i}",
                            alpha=0.2)
        ax.set_xlabel("step")
        ax.set_title(title)
    floors = {} if test_floors is None else test_floors
    if len(set(floors.values())) == 1:
        axes[1].axhline(next(iter(floors.values())), color="grey", linestyle="--",
                        label="odd-student test floor")
    else:
        for i, value in enumerate(sorted(floors)):
            axes[1].axhline(floors[value], color=f"C{i}", linestyle="--",
                            label=f"test floor, {label} = {value:g}")
    for ax in axes[:3]:
        ax.set_yscale("log")
    axes[1].legend(fontsize="small")
    return fig


def esd_with_mp(spectra: dict[int, np.ndarray], h: int, d: int, bins: int = 80) -> Figure:
    """Density of log10 eigenvalues of WᵀW at the first and last probe, with the Marchenko–Pastur
    density of an h×d N(0, 1) matrix (`theory.rmt.mp_density`, mapped to log10 λ) and σ1² marked."""
    from theory.rmt import mp_density

    fig = esd_before_after(spectra, bins)
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    log_lam = np.linspace(lo, hi, 600)
    lam = 10.0**log_lam
    ax.plot(log_lam, mp_density(lam, h, d, 1.0) * lam * np.log(10.0), color="black",
            label="Marchenko–Pastur (variance 1)")
    ax.axvline(np.log10(spectra[max(spectra)][-1]), color="tab:red", linestyle=":",
               label="largest eigenvalue (final)")
    ax.legend(fontsize="small")
    return fig


def overlap_maps(maps: list[tuple[str, np.ndarray]], k: int = 20, columns: int = 4) -> Figure:
    """Heat maps of the top-k × top-k block of squared singular-vector overlap matrices
    (`htcore.spectral.overlaps`), one panel per (title, matrix), `columns` per row; rows of a map:
    W's singular vectors, columns: the update M's, both by descending singular value."""
    rows, cols = -(-len(maps) // columns), min(columns, len(maps))
    fig = Figure(figsize=(4 * cols, 3.6 * rows))
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for i, (ax, (title, matrix)) in enumerate(zip(axes, maps)):
        image = ax.imshow(matrix[:k, :k], vmin=0.0, vmax=1.0, cmap="viridis")
        ax.set_title(title, fontsize="small")
        if i >= len(maps) - cols:
            ax.set_xlabel("update's vector j (by σ)")
        if i % cols == 0:
            ax.set_ylabel("W's vector i (by σ)")
    fig.colorbar(image, ax=list(axes), shrink=0.8, label="squared overlap")
    return fig


__dir__ = public_dir(__name__)
