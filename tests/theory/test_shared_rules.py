"""One rule per parameter and one definition per helper inside theory/.

* The learning rate: every public function that takes one applies `theory._validate.check_lr` (finite,
  >= 0, as htcore's Config), and lr = 0 — no step — predicts the initial W0. Checked by calling each
  function and, in the source, by asserting that no other check is ever applied to an ``"lr"`` argument.
* Names: no top-level function, class or constant is defined in two modules of theory/, no module-level
  constant is computed by the same expression in two modules, and the model's named choices
  (`theory.names`) are never spelled out as a literal elsewhere.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest

import theory
from tests.theory.helpers import assert_argument_error
from theory import names, one_step, scales, setup, spectrum, trajectory
from theory.hill import hill_alpha

THEORY_DIR = Path(__file__).resolve().parents[2] / "theory"
SMALL = dict(n=300, d=120, h=180)
MP_EDGE = math.sqrt(SMALL["h"]) + math.sqrt(SMALL["d"])


def _sources() -> dict[str, ast.Module]:
    return {p.name: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(THEORY_DIR.glob("*.py"))}


def _draw(seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    n, d, h = SMALL["n"], SMALL["d"], SMALL["h"]
    X = rng.standard_normal((n, d))
    beta = rng.standard_normal(d) / math.sqrt(d)
    return rng.standard_normal((h, d)), rng.standard_normal(h), X, np.tanh(X @ beta), beta


# --------------------------------------------------------------------------- the learning-rate rule


def _lr_calls():
    """(name, call(lr)) for every public function of theory that takes a learning rate."""
    W0, a, X, y, beta = _draw()
    s = setup.asymptotic_setup(**SMALL)
    calls = {
        "lr_to_ba": lambda lr: scales.lr_to_ba(lr, "gd", d=SMALL["d"]),
        "lr_from_ba": lambda lr: scales.lr_from_ba(lr, "adam", d=SMALL["d"]),
        "gd_asymptotic": lambda lr: one_step.gd_asymptotic(lr, s),
        "adam_asymptotic": lambda lr: one_step.adam_asymptotic(lr, s),
        "gd_plugin": lambda lr: one_step.gd_plugin(lr, W0, a, X, y, beta=beta),
        "adam_plugin": lambda lr: one_step.adam_plugin(lr, W0, a, X, y, beta=beta),
        "gd_two_step": lambda lr: trajectory.gd_two_step(lr, **SMALL),
    }
    for opt in ("gd", "adam"):
        calls |= {
            f"predict_one_step[{opt}]": lambda lr, o=opt: theory.predict_one_step(o, lr, **SMALL),
            f"plugin_one_step[{opt}]": lambda lr, o=opt: theory.plugin_one_step(o, lr, W0, a, X, y, beta=beta),
            f"one_step_spectrum[{opt}]": lambda lr, o=opt: theory.one_step_spectrum(o, lr, **SMALL),
            f"plugin_one_step_spectrum[{opt}]": lambda lr, o=opt: theory.plugin_one_step_spectrum(
                o, lr, W0, a, X, y, beta=beta),
            f"predict_trajectory[{opt}]": lambda lr, o=opt: theory.predict_trajectory(o, lr, 2, **SMALL, seed=3),
        }
    return calls


LR_CALLS = _lr_calls()


@pytest.mark.parametrize("name", sorted(LR_CALLS))
@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_every_lr_argument_follows_one_rule(name, bad):
    arg = "lr_ba" if name == "lr_from_ba" else "lr"
    assert_argument_error(lambda: LR_CALLS[name](bad), arg)
    with pytest.raises(theory.TheoryArgumentError, match=r">= 0"):
        LR_CALLS[name](bad)


def _no_outlier(pred) -> None:
    """The prediction of W0 itself: no spike, σ1 at the Marchenko–Pastur edge √h + √d."""
    if isinstance(pred, theory.OneStepSpectrum):
        assert pred.outliers.size == 0
        assert math.sqrt(pred.bulk_edges[1]) == pytest.approx(MP_EDGE, rel=2e-3)
        return
    assert not pred.spiked and pred.spike_strength == 0.0
    assert pred.sigma1 == pytest.approx(MP_EDGE, rel=2e-3)
    assert pred.overlap_beta == 0.0 and pred.overlap_a == 0.0


@pytest.mark.parametrize("opt", ["gd", "adam"])
def test_zero_lr_is_no_step(opt):
    """lr = 0 is accepted everywhere and predicts W0: one step, its law, several steps."""
    W0, a, X, y, _ = _draw()
    _no_outlier(theory.predict_one_step(opt, 0.0, **SMALL, law=False))
    _no_outlier(theory.predict_one_step(opt, 0.0, **SMALL))
    _no_outlier(theory.one_step_spectrum(opt, 0.0, **SMALL))
    plug = theory.plugin_one_step(opt, 0.0, W0, a, X, y, law=False)
    assert plug.sigma1 == pytest.approx(np.linalg.norm(W0, 2), rel=0.05) and not plug.spiked
    traj = theory.predict_trajectory(opt, 0.0, 3, **SMALL, seed=3)
    for field in ("sigma1", "sigma2", "sim", "alpha_hill", "train_loss", "bulk_edge", "n_outliers"):
        values = getattr(traj, field)
        assert np.all(values == values[0]), field  # W_t = W_0 exactly
    assert traj.n_outliers[0] == 0
    assert scales.lr_to_ba(0.0, opt, d=SMALL["d"]) == 0.0


def test_zero_lr_two_steps_is_no_step():
    two = trajectory.gd_two_step(0.0, **SMALL)
    assert two.spike_strength_sq == 0.0 and two.sigma1 == MP_EDGE and two.overlap_beta == 0.0


def lr_checks_other_than_check_lr(tree: ast.AST) -> list[str]:
    """Calls of a ``check_*`` function on a learning-rate argument (named "lr" or "lr_ba") other than check_lr."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.startswith("check_"):
            lr_named = [a for a in node.args if isinstance(a, ast.Constant) and a.value in ("lr", "lr_ba")]
            if lr_named and node.func.id != "check_lr":
                found.append(f"{node.func.id} (line {node.lineno})")
    return found


def test_no_other_check_is_applied_to_a_learning_rate():
    offenders = {name: lr_checks_other_than_check_lr(tree) for name, tree in _sources().items()}
    assert {k: v for k, v in offenders.items() if v} == {}
    # non-vacuous: the rule is applied in every module that takes a learning rate, and the finder works
    users = {name for name, tree in _sources().items()
             if any(isinstance(n, ast.Name) and n.id == "check_lr" for n in ast.walk(tree))}
    assert {"one_step.py", "spectrum.py", "scales.py", "trajectory.py"} <= users
    assert lr_checks_other_than_check_lr(ast.parse('lr = check_positive("lr", lr)')) == ["check_positive (line 1)"]


# --------------------------------------------------------------------------- one definition per name


def _top_level_definitions(tree: ast.Module) -> dict[str, ast.AST]:
    out = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out[node.name] = node
        elif isinstance(node, ast.Assign):
            out |= {t.id: node.value for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            out[node.target.id] = node.value
    for hook in ("__all__", "__dir__"):  # module protocol names every module may define
        out.pop(hook, None)
    return out


def test_no_name_is_defined_in_two_modules():
    where: dict[str, list[str]] = {}
    for module, tree in _sources().items():
        for name in _top_level_definitions(tree):
            where.setdefault(name, []).append(module)
    assert {k: v for k, v in where.items() if len(v) > 1} == {}
    assert where["SQRT_2_OVER_PI"] == ["setup.py"] and where["hill_alpha"] == ["hill.py"]


def test_no_constant_is_computed_twice():
    """A module-level constant computed by an expression (a call or arithmetic) is computed in one place."""
    where: dict[str, list[str]] = {}
    for module, tree in _sources().items():
        for name, value in _top_level_definitions(tree).items():
            if isinstance(value, (ast.Call, ast.BinOp)):
                where.setdefault(ast.dump(value), []).append(f"{module}:{name}")
    assert [v for v in where.values() if len(v) > 1] == []


def test_named_choices_are_never_spelled_out_again():
    """ACTIVATIONS, TEACHERS, OPTIMIZERS appear as literals only in theory/names.py."""
    choices = [set(names.ACTIVATIONS), set(names.TEACHERS), set(names.OPTIMIZERS)]
    found = []
    for module, tree in _sources().items():
        for node in ast.walk(tree):
            literal = isinstance(node, (ast.Tuple, ast.List, ast.Set)) and node.elts and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
            if literal and {e.value for e in node.elts} in choices:
                found.append(module)
    assert found == ["names.py"] * 3  # the three definitions themselves, and no copy


def test_shared_helpers_are_the_same_objects():
    assert trajectory.hill_alpha is hill_alpha
    assert one_step.asymptotic_setup is setup.asymptotic_setup is spectrum.asymptotic_setup
    assert one_step.AsymptoticSetup is setup.AsymptoticSetup
    assert one_step.OPTIMIZERS is names.OPTIMIZERS is trajectory.OPTIMIZERS is scales.OPTIMIZERS


def test_trajectory_accepts_exactly_the_shared_activations():
    with pytest.raises(theory.TheoryArgumentError) as err:
        theory.predict_trajectory("gd", 1.0, 1, **SMALL, activation="sigmoid")
    assert str(err.value).endswith(f"must be one of {sorted(names.ACTIVATIONS)}")
