"""`htcore reproduce`: run the seven experiment families of docs/model.md §8 as sweeps and draw their
figures. Their sweep files are htcore/configs/paper/*.toml, package data read through importlib.resources.
Losses are MSE without ½.

Figures written to the output directory:
- `lr_sweep.png`, `weight_norm.png`: five panels against log10 η (final ridge train/test loss, KTA,
  sim, α_Hill, α_KS; mean ± sd over repeats), GD and Adam, both evaluation scalings (lr_sweep) or
  weight normalisation on/off (weight_norm), with the odd-student test-loss floor;
- `vary_n.png`, `vary_noise.png`, `vary_lambda.png`, `vary_decay.png`: per-step losses, α_Hill and
  sim, one line per value of the varied parameter (mean ± sd band);
- `single_run_esd.png` (ESD before/after with the MP density), `single_run_alpha_sim.png`,
  `single_run_losses_<scaling>.png` (both evaluation scalings) and `single_run_overlaps.png`
  (squared singular-vector overlaps of W_t and of W_{t+1} with the update M_t = W_{t+1} − W_t at the
  first and last step; the single run is trained once more in-process to keep its iterates).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from htcore import plots, spectral, store
from htcore.config import Config, ConfigError
from htcore.results import SweepData, load_sweep, step_curves, summarize
from htcore.store import read_spectra
from htcore.sweep import expand, load_spec, run_sweep
from htcore.train import train
from theory.display import public_dir

__all__ = ["FAMILIES", "ODD_ACTIVATIONS", "PAPER_CONFIGS", "VARIED", "odd_student_floor", "reproduce"]

#: The sweep files of the families, shipped inside the package (a Path unless htcore runs from a zip).
PAPER_CONFIGS = resources.files("htcore") / "configs" / "paper"
FAMILIES = ("single_run", "lr_sweep", "vary_n", "vary_noise", "vary_lambda", "vary_decay",
            "weight_norm")
VARIED = {"vary_n": "n", "vary_noise": "label_noise_std", "vary_lambda": "reg_lambda",
          "vary_decay": "lr_gamma"}
ODD_ACTIVATIONS = ("tanh", "erf")


def odd_student_floor(config: Config) -> float | None:
    """Population test-MSE floor of a student odd in x against `config`'s teacher:
    E[σ*(z)²] − E[σ*_odd(z)²] + ρ² with σ*_odd(z) = (σ*(z) − σ*(−z))/2, z ~ N(0, 1) (theory.hermite;
    0.671246 + ρ² for softplus). None when the student activation is not odd (relu, gelu)."""
    from theory.hermite import gaussian_expectation, teacher_function

    if config.activation not in ODD_ACTIVATIONS:
        return None
    f = teacher_function(config.teacher)
    square = gaussian_expectation(lambda z: f(z) ** 2, breakpoints=(0.0,))
    odd = gaussian_expectation(lambda z: ((f(z) - f(-z)) / 2) ** 2, breakpoints=(0.0,))
    return square - odd + config.label_noise_std**2


def reproduce(out: str | Path, quick: bool = False, workers: int | None = None,
              families: Sequence[str] = FAMILIES, configs: Any = PAPER_CONFIGS,
              progress: bool = True) -> list[Path]:
    """Run `families` (sweep directories out/<family>) and write their figures into `out`; returns
    the figure paths. `quick` uses each spec's [quick] table (reduced sizes and repeats). `configs` is
    the directory of the `<family>.toml` sweep files (a path, or an importlib.resources Traversable)."""
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        raise ConfigError(f"family: got {unknown[0]!r}; expected one of {', '.join(FAMILIES)}")
    out = Path(out)
    written = []
    for family in families:
        root = Path(configs) if isinstance(configs, str) else configs
        with resources.as_file(root / f"{family}.toml") as spec_file:
            spec = load_spec(spec_file, quick=quick)
        run_sweep(spec, out / family, workers=workers, progress=progress)
        base = expand(spec)[0].config
        figures = _FIGURES[family](family, load_sweep(out / family), base, out)
        written += [store.write_figure(out / name, fig) for name, fig in figures.items()]
    return written


def _lr_figures(family: str, data: SweepData, base: Config, out: Path) -> dict[str, Any]:
    series = [axis for axis in data.grid if axis != "lr"]
    return {f"{family}.png": plots.lr_sweep_panels(summarize(data), series,
                                                   odd_student_floor(base))}


def _vary_figures(family: str, data: SweepData, base: Config, out: Path) -> dict[str, Any]:
    curves = {metric: {point[0]: c for point, c in step_curves(data, metric).items()}
              for metric in ("train_loss", "test_loss", "network_loss", "alpha_hill", "sim")}
    field = VARIED[family]
    floors = {value: odd_student_floor(base.replace(**{field: value})) for value in curves["sim"]}
    if None in floors.values():
        floors = None
    return {f"{family}.png": plots.curves_by_value(curves, field, floors)}


def _single_run_figures(family: str, data: SweepData, base: Config, out: Path) -> dict[str, Any]:
    figures = {}
    floor = odd_student_floor(base)
    for run in data.runs:
        scaling = run["config"]["eval_scaling"]
        metrics = data.metrics[run["key"]]
        history = [dict(zip(metrics, values)) for values in zip(*metrics.values())]
        figures[f"{family}_losses_{scaling}.png"] = plots.losses_per_step(history, floor)
        if scaling == "intended":
            spectra = read_spectra(out / family / "spectra" / f"{run['key']}.npz")
            figures[f"{family}_esd.png"] = plots.esd_with_mp(spectra, base.h, base.d)
            figures[f"{family}_alpha_sim.png"] = plots.alpha_and_sim_per_step(history)
    figures[f"{family}_overlaps.png"] = plots.overlap_maps(_overlap_maps(base))
    return figures


def _overlap_maps(config: Config) -> list[tuple[str, np.ndarray]]:
    """Squared overlaps (U and V sides) of (W_t, M_t) and (W_{t+1}, M_t) at the first and last step."""
    iterates: dict[int, np.ndarray] = {}
    train(config.replace(probe_every=1),
          on_probe=lambda record, W: iterates.__setitem__(record["step"], np.array(W)))
    last = max(iterates)
    maps = []
    for t in sorted({0, last - 1}):
        update = iterates[t + 1] - iterates[t]
        for name, W in ((f"W_{t}", iterates[t]), (f"W_{t + 1}", iterates[t + 1])):
            left, right = spectral.overlaps(W, update)
            maps += [(f"U: {name} vs M_{t}", left), (f"V: {name} vs M_{t}", right)]
    return maps


_FIGURES: dict[str, Callable[[str, SweepData, Config, Path], dict[str, Any]]] = {
    "single_run": _single_run_figures, "lr_sweep": _lr_figures, "weight_norm": _lr_figures,
    **{family: _vary_figures for family in VARIED},
}


__dir__ = public_dir(__name__)
