"""Measure how much of α_Hill after several large GD steps a two-function variance profile carries.

Run: ``python -m validation.studies.measure_profile_tail [--seeds 11 12] [--lrs 2000 3000 6000] [--steps 1 2 3 5 10]
[--adam-lrs 0.3 1] [--bins 30] [--json FILE]`` (default sizes h = 1500, d = 1000, n = 2000; tanh/softplus,
ρ = 0.3; 10 steps of GD and of Adam).

Per run and step t, from the engine's W_t (``htcore.Trainer``): the outliers (the sample-only gap rule of the
one_step_spectrum suite, :func:`validation.suites.one_step_spectrum.outlier_count`) are removed through the
SVD, R = W_t − outliers; in the eigenbasis V of the training covariance S = XᵀX/n the row profile is
``v_i = mean_k (RV)_ik²`` and the column profile ``c_k = mean_i (RV)_ik² / mean (RV)²``. The state keeps only
two one-dimensional functions: v averaged over ``--bins`` equal-count bins of |a_i|, c over bins of S's
eigenvalue λ_k. :func:`theory.profile.profile_spectrum` maps that state plus the measured outlier
eigenvalues to a deterministic spectrum and its α_Hill, compared with α_Hill of W_t itself. The printed
table (docs/theory.md §9.7) also gives α_Hill with the signs of R V's entries randomised
(magnitudes and outliers kept: what a variance profile in that basis can carry at most), the unbinned
profile's α (what the binning loses) and R² of v on |a| and of c on λ. This measures the *map* from a
profile state to the spectrum; the state here is measured from the engine, not predicted. For Adam the
same read-out measures how much of its α_Hill drop a variance profile does *not* carry.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

import numpy as np

from htcore import Config, Trainer, spectral
from theory.profile import profile_spectrum
from validation.suites.one_step_spectrum import outlier_count


def binned(values: np.ndarray, key: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bin means, bin sizes, per-entry smoothed values) of `values` over equal-count bins of `key`."""
    chunks = np.array_split(np.argsort(key, kind="stable"), bins)
    means = np.array([values[c].mean() for c in chunks])
    smooth = np.empty_like(values)
    for c, m in zip(chunks, means):
        smooth[c] = m
    return means, np.array([c.size for c in chunks], dtype=float), smooth


def measure_state(W: np.ndarray, a: np.ndarray, lam: np.ndarray, V: np.ndarray, bins: int,
                  rng: np.random.Generator) -> dict:
    """α_Hill of W against the binned-profile law's (module docstring) for one weight matrix, and of W with
    the signs of R V's entries randomised (magnitudes and outliers kept)."""
    U, s, Vt = np.linalg.svd(W, full_matrices=False)
    k = outlier_count(s)
    spike = (U[:, :k] * s[:k]) @ Vt[:k]
    RV = (W - spike) @ V
    signs = rng.choice(np.array([-1.0, 1.0]), size=RV.shape)
    alpha_signs = spectral.hill_alpha(spectral.esd((RV * signs) @ V.T + spike))
    v = (RV ** 2).mean(axis=1)
    c = (RV ** 2).mean(axis=0) / (RV ** 2).mean()
    vb, wv, vs = binned(v, np.abs(a), bins)
    cb, wc, cs = binned(c, lam, bins)
    law = profile_spectrum(vb, cb, row_weights=wv, col_weights=wc, outliers_eig=s[:k] ** 2)
    exact = profile_spectrum(v, c, outliers_eig=s[:k] ** 2)
    return {"outliers": k, "alpha_sim": spectral.hill_alpha(s ** 2), "alpha_binned": law.alpha_hill(),
            "alpha_profile": exact.alpha_hill(), "alpha_signs_randomised": alpha_signs,
            "r2_rows": float(1 - np.var(v - vs) / np.var(v)),
            "r2_cols": float(1 - np.var(c - cs) / np.var(c))}


def run(optimizer: str, lr: float, seed: int, steps: Sequence[int], bins: int) -> list[dict]:
    """One run of max(steps) steps at the default size; a record per requested step."""
    trainer = Trainer(Config(optimizer=optimizer, lr=lr, steps=max(steps), seed=seed))
    X = trainer.problem.X
    lam, V = np.linalg.eigh(X.T @ X / X.shape[0])
    a = np.asarray(trainer.problem.a).ravel()
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7]))
    records = []
    for t in range(1, max(steps) + 1):
        trainer.step()
        if t in steps:
            rec = measure_state(np.asarray(trainer.W, dtype=float), a, lam, V, bins, rng)
            records.append({"optimizer": optimizer, "lr": lr, "seed": seed, "step": t, **rec})
            print(f"{optimizer} η = {lr:g}, seed {seed}, step {t}: W_t α {rec['alpha_sim']:.4f}, "
                  f"law of the binned profile {rec['alpha_binned']:.4f} (unbinned {rec['alpha_profile']:.4f}), "
                  f"signs randomised {rec['alpha_signs_randomised']:.4f}, "
                  f"outliers {rec['outliers']}, "
                  f"R² rows {rec['r2_rows']:.2f}, columns {rec['r2_cols']:.2f}", flush=True)
    return records


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m validation.studies.measure_profile_tail",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 12])
    parser.add_argument("--lrs", type=float, nargs="*", default=[2000.0, 3000.0, 6000.0], help="GD learning rates")
    parser.add_argument("--adam-lrs", type=float, nargs="*", default=[0.3, 1.0])
    parser.add_argument("--steps", type=int, nargs="+", default=[1, 2, 3, 5, 10])
    parser.add_argument("--bins", type=int, default=30)
    parser.add_argument("--json", default=None, help="write the records here")
    args = parser.parse_args(argv)
    runs = [("gd", lr) for lr in args.lrs] + [("adam", lr) for lr in args.adam_lrs]
    records = [r for opt, lr in runs for seed in args.seeds for r in run(opt, lr, seed, args.steps, args.bins)]
    print("\n| run | step | W_t α_Hill (mean over seeds) | binned-profile law − W_t | unbinned − W_t "
          "| signs randomised − W_t | R² rows, columns |")
    print("|---|---|---|---|---|---|---|")
    for opt, lr in runs:
        for t in args.steps:
            rs = [r for r in records if (r["optimizer"], r["lr"], r["step"]) == (opt, lr, t)]
            e_b = np.array([r["alpha_binned"] - r["alpha_sim"] for r in rs])
            e_p = np.array([r["alpha_profile"] - r["alpha_sim"] for r in rs])
            e_s = np.array([r["alpha_signs_randomised"] - r["alpha_sim"] for r in rs])
            name = f"{'GD' if opt == 'gd' else 'Adam'} η = {lr:g}"
            print(f"| {name} | {t} | {np.mean([r['alpha_sim'] for r in rs]):.3f} | {e_b.mean():+.3f} "
                  f"(worst {e_b[np.argmax(np.abs(e_b))]:+.3f}) | {e_p.mean():+.3f} | {e_s.mean():+.3f} | "
                  f"{np.mean([r['r2_rows'] for r in rs]):.2f}, {np.mean([r['r2_cols'] for r in rs]):.2f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(records, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
