"""Error of the asymptotic one-step predictions, measured precisely across sizes (suite `finite_size`).

At d in the suite's ladder (h = 3d/2, n = 2d, the default ratios), one GD and one Adam step at
η = 6·η_c (well above the BBP threshold, where the bulk is still the iid one) are compared with
``theory.predict_one_step`` (using each draw's realised A and ā). The asymptotic forms scatter from seed
to seed by several per cent (the f0 and data fluctuations of one draw), so the plain mean over a few
simulated seeds cannot see a 1 % bias. This suite therefore uses a **control variate**: the plug-in form
(``theory.plugin_one_step``), which tracks each draw's fluctuation, splits the error in two,

    E[asymptotic − simulation] = E[asymptotic − plug-in] + E[plug-in − simulation],

the first term averaged over many cheap draws (a draw needs W0, a, X, y and one forward pass, no step and
no SVD), the second over the simulated seeds, where it scatters little. The error estimate's standard error is
``√(sd₁²/N_draws + sd₂²/N_seeds)`` with both sds measured on calibration seeds. Relative quantities use
relative differences (their sum is the relative error to first order).

Check (per quantity): at the largest d of the ladder, ``|estimate| ≤ bias + K·SE`` with the bias
allowances of the one-step suites (σ1 0.5 %, overlaps 0.01, per-neuron 2 %, q 0.005). The smaller sizes
are reported (figure, results.json) to show the error shrinking with d. Draws per size scale like 1/d
(``draws`` of its sizes at d = 1000), which keeps the standard error about the same at every size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import theory
from validation.calibration import Calibration
from validation.checks import K_SIGMA, Check, Judge, SuiteResult
from validation.suites import _one_step_common
from validation.suites._one_step_common import (
    OVERLAP_BIAS,
    PER_NEURON_BIAS,
    Q_BIAS,
    SIGMA1_BIAS,
    critical_lr,
    per_seed,
    sizes,
)
from validation.tasks import Profile, Task, sizes_for, task_seed

NAME = "finite_size"
#: Per profile: the ladder of sizes d, check seeds per size and plug-in draws (at d = 1000, :func:`draws_at`).
SIZES = {"quick": {"ds": (250, 500, 1000), "seeds": 4, "draws": 384},
         "full": {"ds": (250, 500, 1000, 2000), "seeds": 6, "draws": 192}}
MULTIPLE = 6.0
#: Largest d at which the engine's ε-softened Adam step counts as a sign step for q (beyond: open target).
EPS_NEGLIGIBLE_MAX_D = 1000
#: Why Adam's q beyond EPS_NEGLIGIBLE_MAX_D is open.
EPS_WHY_OPEN = ("the engine's Adam ε = 1e-8 softens the sign step by ε/|G_ij| ∝ d^(5/4), which the sign-descent "
                "theory of q ignores")
#: Plug-in draws per task (the draws of one size are split into tasks of this many).
DRAWS_PER_TASK = 32
#: (label, optimizer, quantity, relative error?, allowed bias)
QUANTITIES = (
    ("GD σ1", "gd", "sigma1", True, SIGMA1_BIAS),
    ("GD ⟨v1,β⟩²", "gd", "overlap_beta", False, OVERLAP_BIAS),
    ("GD ⟨u1,a⟩²", "gd", "overlap_a", False, OVERLAP_BIAS),
    ("GD per-neuron cos²", "gd", "per_neuron_alignment", True, PER_NEURON_BIAS),
    ("Adam σ1", "adam", "sigma1", True, SIGMA1_BIAS),
    ("Adam ⟨v1,β⟩²", "adam", "overlap_beta", False, OVERLAP_BIAS),
    ("Adam q", "adam", "signal_fraction", False, Q_BIAS),
)


def _difference(predicted: np.ndarray, reference: np.ndarray, relative: bool) -> np.ndarray:
    return (predicted - reference) / reference if relative else predicted - reference


def plugin_draws(d: int, seed: int, count: int) -> dict:
    """For `count` independent draws (W0, a, β, X, y) of the model at size d: asymptotic (realised A, ā)
    minus plug-in prediction of every quantity of :data:`QUANTITIES` at η = 6·η_c (relative differences
    for relative quantities). Returns ``{optimizer: {quantity: [differences]}}``."""
    sz = sizes(d)
    n, h = sz["n"], sz["h"]
    out: dict = {opt: {key: [] for _, o, key, _, _ in QUANTITIES if o == opt} for opt in theory.one_step.OPTIMIZERS}
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(count)]
    for rng in rngs:
        beta = rng.standard_normal(d)
        beta /= np.linalg.norm(beta)
        W0, a, X = rng.standard_normal((h, d)), rng.standard_normal(h), rng.standard_normal((n, d))
        y = np.logaddexp(0.0, X @ beta) + 0.3 * rng.standard_normal(n)
        for opt, keys in out.items():
            lr = MULTIPLE * critical_lr(opt, d)
            plug = theory.plugin_one_step(opt, lr, W0, a, X, y, beta=beta, law=False)
            asym = theory.predict_one_step(opt, lr, **sz, readout_scale=math.sqrt(float(a @ a) / h),
                                           readout_abar=float(np.abs(a).mean()), law=False)
            for key in keys:
                relative = next(r for _, o, k, r, _ in QUANTITIES if (o, k) == (opt, key))
                keys[key].append(float(_difference(np.asarray(getattr(asym, key)),
                                                   np.asarray(getattr(plug, key)), relative)))
    return out


def draws_at(draws: int, d: int) -> int:
    """Plug-in draws at size d: ``draws·1000/d`` (`draws`: the suite's draws at d = 1000), rounded up to
    whole tasks."""
    wanted = draws * 1000 / d
    return DRAWS_PER_TASK * max(1, math.ceil(wanted / DRAWS_PER_TASK))


def describe(sizes: Mapping[str, Any]) -> str:
    """The report header's words for these sizes."""
    return (f"d = {', '.join(map(str, sizes['ds']))} × {sizes['seeds']} seeds + {sizes['draws']} plug-in draws "
            "(at d = 1000)")


def plan(profile: Profile, role: str = "check") -> list[Task]:
    """Per d: simulated seeds (both optimizers at 6·η_c), then the plug-in draws in tasks of 32."""
    s = sizes_for(SIZES, profile, NAME)
    grid = {"gd": [MULTIPLE], "adam": [MULTIPLE]}
    tasks = []
    for k, d in enumerate(s["ds"]):
        seeds = profile.seeds_for(s["seeds"], role)
        tasks += [Task(_one_step_common.__name__, "simulate",
                       {"d": d, "seed": task_seed(NAME, k * 1000 + i, role), "grid": grid},
                       cost=(d / 1000) ** 3) for i in range(seeds)]
        tasks += [Task(__name__, "plugin_draws",
                       {"d": d, "seed": task_seed(NAME, 500_000 + k * 1000 + j, role), "count": DRAWS_PER_TASK},
                       cost=DRAWS_PER_TASK * 0.1 * (d / 1000) ** 2)
                  for j in range(draws_at(s["draws"], d) // DRAWS_PER_TASK)]
    return tasks


def _split(s: Mapping[str, Any], outputs: list[dict], role_seeds: int) -> list[tuple[list[dict], list[dict]]]:
    """Per d of the sizes `s`: (simulated seeds, plug-in draw tasks), in plan order."""
    groups, offset = [], 0
    for d in s["ds"]:
        tasks = draws_at(s["draws"], d) // DRAWS_PER_TASK
        groups.append((outputs[offset:offset + role_seeds], outputs[offset + role_seeds:offset + role_seeds + tasks]))
        offset += role_seeds + tasks
    return groups


def _estimate(judge: Judge, label: str, d: int, sims: list[dict], draws: list[dict], optimizer: str, key: str,
              relative: bool) -> tuple[float, float, np.ndarray, np.ndarray]:
    """(control-variate estimate of E[asym − sim], its calibrated standard error, the two difference
    samples) at one size; records both samples' scatter in a calibration run."""
    cv = np.array([x for task in draws for x in task[optimizer][key]])
    ps = _difference(per_seed(sims, optimizer, "plugin", key)[:, 0], per_seed(sims, optimizer, "sim", key)[:, 0],
                     relative)
    scatter = []
    for part, sample in (("asymptotic − plug-in", cv), ("plug-in − simulation", ps)):
        name = judge.key(f"{label}, d = {d}: {part}")
        judge.calibration.observe(name, sample)
        scatter.append(judge.calibration.sd(name))
    se = math.sqrt(scatter[0] ** 2 / cv.size + scatter[1] ** 2 / ps.size)
    return float(cv.mean() + ps.mean()), se, cv, ps


def evaluate(profile: Profile, outputs: list[dict], calibration: Calibration) -> SuiteResult:
    """One check per quantity at the largest d; data: the error ladder for the figure."""
    judge = Judge(NAME, calibration)
    s = sizes_for(SIZES, profile, NAME)
    role_seeds = len(outputs) - sum(draws_at(s["draws"], d) // DRAWS_PER_TASK for d in s["ds"])
    role_seeds //= len(s["ds"])
    groups = _split(s, outputs, role_seeds)
    d_max = max(s["ds"])
    checks: list[Check] = []
    data: dict = {"d": list(s["ds"]), "multiple": MULTIPLE, "quantities": {}}
    for label, optimizer, key, relative, bias in QUANTITIES:
        ladder = [_estimate(judge, label, d, sims, draws, optimizer, key, relative)
                  for d, (sims, draws) in zip(s["ds"], groups)]
        data["quantities"][label] = {"errors": [e for e, *_ in ladder], "se": [s for _, s, *_ in ladder],
                                     "relative": relative}
        error, se, cv, ps = ladder[-1]
        sims = groups[-1][0]
        sim_values = per_seed(sims, optimizer, "sim", key)[:, 0]
        eps_open = optimizer == "adam" and key == "signal_fraction" and d_max > EPS_NEGLIGIBLE_MAX_D
        check = Check(name=f"{label}: asymptotic error at d = {d_max} (control variate)",
                      prediction=float(per_seed(sims, optimizer, "asymptotic", key)[:, 0].mean()),
                      sim_mean=float(sim_values.mean()),
                      sim_sd=float(sim_values.std(ddof=1)) if sim_values.size > 1 else 0.0,
                      error=abs(error), tolerance=bias + K_SIGMA * se,
                      error_kind="|mean rel|" if relative else "|mean abs|",
                      reason=f"E[asym − plug-in] over {cv.size} draws + E[plug-in − sim] over {ps.size} seeds; "
                             f"bias {bias:g} + {K_SIGMA:g} calibrated SE",
                      bias=bias, scatter=se, seeds=ps.size, gating=not eps_open,
                      target=f"the q bias of the gating rows at d ≤ {EPS_NEGLIGIBLE_MAX_D}" if eps_open else "",
                      why_open=EPS_WHY_OPEN if eps_open else "")
        checks.append(check)
    data["per_seed"] = [g[0] for g in groups]
    return SuiteResult(name=NAME, checks=checks, data=data)


def figures(data: Mapping[str, dict]) -> dict[str, Figure]:
    """The report's figure of this suite, from its data (``data[NAME]``)."""
    return {"finite_size_error.png": fig_finite_size(data[NAME])} if NAME in data else {}


def fig_finite_size(data: dict) -> Figure:
    """Control-variate error estimate of each asymptotic quantity vs d, with ±3 standard errors."""
    fig = Figure(figsize=(6.5, 4.8))
    ax = fig.subplots()
    d = np.array(data["d"], dtype=float)
    for k, (label, q) in enumerate(data["quantities"].items()):
        shift = 1.0 + 0.02 * (k - len(data["quantities"]) / 2)
        ax.errorbar(d * shift, q["errors"], yerr=3.0 * np.array(q["se"]), fmt="o-", ms=4, color=f"C{k}",
                    label=f"{label} ({'rel' if q['relative'] else 'abs'})")
    ax.axhline(0.0, color="grey", lw=0.8)
    ax.set_xscale("log")
    ax.set(xlabel="d (h = 3d/2, n = 2d)", ylabel="asymptotic − simulation (± 3 SE)",
           title=f"error of the asymptotic forms, η = {data['multiple']:g}·η_c")
    ax.legend(fontsize=7)
    return fig
