"""Proven power: perturb one prediction, re-judge the same simulations, and see whether the validation fails.

    python -m validation.power [--quick | --full] [--workers N] [--out FILE]

Simulates the check seeds of the profile once, then for each quantity of :data:`PERTURBATIONS` and each
size δ on its grid evaluates the suites again with that prediction perturbed (both signs), and reports
the smallest δ at which, for both signs, a gating check that passes unperturbed fails — the profile's
**detection limit** for that quantity. A perturbation changes what the theory predicts, never the
simulation: predictions computed in the simulation tasks (plug-in and asymptotic one-step forms) are
changed in the outputs, predictions computed while judging (spiked-matrix formulas, the BBP learning
rate, the published α trajectory) are patched for the duration of the evaluation. The tests
(tests/validation) assert the detection limits required of the quick profile (docs/validation.md
"Power").
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

import theory
from htcore.cli import ArgParser
from validation import registry
from validation.calibration import Calibration
from validation.options import add_profile, add_workers
from validation.runner import Simulations, evaluate, simulate
from validation.suites import multi_step
from validation.tasks import PROFILES

#: The suites whose simulation outputs carry one-step predictions (plug-in and asymptotic forms).
ONE_STEP_SUITES = ("gd_one_step", "adam_one_step", "finite_size")


def _map_forms(sims: Simulations, key: str, change: Callable[[float], float],
               forms: tuple[str, ...] = ("plugin", "asymptotic")) -> Simulations:
    """A copy of `sims` with `change` applied to the predicted `key` of the one-step outputs."""
    outputs = copy.deepcopy(sims.outputs)
    for suite in ONE_STEP_SUITES:
        for out in outputs.get(suite, []):
            if "seed" not in out:  # a finite-size batch of plug-in draws: differences, not predictions
                continue
            for opt in set(theory.one_step.OPTIMIZERS) & set(out):
                for form in forms:
                    for rec in out[opt][form]:
                        if rec.get(key) is not None:
                            rec[key] = change(rec[key])
    return replace(sims, outputs=outputs)


def _map_spectrum(sims: Simulations, key: str, change: Callable[[float], float]) -> Simulations:
    """A copy of `sims` with `change` applied to the predicted `key` of the one-step-spectrum outputs."""
    outputs = copy.deepcopy(sims.outputs)
    for out in outputs.get("one_step_spectrum", []):
        for opt in set(theory.one_step.OPTIMIZERS) & set(out):
            for rec in out[opt]:
                for form in ("plugin", "asymptotic"):
                    rec[form][key] = change(rec[form][key])
    return replace(sims, outputs=outputs)


def _in_spectrum(key: str, relative: bool) -> Callable:
    @contextmanager
    def apply(sims: Simulations, delta: float) -> Iterator[Simulations]:
        yield _map_spectrum(sims, key, (lambda x: x * (1.0 + delta)) if relative else (lambda x: x + delta))
    return apply


def _asymptotic_bias(sims: Simulations, delta: float) -> Simulations:
    """Asymptotic σ1 × (1 + δ) everywhere, including the finite-size control-variate differences."""
    out = _map_forms(sims, "sigma1", lambda x: x * (1.0 + delta), forms=("asymptotic",))
    for task in out.outputs.get("finite_size", []):
        if "seed" not in task:  # plug-in draws: (asym − plug-in)/plug-in → (1 + δ)(1 + e) − 1
            for opt in theory.one_step.OPTIMIZERS:
                task[opt]["sigma1"] = [(1.0 + delta) * (1.0 + e) - 1.0 for e in task[opt]["sigma1"]]
    return out


@contextmanager
def _patched(obj: object, name: str, wrap: Callable) -> Iterator[None]:
    original = getattr(obj, name)
    setattr(obj, name, wrap(original))
    try:
        yield
    finally:
        setattr(obj, name, original)


@dataclass(frozen=True)
class Perturbation:
    """A named change of one prediction by δ: ``apply(sims, δ)`` is a context manager yielding the
    simulations to judge (changed or not) while any patch of a theory function is in force."""

    name: str
    relative: bool
    grid: tuple[float, ...]
    apply: Callable[[Simulations, float], contextmanager]
    #: the suites whose checks can see this prediction (only these are judged again)
    suites: tuple[str, ...] = ()


def _in_outputs(key: str, relative: bool) -> Callable:
    @contextmanager
    def apply(sims: Simulations, delta: float) -> Iterator[Simulations]:
        yield _map_forms(sims, key, (lambda x: x * (1.0 + delta)) if relative else (lambda x: x + delta))
    return apply


def _patch(obj: object, name: str, wrap: Callable[[Callable, float], Callable]) -> Callable:
    @contextmanager
    def apply(sims: Simulations, delta: float) -> Iterator[Simulations]:
        with _patched(obj, name, lambda f: wrap(f, delta)):
            yield sims
    return apply


@contextmanager
def _asymptotic(sims: Simulations, delta: float) -> Iterator[Simulations]:
    yield _asymptotic_bias(sims, delta)


def _scaled(f: Callable, delta: float) -> Callable:
    return lambda *a, **k: f(*a, **k) * (1.0 + delta)


def _shifted_overlaps(f: Callable, delta: float) -> Callable:
    def g(*a, **k):
        overlaps = f(*a, **k)
        return type(overlaps)(np.asarray(overlaps.left) + delta, np.asarray(overlaps.right) + delta)
    return g


REL = (0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.2)
ABS = (0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1)

PERTURBATIONS: tuple[Perturbation, ...] = (
    Perturbation("one-step σ1 (plug-in and asymptotic)", True, REL, _in_outputs("sigma1", True), ONE_STEP_SUITES),
    Perturbation("one-step bulk edge", True, REL, _in_outputs("bulk_edge", True), ONE_STEP_SUITES),
    Perturbation("one-step ⟨v1,β⟩²", False, ABS, _in_outputs("overlap_beta", False), ONE_STEP_SUITES),
    Perturbation("one-step ⟨u1,a⟩²", False, ABS, _in_outputs("overlap_a", False), ONE_STEP_SUITES),
    Perturbation("GD per-neuron alignment", False, ABS, _in_outputs("per_neuron_alignment", False), ONE_STEP_SUITES),
    Perturbation("Adam signal fraction q", False, ABS, _in_outputs("signal_fraction", False), ONE_STEP_SUITES),
    Perturbation("asymptotic σ1 only (constant bias)", True, REL, _asymptotic, ONE_STEP_SUITES),
    Perturbation("eigenvalue law: upper bulk edge", True, REL, _in_spectrum("edge", True), ("one_step_spectrum",)),
    Perturbation("eigenvalue law: top outlier", True, REL, _in_spectrum("sigma1_pred", True), ("one_step_spectrum",)),
    Perturbation("eigenvalue law: outlier ⟨u1,a⟩²", False, ABS, _in_spectrum("overlap_a_pred", False),
                 ("one_step_spectrum",)),
    Perturbation("eigenvalue law: α_Hill", False, ABS, _in_spectrum("alpha_pred", False), ("one_step_spectrum",)),
    Perturbation("spiked-matrix σ1 (BGN)", True, REL, _patch(theory.rmt, "spiked_sigma1", _scaled), ("spiked",)),
    Perturbation("spiked-matrix overlaps (BGN)", False, ABS, _patch(theory.rmt, "spiked_overlaps", _shifted_overlaps),
                 ("spiked",)),
    Perturbation("BBP learning rate", True, REL, _patch(theory, "bbp_lr", _scaled), ("bbp", "multi_step")),
    Perturbation("α_Hill trajectory (published code)", False, ABS,
                 _patch(multi_step, "REFERENCE_ALPHA", lambda ref, delta: tuple(a + delta for a in ref)),
                 ("multi_step",)),
)


def failing(sims: Simulations, calibration: Calibration, suites: tuple[str, ...] = ()) -> set[tuple[str, str]]:
    """(suite, check) of every failing gating check (of `suites` only, when given)."""
    if suites:
        sims = replace(sims, outputs={k: v for k, v in sims.outputs.items() if k in suites})
    return {(s.name, c.name) for s in evaluate(sims, calibration) for c in s.gating if not c.passed}


def newly_failing(sims: Simulations, calibration: Calibration, perturbation: Perturbation, delta: float,
                  baseline: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The gating checks that pass on `sims` but fail with `perturbation` of size `delta` applied."""
    with perturbation.apply(sims, delta) as changed:
        return failing(changed, calibration, perturbation.suites) - baseline


def detection_limit(sims: Simulations, calibration: Calibration, perturbation: Perturbation,
                    baseline: set[tuple[str, str]]) -> float:
    """Smallest δ of the grid at which both +δ and −δ make a passing gating check fail (inf if none)."""
    for delta in perturbation.grid:
        if all(newly_failing(sims, calibration, perturbation, sign * delta, baseline) for sign in (1.0, -1.0)):
            return delta
    return float("inf")


def table(sims: Simulations, calibration: Calibration) -> list[tuple[str, str]]:
    """(quantity, detection limit as text) for every perturbation (against the unperturbed failures)."""
    baseline = failing(sims, calibration)
    rows = []
    for p in PERTURBATIONS:
        limit = detection_limit(sims, calibration, p, baseline)
        text = "not detected" if not np.isfinite(limit) else (f"±{limit:.2%}" if p.relative else f"±{limit:g}")
        rows.append((p.name, text))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = ArgParser(prog="python -m validation.power", description=__doc__.splitlines()[0])
    add_profile(parser)
    add_workers(parser)
    parser.add_argument("--out", help="also write the table (markdown) to this file")
    args = parser.parse_args(argv)
    profile = PROFILES[args.profile]
    suites = registry.select()
    calibration = Calibration.load(profile.name, None, registry.names())  # checked before minutes of simulation
    sims = simulate(profile, suites, workers=args.workers, progress=True)
    baseline = not failing(sims, calibration)
    lines = [f"Detection limits, {profile.name} profile (unperturbed validation: {'PASS' if baseline else 'FAIL'})",
             "", "| perturbed prediction | smallest perturbation that fails the validation (both signs) |",
             "|---|---|"] + [f"| {name} | {limit} |" for name, limit in table(sims, calibration)]
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
