"""One large gradient-descent step on the first layer: the simulated spike against closed-form theory.

Shows how one full-batch GD step ``W1 = W0 − ηG`` with a learning rate above the BBP rate η_c puts an
outlier singular value σ1 into the spectrum of W1 whose right singular vector v1 points towards the
teacher direction β, and how close the theory gets: the asymptotic prediction
(`theory.predict_one_step`, sizes only) and the plug-in prediction (`theory.plugin_one_step`, from the
realised W0, a, X, y). The model is htcore's default (docs/model.md): ``f(x) = aᵀtanh(Wx/√d)/√h``,
softplus teacher, label noise 0.3, loss = MSE without ½ (c_L = 2 in theory's convention).

Run (from the repository root, after ``pip install -e .``)::

    python examples/one_gd_step.py                        # n=2000, d=1000, h=1500 (about 20 s)
    python examples/one_gd_step.py --quick --out /tmp/gd  # n=400, d=200, h=300 (a few seconds)
    python examples/one_gd_step.py --multiples 1 2 4 8 --seed 3

Writes to ``--out``: ``one_gd_step.csv`` (the printed table) and ``one_gd_step.png`` (σ1 and ⟨v1,β⟩²
against η/η_c: simulation as markers, plug-in as a line, asymptotic as a dashed line).
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import htcore
import htcore.kernels
import htcore.spectral
import theory

DEFAULT_MULTIPLES = (0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0)
COLUMNS = ("multiple", "lr", "sigma1_sim", "sigma1_plugin", "sigma1_asymptotic",
           "overlap_sim", "overlap_plugin", "overlap_asymptotic", "spiked_plugin")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="training rows (default 2000)")
    parser.add_argument("--d", type=int, default=1000, help="input dimension (default 1000)")
    parser.add_argument("--h", type=int, default=1500, help="width (default 1500)")
    parser.add_argument("--quick", action="store_true", help="n=400, d=200, h=300 (same ratios)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the problem (default 0)")
    parser.add_argument("--multiples", type=float, nargs="+", default=DEFAULT_MULTIPLES,
                        help="learning rates as multiples of the BBP rate η_c (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=Path("runs/one_gd_step"), help="output directory")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.d, args.h = 400, 200, 300
    return args


def simulate(W0: np.ndarray, G: np.ndarray, beta: np.ndarray, lrs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """σ1 and ⟨v1, β⟩² of W1 = W0 − ηG for every η in `lrs`."""
    sigma1, overlap = [], []
    for lr in lrs:
        s, _, V = htcore.spectral.top_singular(W0 - lr * G)
        sigma1.append(s[0])
        overlap.append(float(V[:, 0] @ beta) ** 2)
    return np.array(sigma1), np.array(overlap)


def draw(rows: list[dict], path: Path) -> None:
    """Two panels against η/η_c: σ1 and ⟨v1, β⟩² (simulation, plug-in, asymptotic)."""
    m = np.array([r["multiple"] for r in rows])
    fig = Figure(figsize=(10, 4))
    for ax, key, label in zip(fig.subplots(1, 2), ("sigma1", "overlap"), ("σ1 of W1", "⟨v1, β⟩²")):
        ax.plot(m, [r[f"{key}_sim"] for r in rows], "o", color="black", label="simulation")
        ax.plot(m, [r[f"{key}_plugin"] for r in rows], "-", color="tab:red", label="plug-in theory")
        ax.plot(m, [r[f"{key}_asymptotic"] for r in rows], "--", color="tab:blue", label="asymptotic theory")
        ax.axvline(1.0, color="grey", linestyle=":", label="BBP rate η_c")
        ax.set_xscale("log")
        ax.set_yscale("log" if key == "sigma1" else "linear")
        ax.set_xlabel("η / η_c")
        ax.set_ylabel(label)
        ax.legend(fontsize="small")
    fig.suptitle("One GD step: top singular value and teacher alignment")
    fig.savefig(path, dpi=120, bbox_inches="tight")


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    config = htcore.Config(n=args.n, d=args.d, h=args.h, optimizer="gd", seed=args.seed)
    p = htcore.make_problem(config)
    loss, G = htcore.kernels.loss_and_grad(p.W0, p.a, p.X, p.y, config.activation)

    # Asymptotic theory with the realised readout statistics: scale √A = ‖a‖/√h (RMS) and ā = ‖a‖₁/h.
    sizes = dict(n=config.n, d=config.d, h=config.h, activation=config.activation, teacher=config.teacher,
                 label_noise_std=config.label_noise_std, readout_scale=math.sqrt(float(p.a @ p.a) / config.h),
                 readout_abar=float(np.abs(p.a).mean()))
    eta_c = theory.bbp_lr("gd", **sizes)
    multiples = np.array(sorted(args.multiples), dtype=float)
    lrs = multiples * eta_c
    asym = theory.predict_one_step("gd", lrs, **sizes)
    plug = theory.plugin_one_step("gd", lrs, p.W0, p.a, p.X, p.y, beta=p.beta, activation=config.activation)
    sigma1, overlap = simulate(p.W0, G, p.beta, lrs)

    rows = [dict(multiple=m, lr=lr, sigma1_sim=s, sigma1_plugin=sp, sigma1_asymptotic=sa,
                 overlap_sim=o, overlap_plugin=op, overlap_asymptotic=oa, spiked_plugin=bool(sk))
            for m, lr, s, sp, sa, o, op, oa, sk in zip(
                multiples, lrs, sigma1, plug.sigma1, asym.sigma1, overlap, plug.overlap_beta,
                asym.overlap_beta, plug.spiked)]

    print(f"n={config.n} d={config.d} h={config.h} seed={config.seed}: L(W0) = {loss:.4f}, "
          f"BBP rate η_c = {eta_c:.5g}")
    print(f"{'η/η_c':>6} {'η':>10} | {'σ1 sim':>9} {'plug-in':>9} {'asympt.':>9} | "
          f"{'⟨v1,β⟩² sim':>11} {'plug-in':>8} {'asympt.':>8} | spike")
    for r in rows:
        print(f"{r['multiple']:6.3g} {r['lr']:10.5g} | {r['sigma1_sim']:9.4f} {r['sigma1_plugin']:9.4f} "
              f"{r['sigma1_asymptotic']:9.4f} | {r['overlap_sim']:11.4f} {r['overlap_plugin']:8.4f} "
              f"{r['overlap_asymptotic']:8.4f} | {'yes' if r['spiked_plugin'] else 'no'}")

    with open(args.out / "one_gd_step.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    draw(rows, args.out / "one_gd_step.png")
    print(f"wrote {args.out / 'one_gd_step.csv'} and {args.out / 'one_gd_step.png'}")
    return rows


if __name__ == "__main__":
    main()
