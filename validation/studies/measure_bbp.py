"""Study: the BBP suite's measurement rule across sizes (docs/validation.md, "bbp").

    python -m validation.studies.measure_bbp [--sizes 250 500 1000 2000] [--seeds 64] [--draws 400] [--workers 2]

For each size d (h = 3d/2, n = 2d): c★, the median of the gap statistic T of a critical rank-one spiked
Gaussian matrix (``validation.suites.bbp.spiked_gaps``, with its bootstrap standard error), then for GD and Adam
the median over seeds of the η where T crosses c★ (the suite's measured BBP rate) and, for comparison,
where T crosses a fixed line T = 4, both in units of ``theory.bbp_lr`` at that size, each with its
bootstrap standard error. Seeds are this study's own (role "calibration" keys offset by 10⁶, never a
check seed). A rule without a finite-size offset gives ratios ≈ 1 at every size; a fixed line drifts.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

import numpy as np

import theory
from validation.suites import bbp
from validation.suites._one_step_common import sizes
from validation.tasks import task_seed

FIXED_LINE = 4.0
SEED_OFFSET = 1_000_000


def _median_se(values: np.ndarray) -> float:
    rng = np.random.default_rng(0)
    medians = np.median(rng.choice(values, size=(bbp.BOOTSTRAP, values.size)), axis=1)
    return float(np.std(medians[np.isfinite(medians)], ddof=1))


def study(d: int, seeds: int, draws: int, workers: int) -> dict:
    """c★ and the median crossings at size d (module docstring)."""
    h = sizes(d)["h"]
    chunks = [min(50, draws - k) for k in range(0, draws, 50)]
    with ProcessPoolExecutor(workers) as pool:
        runs = list(pool.map(bbp.simulate, [d] * seeds,
                             [task_seed("measure_bbp", SEED_OFFSET + i, "calibration") for i in range(seeds)]))
        spiked = list(pool.map(bbp.spiked_gaps, [h] * len(chunks), [d] * len(chunks), chunks,
                               [task_seed("measure_bbp", 2 * SEED_OFFSET + j, "calibration")
                                for j in range(len(chunks))]))
    critical = np.concatenate([s["critical_gaps"] for s in spiked])
    level = float(np.median(critical))
    row = {"d": d, "c_star": level, "c_star_se": _median_se(critical)}
    for opt in theory.one_step.OPTIMIZERS:
        lr = np.asarray(runs[0][opt]["lr"])
        eta_c = theory.bbp_lr(opt, **sizes(d))
        for rule, c in (("median", level), ("fixed", FIXED_LINE)):
            x = np.array([bbp.crossing(lr, r[opt]["gap"], c) for r in runs]) / eta_c
            row[f"{opt}_{rule}"] = float(np.median(x))
            row[f"{opt}_{rule}_se"] = _median_se(x)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 500, 1000, 2000])
    parser.add_argument("--seeds", type=int, default=64)
    parser.add_argument("--draws", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    print("| d | c★ | GD: median crossing / η_c | GD: T = 4 line | Adam: median crossing / η_c | Adam: T = 4 line |")
    print("|---|---|---|---|---|---|")
    for d in args.sizes:
        seeds = args.seeds if d <= 1000 else max(16, args.seeds // 4)
        draws = args.draws if d <= 1000 else max(100, args.draws // 4)
        r = study(d, seeds, draws, args.workers)
        cells = [f"{r[k]:.3f} ± {r[k + '_se']:.3f}" for k in ("gd_median", "gd_fixed", "adam_median", "adam_fixed")]
        print(f"| {d} ({seeds} seeds, {draws} draws) | {r['c_star']:.2f} ± {r['c_star_se']:.2f} | " + " | ".join(cells)
              + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
