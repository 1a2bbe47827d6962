"""Spectral diagnostics of your own weight matrix with `htcore.spectral`.

Shows the heavy-tailed self-regularisation (HT-SR) analysis of any 2-D matrix W (h×d), computed in one
call by `htcore.spectral.analyse`, and how to read each part of its `Report`:
the empirical spectral density (ESD, eigenvalues of the smaller Gram of W), the Hill and KS power-law
exponents of its tail, the bootstrap goodness-of-fit p-value of the power law, likelihood-ratio tests
against other tails, a Marchenko–Pastur (MP) fit with the spikes above the bulk edge, the same
exponents for random baselines (a Gaussian matrix and W with its entries permuted), and the HT-SR phase
(heavy-tailed only when the bootstrap does not reject the power law).

Run (from the repository root, after ``pip install -e .``)::

    python examples/spectrum_of_your_matrix.py my_weights.npy --out runs/my_spectrum
    python examples/spectrum_of_your_matrix.py                   # no file: saves and analyses a demo matrix
    python examples/spectrum_of_your_matrix.py --quick --out /tmp/spec   # small demo, 50 bootstrap draws

Without a file, a demo matrix with heavy-tailed entries (Student t, 2 degrees of freedom) is saved to
``--out``/demo_matrix.npy first. Writes to ``--out``: ``spectrum.json`` (every number printed) and
``spectrum.png`` (log–log ESD with the power-law fit, the MP density, the bulk edge and the spikes).
The same analysis as a command: ``htcore spectrum FILE``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from htcore import plots, spectral


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("matrix", nargs="?", type=Path, help="a .npy file holding one 2-D array")
    parser.add_argument("--n-boot", type=int, default=500, help="bootstrap replicates (default 500)")
    parser.add_argument("--demo-shape", type=int, nargs=2, default=(1000, 500), metavar=("H", "D"),
                        help="shape of the demo matrix when no file is given (default 1000 500)")
    parser.add_argument("--quick", action="store_true", help="50 bootstrap replicates, a 400×200 demo")
    parser.add_argument("--seed", type=int, default=0, help="seed of the demo, bootstrap and baselines")
    parser.add_argument("--out", type=Path, default=Path("runs/spectrum"), help="output directory")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_boot, args.demo_shape = 50, (400, 200)
    return args


def demo_matrix(shape: tuple[int, int], seed: int, path: Path) -> Path:
    """Save an h×d matrix of iid Student-t(2) entries (a heavy-tailed ESD) to `path`."""
    W = np.random.default_rng(np.random.SeedSequence(seed)).standard_t(2.0, size=tuple(shape))
    np.save(path, W)
    return path


def analyse(W: np.ndarray, n_boot: int, seed: int) -> tuple[dict, spectral.Report]:
    """Every diagnostic of `W` in one call (`htcore.spectral.analyse`), and the same as a JSON-ready dict."""
    report = spectral.analyse(W, n_boot=n_boot, seed=seed)  # ESD, fits, bootstrap, LR tests, baselines
    evals, fit, mp = report.evals, report.classification.fit, report.classification.mp
    base = report.baselines
    summary = {
        "shape": list(W.shape),
        "sigma1": float(np.sqrt(evals[-1])),
        "stable_rank": spectral.stable_rank(W),
        "alpha_hill": report.alpha_hill,
        "alpha_ks": fit.alpha, "alpha_ks_sigma": fit.sigma, "xmin": fit.xmin, "n_tail": fit.n_tail,
        "ks_distance": fit.D, "fit_reliable": fit.reliable, "fit_reason": fit.reason,
        "bootstrap_pvalue": report.bootstrap.pvalue, "n_boot": report.bootstrap.n_boot,
        "power_law_rejected": report.power_law_rejected,
        "likelihood_ratios": {name: {"R": lr.R, "p": lr.pvalue, "favoured": lr.favoured}
                              for name, lr in report.ratios.items()},
        "mp_variance": mp.variance, "mp_singular_edge": mp.singular_edges[1], "n_spikes": mp.n_spikes,
        "top_spikes_sigma": np.sqrt(mp.spikes[:5]).tolist(), "bulk_ks_vs_mp": mp.bulk_ks,
        "zero_fraction": mp.zero_fraction,
        "baseline_alpha_ks": {"gaussian": base.gaussian.alpha, "permuted": base.permuted.alpha},
        "baseline_alpha_hill": {"gaussian": base.gaussian_hill, "permuted": base.permuted_hill},
        "alpha_class": report.classification.alpha_class, "phase": report.phase.value,
    }
    return summary, report


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.matrix
    if path is None:
        path = demo_matrix(args.demo_shape, args.seed, args.out / "demo_matrix.npy")
        print(f"no matrix given: saved a demo {args.demo_shape[0]}×{args.demo_shape[1]} Student-t(2) "
              f"matrix to {path} and analysing it")
    W = np.load(path, allow_pickle=False)
    summary, report = analyse(W, args.n_boot, args.seed)
    evals, fit, mp = report.evals, report.classification.fit, report.classification.mp
    summary["source"] = str(path)

    print(f"{path}: {W.shape[0]}×{W.shape[1]}, σ1 = {summary['sigma1']:.5g}, "
          f"stable rank = {summary['stable_rank']:.4g}")
    print(f"  α Hill (median xmin) = {summary['alpha_hill']:.4f}")
    print(f"  α KS = {fit.alpha:.4f} ± {fit.sigma:.3g} from xmin = {fit.xmin:.5g} ({fit.n_tail} tail points), "
          f"D = {fit.D:.4f}{'' if fit.reliable else f'  [unreliable: {fit.reason}]'}")
    verdict = "rejected" if report.power_law_rejected else "not rejected"
    print(f"  bootstrap p = {summary['bootstrap_pvalue']:.3f} ({args.n_boot} replicates): power law {verdict} "
          "(p ≤ 0.1 rejects it, Clauset et al. 2009)")
    for name, lr in summary["likelihood_ratios"].items():
        print(f"  power law vs {name}: R = {lr['R']:.4g}, p = {lr['p']:.3g} → {lr['favoured']}")
    print(f"  MP fit: variance {mp.variance:.4g}, bulk edge σ = {mp.singular_edges[1]:.5g}, "
          f"{mp.n_spikes} spikes, bulk KS vs MP = {mp.bulk_ks:.4f}")
    print(f"  random baselines: α KS Gaussian {summary['baseline_alpha_ks']['gaussian']:.4g}, "
          f"permuted {summary['baseline_alpha_ks']['permuted']:.4g}")
    print(f"  HT-SR: α class '{summary['alpha_class']}', phase '{summary['phase']}'")

    (args.out / "spectrum.json").write_text(json.dumps(summary, indent=2) + "\n")
    fig = plots.esd_powerlaw(evals, W.shape, fit, mp)
    fig.savefig(args.out / "spectrum.png", dpi=120, bbox_inches="tight")
    print(f"wrote {args.out / 'spectrum.json'} and {args.out / 'spectrum.png'}")
    return summary


if __name__ == "__main__":
    main()
