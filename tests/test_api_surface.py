"""The notebook-facing surface of htcore and theory: clean namespaces and short reprs.

Namespaces. A public module is a module of htcore/ or theory/ no part of whose dotted name starts with
``_``. Each has ``__all__`` (strings, no duplicates, no private names), every name in it resolves, and
``dir(module)`` shows exactly ``__all__`` plus, for a package, its public submodules: no imported helper
(``np``, ``math``, ``Any``, ``check_*``, …) is offered by tab completion.

Reprs. Every result class a user meets prints in under 1 kB at any size (shapes and key numbers, no
arrays); checked at a tiny size, where arrays would still fit, and with arrays long enough that printing
them would not.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import numpy as np
import pytest

import htcore
import theory
from htcore import Config
from htcore.results import SweepData
from htcore.spectral.report import analyse

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("htcore", "theory")


def public_modules() -> list[str]:
    names = list(PACKAGES)
    for package in PACKAGES:
        for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            if not any(part.startswith("_") for part in info.name.split(".")):
                names.append(info.name)
    return sorted(names)


def public_submodules(module) -> set[str]:
    if not hasattr(module, "__path__"):
        return set()
    return {info.name for info in pkgutil.iter_modules(module.__path__) if not info.name.startswith("_")}


def test_the_walk_finds_the_modules():
    found = public_modules()
    assert {"htcore", "htcore.spectral", "htcore.spectral.report", "htcore.predict", "theory", "theory.one_step",
            "theory.names", "theory.display"} <= set(found)
    assert not [name for name in found if "._" in name]
    assert len(found) >= 35


@pytest.mark.parametrize("name", public_modules())
def test_all_is_complete_and_dir_shows_only_it(name):
    module = importlib.import_module(name)
    exported = module.__all__
    assert all(isinstance(n, str) and not n.startswith("_") for n in exported), exported
    assert len(set(exported)) == len(exported), "duplicate names in __all__"
    for n in exported:
        assert getattr(module, n) is not None or n in vars(module), n  # resolves (lazy names load here)
    allowed = set(exported) | public_submodules(module)
    shown = {n for n in dir(module) if not n.startswith("_")}
    assert shown <= allowed, f"dir({name}) shows helpers: {sorted(shown - allowed)}"
    assert set(exported) <= shown  # and hides nothing public


def test_dir_hides_real_helpers():
    """Non-vacuity: the modules do hold imported helpers; dir() is what hides them."""
    import htcore.spectral.fit as fit
    import theory.one_step as one_step

    assert {"np", "Any"} <= set(vars(fit)) and not {"np", "Any"} & set(dir(fit))
    assert {"math", "check_lr"} <= set(vars(one_step)) and not {"math", "check_lr"} & set(dir(one_step))
    assert "importlib" in vars(htcore) and "importlib" not in dir(htcore)
    assert "importlib" in vars(theory) and "importlib" not in dir(theory)
    assert {"analyse", "report", "fit"} <= set(dir(htcore.spectral))
    assert {"predict_one_step", "predict", "spectral"} <= set(dir(htcore))


# --------------------------------------------------------------------------- reprs


TINY = Config(n=40, d=12, h=20, n_test=10, steps=2)
LIMIT = 1000


def short(obj) -> str:
    text = repr(obj)
    assert len(text) < LIMIT, f"{type(obj).__name__} repr is {len(text)} characters"
    assert "array([" not in text and "\n" not in text
    return text


def test_engine_reprs():
    result = htcore.train(TINY, progress=False)
    text = short(result)
    assert text.startswith("Result(") and "status='ok'" in text and "W=<array 20×12" in text
    problem = htcore.make_problem(TINY)
    assert short(problem).startswith("Problem(n=40, d=12, h=20, n_test=10")
    from htcore.sweep import RunOutcome

    outcome = RunOutcome(key="k", status="ok", history=result.history, spectra=result.spectra)
    assert short(outcome).startswith("RunOutcome(key='k', status='ok'") and "history=<list of 3 dict>" in repr(outcome)
    data = SweepData(grid=["lr"], runs=[{"key": str(i)} for i in range(50)],
                     metrics={str(i): {"sigma1": np.arange(100.0)} for i in range(50)})
    assert short(data) == "SweepData(grid=['lr'], runs=50, metrics for 50 runs)"


def test_spectral_reprs():
    W = np.random.default_rng(0).pareto(1.5, (60, 40))
    report = analyse(W, n_boot=20, seed=0)
    assert short(report).startswith("Report(source='matrix', shape=(60, 40), evals=<array 40 ")
    for part in (report.classification, report.classification.mp, report.classification.fit, report.bootstrap,
                 report.baselines, *report.ratios.values()):
        short(part)


def test_theory_reprs():
    sizes = dict(n=40, d=12, h=20)
    scalar = theory.predict_one_step("adam", 1.0, **sizes)
    assert short(scalar).startswith("OneStepPrediction(optimizer='adam', form='asymptotic', lr=1, sigma1=")
    many = theory.predict_one_step("gd", np.linspace(10.0, 500.0, 40), **sizes)
    assert "spectrum=<list of 40 OneStepSpectrum>" in short(many)
    assert short(many.spectrum[0]).startswith("OneStepSpectrum(optimizer='gd', form='asymptotic', lr=10, count=12")
    trajectory = theory.predict_trajectory("gd", 300.0, 30, **sizes)
    assert short(trajectory).startswith("TrajectoryPrediction(optimizer='gd', lr=300, lr_gamma=1, steps=30, sigma1=<")
    short(theory.trajectory.gd_two_step(300.0, **sizes))
    short(theory.rmt.spiked_overlaps(np.linspace(1.0, 50.0, 200), 20, 12))
    p = htcore.make_problem(TINY)
    draw = theory.setup.realise_draw(p.W0, p.a, p.X, p.y, p.beta, "tanh")
    assert short(draw).startswith("RealisedDraw(W0=<array 20×12 ")


def test_long_arrays_are_summarised():
    from theory.display import short_value

    assert short_value(np.arange(3.0)) == "[0, 1, 2]"
    assert short_value(np.arange(10_000.0).reshape(100, 100)) == "<array 100×100 0…9999>"
    assert short_value([1, 2, 3]) == "<list of 3 int>"
    assert short_value(np.array([np.nan, 1.0, 2.0, 3.0, 4.0])) == "<array 5 1…4>"
