"""Measure `theory.predict_trajectory` against the engine over several large steps.

Run: ``python -m validation.studies.measure_trajectory [--seeds 100 101 102 103] [--draws 0 1] [--workers 2]
[--engine-json FILE] [--json FILE] [--figure docs/trajectory_mechanism.png] [--only NAME ...]
[--from-json FILE]``
(default sizes h = 1500, d = 1000, n = 2000; tanh/softplus, ρ = 0.3). Prints markdown tables of the
per-step errors (prediction mean over ``--draws`` against the engine mean over ``--seeds``, and the worst
seed) and writes the mechanism figure. ``--engine-json`` caches the engine runs (re-used when present).

Runs (name: optimizer, η, steps, γ, activation):

* two steps, GD and Adam at η = m·η_c for m ∈ {1.5, 3, 6} (η_c = `theory.bbp_lr`);
* ten steps, GD η ∈ {2000, 3000, 6000} and Adam η ∈ {0.3, 1.0};
* ten steps with step decay γ = 0.5 (GD 3000, Adam 1.0) and with the erf student (GD 3000, Adam 1.0).

Engine side: ``htcore.Trainer`` (the engine's own training step, that of ``htcore.train``); after every step
the eigenvalues of WᵀW and the top singular pair, σ1, σ2, sim = |⟨v1, β⟩|, |⟨u1, a/‖a‖⟩|, α_Hill
(``htcore.spectral.hill_alpha``), the outlier count and bulk edge by ``theory.trajectory.count_outliers`` (the
same rule as the prediction), the network MSE, the fraction of saturated pre-activations |w_iᵀx/√d| > 2 on 500
training inputs, and α_Hill of a Gaussian matrix with W_t's row norms (the row-norm-heterogeneity surrogate).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

import theory
from htcore import Config, Trainer, spectral
from htcore.cli import positive_int
from theory.trajectory import count_outliers, gd_two_step, predict_trajectory

#: Input dimension of the runs unless ``--d`` says otherwise (h = 3d/2, n = 2d).
DEFAULT_D = 1000
SAT_ROWS = 500
TARGETS = {"sigma1": 0.03, "sim": 0.03, "alpha_hill": 0.05}
METRICS = ("sigma1", "sigma2", "sim", "overlap_a", "alpha_hill", "alpha_hill_row_surrogate", "n_outliers",
           "bulk_edge", "train_loss", "saturation")


@dataclass(frozen=True)
class Run:
    """One configuration: name, optimizer, η, steps, step decay γ, student activation, input dimension."""

    name: str
    optimizer: str
    lr: float
    steps: int
    lr_gamma: float = 1.0
    activation: str = "tanh"
    d: int = DEFAULT_D

    @property
    def sizes(self) -> dict[str, int]:
        """n, d, h of the run (h = 3d/2, n = 2d)."""
        return dict(n=2 * self.d, d=self.d, h=3 * self.d // 2)


def runs(d: int = DEFAULT_D) -> list[Run]:
    """The configurations of the module docstring, at input dimension d."""
    sizes = dict(n=2 * d, d=d, h=3 * d // 2)
    out = []
    for opt in ("gd", "adam"):
        eta_c = theory.bbp_lr(opt, **sizes)
        out += [Run(f"{opt}-2step-{m:g}etac", opt, m * eta_c, 2, d=d) for m in (1.5, 3.0, 6.0)]
    out += [Run(f"gd-{lr:g}", "gd", lr, 10, d=d) for lr in (2000.0, 3000.0, 6000.0)]
    out += [Run(f"adam-{lr:g}", "adam", lr, 10, d=d) for lr in (0.3, 1.0)]
    out += [Run("gd-3000-decay0.5", "gd", 3000.0, 10, 0.5, d=d), Run("adam-1-decay0.5", "adam", 1.0, 10, 0.5, d=d)]
    out += [Run("gd-3000-erf", "gd", 3000.0, 10, 1.0, "erf", d=d), Run("adam-1-erf", "adam", 1.0, 10, 1.0, "erf", d=d)]
    return out


def _measure(W: np.ndarray, p, Xs: np.ndarray, rng: np.random.Generator, loss: float) -> dict:
    """The per-step engine statistics of the module docstring."""
    d = W.shape[1]
    ev, vec = np.linalg.eigh(W.T @ W)
    sv = np.sqrt(np.clip(ev[::-1], 0.0, None))
    k, edge = count_outliers(sv)
    v1 = vec[:, -1]
    u1 = W @ v1
    u1 /= np.linalg.norm(u1)
    rows = np.sqrt(np.einsum("ij,ij->i", W, W) / d)
    gauss = rng.standard_normal(W.shape) * rows[:, None]
    Z = Xs @ W.T / math.sqrt(d)
    return dict(sigma1=float(sv[0]), sigma2=float(sv[1]), sim=abs(float(v1 @ p.beta)),
                overlap_a=abs(float(u1 @ p.a)) / float(np.linalg.norm(p.a)), alpha_hill=spectral.hill_alpha(ev),
                alpha_hill_row_surrogate=spectral.hill_alpha(np.linalg.eigvalsh(gauss.T @ gauss)),
                n_outliers=k, bulk_edge=edge, train_loss=loss, saturation=float(np.mean(np.abs(Z) > 2.0)))


def simulate(run: Run, seed: int) -> dict:
    """Per-step engine statistics (t = 0 … steps) of one run."""
    cfg = Config(optimizer=run.optimizer, lr=run.lr, steps=run.steps, lr_gamma=run.lr_gamma,
                 activation=run.activation, seed=seed, **run.sizes)
    trainer = Trainer(cfg)
    p = trainer.problem
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(99,)))
    Xs = p.X[:SAT_ROWS]
    recs = []

    def measure_before_update(loss: float) -> None:  # W_{t−1} and the loss step t computed at it
        recs.append(_measure(trainer.W, p, Xs, rng, float(loss)))

    for _ in range(run.steps):
        if not trainer.step(measure_before_update):
            raise RuntimeError(f"{run.name}, seed {seed}: the run diverged at step {trainer.diverged_at}")
    recs.append(_measure(trainer.W, p, Xs, rng, trainer.current_loss()))
    return {k: [r[k] for r in recs] for k in METRICS}


def predict(run: Run, draw: int) -> dict:
    """`theory.predict_trajectory` for one run and one draw of the realised matrix."""
    pr = predict_trajectory(run.optimizer, run.lr, run.steps, activation=run.activation, lr_gamma=run.lr_gamma,
                            seed=draw, **run.sizes)
    return {k: np.asarray(getattr(pr, k), dtype=float).tolist() for k in METRICS}


def _job(args: tuple) -> tuple:
    kind, run, seed = args
    t0 = time.time()
    out = simulate(run, seed) if kind == "engine" else predict(run, seed)
    return kind, run.name, seed, out, time.time() - t0


def collect(selected: list[Run], seeds: list[int], draws: list[int], workers: int, cache: str | None
            ) -> tuple[dict, dict]:
    """Engine results (from the cache when present) and predictions, keyed by run name then seed/draw."""
    engine: dict = {}
    if cache and os.path.exists(cache):
        with open(cache) as fh:
            engine = json.load(fh)
    jobs = [("engine", r, s) for r in selected for s in seeds if str(s) not in engine.get(r.name, {})]
    jobs += [("predict", r, s) for r in selected for s in draws]
    pred: dict = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for kind, name, seed, out, dt in pool.map(_job, jobs):
            print(f"# {kind} {name} seed {seed}: {dt:.1f} s", flush=True)
            (engine if kind == "engine" else pred).setdefault(name, {})[str(seed)] = out
            if kind == "engine" and cache:
                with open(cache, "w") as fh:
                    json.dump(engine, fh)
    return engine, pred


def _stack(res: dict, key: str) -> np.ndarray:
    return np.array([v[key] for v in res.values()], dtype=float)


def table(run: Run, eng: dict, prd: dict) -> list[str]:
    """Markdown rows: per step, engine mean, prediction, mean error and worst-seed error."""
    E = {k: _stack(eng, k) for k in METRICS}
    P = {k: _stack(prd, k).mean(axis=0) for k in METRICS}
    lines = [f"\n**{run.name}** ({run.optimizer}, η = {run.lr:.4g}, γ = {run.lr_gamma:g}, {run.activation}; "
             f"engine seeds {len(eng)}, prediction draws {len(prd)})\n",
             "| t | σ1 eng (seed sd %) | σ1 pred | σ1 err % (worst) | sim eng | sim pred | sim err (worst) "
             "| α eng | α pred "
             "| α err (worst) | outliers eng / pred | edge eng / pred | ⟨u1,â⟩ eng / pred | loss eng / pred |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for t in range(run.steps + 1):
        e1, p1 = E["sigma1"][:, t], P["sigma1"][t]
        es, ps = E["sim"][:, t], P["sim"][t]
        ea, pa = E["alpha_hill"][:, t], P["alpha_hill"][t]
        ko = "/".join(str(int(x)) for x in E["n_outliers"][:, t])
        lines.append(
            f"| {t} | {e1.mean():.1f} ({100 * e1.std(ddof=1) / e1.mean() if e1.size > 1 else 0:.1f}) | {p1:.1f} "
            f"| {100 * (p1 / e1.mean() - 1):+.1f} ({100 * np.max(np.abs(p1 / e1 - 1)):.1f}) "
            f"| {es.mean():.3f} | {ps:.3f} | {ps - es.mean():+.3f} ({np.max(np.abs(ps - es)):.3f}) "
            f"| {ea.mean():.3f} | {pa:.3f} | {pa - ea.mean():+.3f} ({np.max(np.abs(pa - ea)):.3f}) "
            f"| {ko} / {P['n_outliers'][t]:.1f} | {E['bulk_edge'][:, t].mean():.1f} / {P['bulk_edge'][t]:.1f} "
            f"| {E['overlap_a'][:, t].mean():.3f} / {P['overlap_a'][t]:.3f} "
            f"| {E['train_loss'][:, t].mean():.3g} / {P['train_loss'][t]:.3g} |")
    if run.optimizer == "gd" and run.steps == 2:
        cf = gd_two_step(run.lr, activation=run.activation, lr_gamma=run.lr_gamma, **run.sizes)
        e1, es = E["sigma1"][:, 2].mean(), E["sim"][:, 2].mean()
        lines.append(f"\nClosed form without saturation (`theory.trajectory.gd_two_step`), t = 2: σ1 {cf.sigma1:.1f} "
                     f"({100 * (cf.sigma1 / e1 - 1):+.1f} %), sim {math.sqrt(cf.overlap_beta):.3f} "
                     f"({math.sqrt(cf.overlap_beta) - es:+.3f}), ⟨u1, a/‖a‖⟩ {math.sqrt(cf.overlap_a):.3f} "
                     f"(engine {E['overlap_a'][:, 2].mean():.3f}).")
    return lines


def summary(selected: list[Run], engine: dict, pred: dict) -> list[str]:
    """One row per run: worst-step errors against the targets."""
    lines = ["\n| run | max σ1 err % (mean / worst seed) | max sim err | max α err | outlier count right (steps) |",
             "|---|---|---|---|---|"]
    for r in selected:
        E = {k: _stack(engine[r.name], k) for k in METRICS}
        P = {k: _stack(pred[r.name], k).mean(axis=0) for k in METRICS}
        t = slice(1, None)
        s1m = np.max(np.abs(P["sigma1"][t] / E["sigma1"][:, t].mean(0) - 1)) * 100
        s1w = np.max(np.abs(P["sigma1"][t] / E["sigma1"][:, t] - 1)) * 100
        sim = np.max(np.abs(P["sim"][t] - E["sim"][:, t].mean(0)))
        al = np.max(np.abs(P["alpha_hill"][t] - E["alpha_hill"][:, t].mean(0)))
        mode = np.array([np.bincount(col.astype(int)).argmax() for col in E["n_outliers"][:, t].T])
        ok = int(np.sum(np.round(P["n_outliers"][t]) == mode))
        lines.append(f"| {r.name} | {s1m:.1f} / {s1w:.1f} | {sim:.3f} | {al:.3f} | {ok}/{r.steps} |")
    return lines


def compact(selected: list[Run], engine: dict, pred: dict) -> list[str]:
    """Per-step errors (prediction mean minus engine mean; σ1 in %) and outliers (engine mode / prediction),
    one block of rows per run, two-step and ten-step runs in separate tables (docs/theory.md §9.4 Several
    steps, measured accuracy)."""
    lines = []
    for title, group in (("Two steps", [r for r in selected if r.steps == 2]),
                         ("Ten steps", [r for r in selected if r.steps != 2])):
        if not group:
            continue
        T = max(r.steps for r in group)
        lines += [f"\n**{title}**\n", "| run | quantity | " + " | ".join(f"t={t}" for t in range(1, T + 1)) + " |",
                  "|---|---|" + "---|" * T]
        for r in group:
            E = {k: _stack(engine[r.name], k) for k in METRICS}
            P = {k: _stack(pred[r.name], k).mean(axis=0) for k in METRICS}
            steps = range(1, r.steps + 1)
            pad = [""] * (T - r.steps)
            rows = {
                "σ1 %": [f"{100 * (P['sigma1'][t] / E['sigma1'][:, t].mean() - 1):+.1f}" for t in steps],
                "sim": [f"{P['sim'][t] - E['sim'][:, t].mean():+.3f}" for t in steps],
                "α_Hill": [f"{P['alpha_hill'][t] - E['alpha_hill'][:, t].mean():+.3f}" for t in steps],
                "outliers": [f"{np.bincount(E['n_outliers'][:, t].astype(int)).argmax()}/{P['n_outliers'][t]:.1f}"
                             for t in steps]}
            for i, (label, vals) in enumerate(rows.items()):
                lines.append(f"| {r.name if i == 0 else ''} | {label} | " + " | ".join(vals + pad) + " |")
    return lines


def figure(selected: list[Run], engine: dict, pred: dict, path: str) -> None:
    """Mechanism figure: per step α_Hill of W vs the row-norm surrogate, outliers, saturation (engine mean
    solid, prediction dashed) for the ten-step tanh runs without decay."""
    from matplotlib.figure import Figure

    show = [r for r in selected if r.steps == 10 and r.lr_gamma == 1.0 and r.activation == "tanh"]
    fig = Figure(figsize=(13, 3.6))
    axes = fig.subplots(1, 4)
    for i, r in enumerate(show):
        c = f"C{i}"
        E = {k: _stack(engine[r.name], k).mean(0) for k in METRICS}
        P = {k: _stack(pred[r.name], k).mean(0) for k in METRICS}
        steps = np.arange(r.steps + 1)
        axes[0].plot(steps, E["alpha_hill"], "-", color=c, label=r.name)
        axes[0].plot(steps, P["alpha_hill"], "--", color=c)
        axes[1].plot(steps, E["alpha_hill_row_surrogate"], "-", color=c)
        axes[1].plot(steps, P["alpha_hill_row_surrogate"], "--", color=c)
        axes[2].plot(steps, E["n_outliers"], "-", color=c)
        axes[2].plot(steps, P["n_outliers"], "--", color=c)
        axes[3].plot(steps, E["saturation"], "-", color=c)
        axes[3].plot(steps, P["saturation"], "--", color=c)
    titles = ("α_Hill of W", "α_Hill of row-norm surrogate", "outliers (gap rule)", "fraction |wᵀx/√d| > 2")
    for ax, title in zip(axes, titles):
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("step t")
    axes[0].legend(fontsize=7, title="solid: engine, dashed: theory", title_fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m validation.studies.measure_trajectory",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[100, 101, 102, 103])
    ap.add_argument("--draws", type=int, nargs="*", default=[0, 1])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--engine-json", default=None)
    ap.add_argument("--json", default=None)
    ap.add_argument("--figure", default="docs/trajectory_mechanism.png")
    ap.add_argument("--only", nargs="+", default=None)
    ap.add_argument("--from-json", default=None, help="re-print tables and figure from a --json file")
    ap.add_argument("--d", type=positive_int, default=DEFAULT_D,
                    help=f"input dimension, h = 3d/2, n = 2d (default {DEFAULT_D})")
    args = ap.parse_args(argv)
    selected = [r for r in runs(args.d) if args.only is None or r.name in args.only]
    if not selected:
        ap.error(f"--only {args.only}: no such run; known: {[r.name for r in runs(args.d)]}")
    if args.from_json:
        with open(args.from_json) as fh:
            saved = json.load(fh)
        engine, pred = saved["engine"], saved["prediction"]
    else:
        engine, pred = collect(selected, args.seeds, args.draws, args.workers, args.engine_json)
        engine = {r.name: {s: engine[r.name][s] for s in map(str, args.seeds)} for r in selected}
    if not pred:
        print(f"engine runs done ({len(engine)} configurations); no --draws, so nothing to compare")
        return 0
    lines = summary(selected, engine, pred) + compact(selected, engine, pred)
    for r in selected:
        lines += table(r, engine[r.name], pred[r.name])
    print("\n".join(lines))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"engine": engine, "prediction": pred}, fh)
    if args.figure and any(r.steps == 10 for r in selected):
        figure(selected, engine, pred, args.figure)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
