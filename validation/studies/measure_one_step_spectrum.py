"""Measure `theory.one_step_spectrum` / `theory.plugin_one_step_spectrum` against the engine.

Run: ``python -m validation.studies.measure_one_step_spectrum [--seeds 10 11 12 13] [--d 1000] [--pairs all]
[--json FILE]`` (default: sizes h = 3d/2, n = 2d, d = 1000; both (student, teacher) pairs tanh/softplus and
erf/tanh; ρ = 0.3; η = m·η_c for m in 0.5, 1.5, 3, 6, 12, 30 with η_c = `theory.bbp_lr`). Prints the
markdown tables of docs/theory.md, section "One-step eigenvalue law" (about 5–15 min on 2 cores).

Simulation: ``p = htcore.make_problem(Config(seed, activation, teacher, d, h, n))``,
``G = htcore.kernels.loss_and_grad(p.W0, p.a, p.X, p.y)``, GD ``W1 = W0 − ηG``, Adam's first step
``W1 = W0 − ηG/(|G| + 1e-8)``; eigenvalues of W1ᵀW1 and its top-3 singular vectors.

Metrics (k = number of predicted outliers):

* ``edge %``: 100·(√(predicted upper bulk edge)/σ_{k+1} − 1), σ_{k+1} the simulated largest non-outlier
  singular value; asymptotic form against the mean of σ_{k+1} over seeds, plug-in per seed (worst |·|).
* ``KS``: sup |F_pred − F_emp| over the d − k smallest simulated eigenvalues (worst seed).
* ``count``: seeds on which k equals the number of simulated singular values above 1.03·√edge_pred
  (the 3 % margin is a fixed detection rule, larger than the edge errors measured here).
* ``σ1 %``: 100·(√outlier_pred/σ1 − 1) (asymptotic vs seed mean, plug-in worst seed); in brackets the
  seed-to-seed standard deviation of the simulated σ1 (% of its mean), the sampling scale of the
  asymptotic comparison.
* overlaps ``⟨v1,β⟩²`` and ``⟨u1,a/‖a‖⟩²``: predicted − simulated (asymptotic vs seed mean, plug-in worst).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass

import numpy as np

import htcore
import theory
from htcore.kernels import loss_and_grad

MULTIPLES = (0.5, 1.5, 3.0, 6.0, 12.0, 30.0)
PAIRS = {"tanh/softplus": ("tanh", "softplus"), "erf/tanh": ("erf", "tanh")}
COUNT_MARGIN = 1.03


@dataclass
class SimStep:
    """Simulated W1 spectrum: ascending eigenvalues, top-3 ⟨v,β⟩² and ⟨u,a/‖a‖⟩²."""

    ev: np.ndarray
    vb: np.ndarray
    ua: np.ndarray


def one_step_spectra(p: htcore.Problem, optimizer: str, lrs, activation: str = "tanh") -> list[SimStep]:
    """W1 after one GD step (W0 − ηG) or Adam's first step (W0 − ηG/(|G| + 1e-8)) from the problem `p`, at
    each learning rate of `lrs`: its spectrum and top-3 overlaps (also used by tests/theory)."""
    _, G = loss_and_grad(p.W0, p.a, p.X, p.y, activation=activation)
    step = G if optimizer == "gd" else G / (np.abs(G) + 1e-8)
    ahat = p.a / np.linalg.norm(p.a)
    out = []
    for eta in lrs:
        W1 = p.W0 - eta * step
        ev, V = np.linalg.eigh(W1.T @ W1)
        top = V[:, -3:][:, ::-1]
        sv = np.sqrt(ev[-3:][::-1])
        U = W1 @ top / sv
        out.append(SimStep(ev=ev, vb=(top.T @ p.beta) ** 2, ua=(U.T @ ahat) ** 2))
    return out


def simulate(seed: int, activation: str, teacher: str, d: int, optimizer: str, lrs: np.ndarray
             ) -> tuple[htcore.Problem, list[SimStep]]:
    """One engine draw and W1 after one GD or Adam step at each learning rate."""
    h, n = 3 * d // 2, 2 * d
    p = htcore.make_problem(htcore.Config(seed=seed, activation=activation, teacher=teacher, d=d, h=h, n=n))
    return p, one_step_spectra(p, optimizer, lrs, activation)


def ks_distance(pred, ev: np.ndarray) -> float:
    """sup |F_pred − F_emp| over the sorted sample ev (both one-sided empirical steps)."""
    c = np.asarray(pred.cdf(ev))
    N = ev.size
    return float(max(np.max(np.abs(c - np.arange(1, N + 1) / N)), np.max(np.abs(c - np.arange(N) / N))))


def compare(pred, sim: SimStep) -> dict:
    """Per-seed comparison of one predicted spectrum with one simulated spectrum."""
    k = len(pred.outliers)
    ev = sim.ev
    sv_desc = np.sqrt(np.clip(ev[::-1], 0.0, None))
    edge = math.sqrt(pred.bulk_edges[1])
    row = {"k": k, "k_sim": int(np.sum(sv_desc > COUNT_MARGIN * edge)), "edge_pred": edge,
           "sigma_next": float(sv_desc[k]), "ks": ks_distance(pred, ev[: ev.size - k])}
    if k:
        row.update(sigma1_pred=math.sqrt(pred.outliers[0]), sigma1=float(sv_desc[0]),
                   ua_pred=float(pred.overlap_a[0]), ua=float(sim.ua[0]), vb=float(sim.vb[0]),
                   vb_pred=None if pred.overlap_beta is None else float(pred.overlap_beta[0]))
    return row


def measure(pair: str, optimizer: str, seeds: list[int], d: int) -> dict:
    """Asymptotic and plug-in comparisons at every multiple of η_c for one pair and optimiser."""
    act, teach = PAIRS[pair]
    h, n = 3 * d // 2, 2 * d
    eta_c = theory.bbp_lr(optimizer, n=n, d=d, h=h, activation=act, teacher=teach)
    lrs = np.array(MULTIPLES) * eta_c
    t0 = time.process_time()
    asym = theory.one_step_spectrum(optimizer, lrs, n=n, d=d, h=h, activation=act, teacher=teach)
    t_asym = time.process_time() - t0
    rows = {m: {"asym": [], "plug": []} for m in MULTIPLES}
    t_plug = 0.0
    for seed in seeds:
        p, sims = simulate(seed, act, teach, d, optimizer, lrs)
        t0 = time.process_time()
        plug = theory.plugin_one_step_spectrum(optimizer, lrs, p.W0, p.a, p.X, p.y, beta=p.beta,
                                               activation=act)
        t_plug += time.process_time() - t0
        for m, a, pl, s in zip(MULTIPLES, asym, plug, sims):
            rows[m]["asym"].append(compare(a, s))
            rows[m]["plug"].append(compare(pl, s))
    return {"rows": rows, "eta_c": eta_c, "time_asym_per_lr": t_asym / len(lrs),
            "time_plug_per_lr": t_plug / (len(lrs) * len(seeds))}


def _worst(values: list[float]) -> float:
    return max(values, key=abs)


def summarise(rows: dict) -> list[dict]:
    """One summary line per multiple (see the module docstring for the definitions)."""
    out = []
    for m, r in rows.items():
        a, p = r["asym"], r["plug"]
        line = {"m": m,
                "edge_asym": 100 * (a[0]["edge_pred"] / np.mean([x["sigma_next"] for x in a]) - 1),
                "edge_plug": _worst([100 * (x["edge_pred"] / x["sigma_next"] - 1) for x in p]),
                "ks_asym": max(x["ks"] for x in a), "ks_plug": max(x["ks"] for x in p),
                "count_asym": sum(x["k"] == x["k_sim"] for x in a),
                "count_plug": sum(x["k"] == x["k_sim"] for x in p),
                "k": p[0]["k"], "n": len(p)}
        if all(x["k"] for x in a):
            s1 = np.mean([x["sigma1"] for x in a])
            line.update(s1_asym=100 * (a[0]["sigma1_pred"] / s1 - 1),
                        s1_spread=100 * np.std([x["sigma1"] for x in a], ddof=1) / s1,
                        vb_asym=a[0]["vb_pred"] - np.mean([x["vb"] for x in a]),
                        ua_asym=a[0]["ua_pred"] - np.mean([x["ua"] for x in a]))
        if all(x["k"] for x in p):
            line.update(s1_plug=_worst([100 * (x["sigma1_pred"] / x["sigma1"] - 1) for x in p]),
                        vb_plug=_worst([x["vb_pred"] - x["vb"] for x in p]),
                        ua_plug=_worst([x["ua_pred"] - x["ua"] for x in p]),
                        ua_sim=np.mean([x["ua"] for x in p]), vb_sim=np.mean([x["vb"] for x in p]))
        out.append(line)
    return out


def markdown(pair: str, optimizer: str, summary: list[dict], res: dict) -> str:
    f = lambda line, key, fmt: format(line[key], fmt) if key in line else "–"  # noqa: E731
    head = (f"**{optimizer.upper()}, {pair}** (η_c = {res['eta_c']:.4g}; CPU time per η: asymptotic "
            f"{res['time_asym_per_lr']:.2f} s, plug-in {res['time_plug_per_lr']:.2f} s)\n\n"
            "| η/η_c | edge % asym / plug | KS asym / plug | count ok asym / plug | σ1 % asym / plug (seed sd %) "
            "| ⟨v1,β⟩² sim; err asym / plug | ⟨u1,â⟩² sim; err asym / plug |\n"
            "|---|---|---|---|---|---|---|\n")
    lines = []
    for s in summary:
        lines.append(
            f"| {s['m']:g} | {s['edge_asym']:+.2f} / {s['edge_plug']:+.2f} | {s['ks_asym']:.4f} / "
            f"{s['ks_plug']:.4f} | {s['count_asym']}/{s['n']} / {s['count_plug']}/{s['n']} (k={s['k']}) | "
            f"{f(s, 's1_asym', '+.2f')} / {f(s, 's1_plug', '+.2f')} ({f(s, 's1_spread', '.1f')}) | "
            f"{f(s, 'vb_sim', '.3f')}; "
            f"{f(s, 'vb_asym', '+.3f')} / {f(s, 'vb_plug', '+.3f')} | {f(s, 'ua_sim', '.3f')}; "
            f"{f(s, 'ua_asym', '+.3f')} / {f(s, 'ua_plug', '+.3f')} |")
    return head + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[10, 11, 12, 13])
    parser.add_argument("--d", type=int, default=1000)
    parser.add_argument("--pairs", choices=["all", *PAIRS], default="all")
    parser.add_argument("--optimizers", nargs="+", choices=["gd", "adam"], default=["gd", "adam"])
    parser.add_argument("--json", default=None, help="also write every per-seed row to this file")
    args = parser.parse_args(argv)
    pairs = list(PAIRS) if args.pairs == "all" else [args.pairs]
    dump = {}
    for pair in pairs:
        for opt in args.optimizers:
            res = measure(pair, opt, args.seeds, args.d)
            summary = summarise(res["rows"])
            print(markdown(pair, opt, summary, res), flush=True)
            dump[f"{pair} {opt}"] = {"summary": summary, "rows": {str(k): v for k, v in res["rows"].items()},
                                     "eta_c": res["eta_c"]}
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(dump, fh, indent=1, default=float)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
