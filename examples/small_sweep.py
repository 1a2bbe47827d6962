"""A small learning-rate sweep for GD and Adam with the public sweep API, read back with pandas.

Shows the sweep workflow end to end: write a sweep specification (TOML, format in docs/sweeps.md),
run it with `htcore.sweep.load_spec` and `htcore.sweep.run_sweep`, read every probe record back with
``pandas.read_parquet(sweep_dir / "metrics")``, and plot the final α_Hill (power-law exponent of the ESD
tail) and sim = |⟨v1, β⟩| (alignment of W's top right singular vector with the teacher) against the
learning rate, one line per optimiser.

A sweep's grid is a product of axes, and GD and Adam need learning rates orders of magnitude apart, so
the script writes one specification per optimiser (``sweep_gd.toml``, ``sweep_adam.toml``) with three
learning rates each: multiples of that optimiser's one-step BBP rate η_c (`theory.bbp_lr`).

Run (from the repository root, after ``pip install -e .``)::

    python examples/small_sweep.py                         # n=400, d=150, h=200, 10 steps (about a minute)
    python examples/small_sweep.py --quick --out /tmp/sw    # n=120, d=40, h=60, 3 steps (seconds)
    python examples/small_sweep.py --multiples 0.3 1 3 10 --steps 20 --workers 2

Writes to ``--out``: the two TOML files, the sweep directories ``gd/`` and ``adam/`` (index.sqlite,
metrics/, spectra/; re-running skips finished runs), ``final_metrics.csv`` and ``small_sweep.png``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

import theory
from htcore.sweep import load_spec, run_sweep

OPTIMIZERS = ("gd", "adam")
SPEC = """\
name = "small_sweep_{optimizer}"
seed = 0
repeats = {repeats}
[base]
optimizer = "{optimizer}"
n = {n}
d = {d}
h = {h}
n_test = {n_test}
steps = {steps}
probe_every = {steps}
[grid]
lr = [{lrs}]
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400, help="training rows (default 400)")
    parser.add_argument("--d", type=int, default=150, help="input dimension (default 150)")
    parser.add_argument("--h", type=int, default=200, help="width (default 200)")
    parser.add_argument("--steps", type=int, default=10, help="training steps (default 10)")
    parser.add_argument("--repeats", type=int, default=1, help="repeats per grid point (default 1)")
    parser.add_argument("--multiples", type=float, nargs="+", default=(0.5, 2.0, 8.0),
                        help="learning rates as multiples of the one-step BBP rate (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--quick", action="store_true", help="n=120, d=40, h=60, 3 steps")
    parser.add_argument("--out", type=Path, default=Path("runs/small_sweep"), help="output directory")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.d, args.h, args.steps = 120, 40, 60, 3
    return args


def write_spec(args: argparse.Namespace, optimizer: str) -> Path:
    """The sweep TOML of one optimiser: learning rates = multiples × its BBP rate at these sizes."""
    eta_c = theory.bbp_lr(optimizer, n=args.n, d=args.d, h=args.h)
    lrs = ", ".join(f"{m * eta_c:.6g}" for m in args.multiples)
    path = args.out / f"sweep_{optimizer}.toml"
    path.write_text(SPEC.format(optimizer=optimizer, repeats=args.repeats, n=args.n, d=args.d, h=args.h,
                                n_test=max(50, args.n // 4), steps=args.steps, lrs=lrs))
    return path


def final_metrics(sweep_dir: Path) -> pd.DataFrame:
    """The last probe of every run of a sweep directory, averaged over repeats per learning rate."""
    df = pd.read_parquet(sweep_dir / "metrics")
    last = df.loc[df.groupby("key")["step"].idxmax()]
    return (last.groupby(["optimizer", "lr"], as_index=False)[["step", "alpha_hill", "alpha_ks", "sim",
                                                               "test_loss"]].mean())


def draw(table: pd.DataFrame, path: Path) -> None:
    """Final α_Hill and sim against η, one line per optimiser (log η axis)."""
    fig = Figure(figsize=(10, 4))
    for ax, column, label in zip(fig.subplots(1, 2), ("alpha_hill", "sim"),
                                 ("final α Hill", "final sim = |⟨v1, β⟩|")):
        for optimizer, rows in table.groupby("optimizer"):
            ax.plot(rows["lr"], rows[column], marker="o", label=optimizer)
        ax.set_xscale("log")
        ax.set_xlabel("learning rate η")
        ax.set_ylabel(label)
        ax.legend()
    fig.suptitle("Small sweep: final spectrum and alignment against the learning rate")
    fig.savefig(path, dpi=120, bbox_inches="tight")


def main(argv: list[str] | None = None) -> pd.DataFrame:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    tables = []
    for optimizer in OPTIMIZERS:
        spec = load_spec(write_spec(args, optimizer))
        report = run_sweep(spec, args.out / optimizer, workers=args.workers)
        print(f"{optimizer}: ran {report.executed} runs now; status counts {report.counts}")
        tables.append(final_metrics(args.out / optimizer))
    table = pd.concat(tables, ignore_index=True)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    table.to_csv(args.out / "final_metrics.csv", index=False)
    draw(table, args.out / "small_sweep.png")
    print(f"wrote {args.out / 'final_metrics.csv'} and {args.out / 'small_sweep.png'}")
    return table


if __name__ == "__main__":
    main()
