"""Open targets: verdict from the measured error alone, standard errors, the report row, and a why_open on
every open target built in validation/suites/_one_step_common.py, multi_step.py and finite_size.py.

Fast: checks are built from a few made-up per-seed values or from fabricated suite outputs; nothing is
simulated.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from validation.calibration import Calibration
from validation.checks import Check, Judge, SuiteResult
from validation.report import (
    STILL_OPEN,
    WITHIN_TARGET,
    markdown,
    open_target_rows,
    open_target_se,
    open_target_value,
    open_target_verdict,
)
from validation.runner import Validation
from validation.suites import _one_step_common as onestep
from validation.suites import finite_size, gd_one_step, multi_step
from validation.tasks import PROFILES, Profile


def _judge(scatter: float) -> Judge:
    return Judge("demo", Calibration("demo", {"demo/q": scatter}))


def _relative(error: float, target: float, scatter: float, seeds: int = 4) -> Check:
    """An open relative comparison whose per-seed errors are all `error`."""
    return _judge(scatter).compare("q", np.full(seeds, 1.0 + error), np.ones(seeds), relative=True, bias=target,
                                   reason="r", gating=False)


def test_a_large_error_against_a_small_target_is_open_even_within_three_standard_errors():
    c = _relative(0.055, 0.03, scatter=0.02)  # tolerance 0.03 + 3·0.02/2 = 0.06 ≥ 0.055
    assert c.passed  # the gating rule (bias + 3 SE) would let it through …
    assert open_target_verdict(c) == STILL_OPEN  # … the open-target verdict does not


@pytest.mark.parametrize("error, verdict", [(0.025, WITHIN_TARGET), (0.0299, WITHIN_TARGET), (0.0301, STILL_OPEN)])
def test_verdict_compares_the_error_with_the_target_only(error, verdict):
    assert open_target_verdict(_relative(error, 0.03, scatter=1e-6)) == verdict
    assert open_target_verdict(dataclasses.replace(_relative(0.0, 0.03, scatter=1e-6), error=0.03)) == WITHIN_TARGET


def test_comparison_target_is_its_bias_and_its_se_the_one_of_its_tolerance():
    c = _relative(0.01, 0.03, scatter=0.02, seeds=4)
    assert open_target_value(c) == 0.03
    assert open_target_se(c) == pytest.approx(0.02 / math.sqrt(4))
    # a control-variate check (finite_size) stores its SE as scatter: the SE comes from its tolerance
    cv = dataclasses.replace(c, scatter=0.004, tolerance=0.03 + 3 * 0.004, seeds=6)
    assert open_target_se(cv) == pytest.approx(0.004)


def test_bound_target_is_its_limit_and_its_se_the_sd_of_the_simulated_values():
    values = [0.01, 0.02, 0.11, 0.005]
    c = _judge(1.0).bound("b", values, 0.02, upper=True, worst=True, gating=False, reason="r")
    assert open_target_value(c) == 0.02 and c.error == 0.11
    assert open_target_se(c) == pytest.approx(np.std(values, ddof=1) / 2)
    assert open_target_verdict(c) == STILL_OPEN
    assert open_target_verdict(dataclasses.replace(c, error=0.019)) == WITHIN_TARGET
    lower = _judge(1.0).bound("l", [0.5, 0.7], 0.6, upper=False, worst=True, gating=False, reason="r")
    assert open_target_verdict(lower) == STILL_OPEN
    assert open_target_verdict(dataclasses.replace(lower, error=0.6)) == WITHIN_TARGET


def test_an_error_or_target_that_is_not_finite_is_open():
    c = _relative(0.01, 0.03, scatter=0.01)
    assert open_target_verdict(dataclasses.replace(c, error=math.nan)) == STILL_OPEN
    assert open_target_verdict(dataclasses.replace(c, bias=math.nan)) == STILL_OPEN


def test_gating_checks_keep_their_pass_rule():
    c = dataclasses.replace(_relative(0.055, 0.03, scatter=0.02), gating=True)
    assert c.passed  # bias + 3·scatter/√seeds, unchanged


def test_open_target_row_shows_target_error_with_se_verdict_why_open_and_never_a_bound_as_prediction():
    comparison = dataclasses.replace(_relative(0.055, 0.03, scatter=0.02), why_open="no theory yet")
    bound = dataclasses.replace(_judge(1.0).bound("b", [0.01, 0.11], 0.02, upper=True, worst=True, gating=False,
                                                  reason="r"), why_open="extreme rows")
    v = Validation(profile=PROFILES["quick"], suites=[SuiteResult("demo", [comparison, bound])], workers=1,
                   wall_time=1.0, code_version="test")
    rows = open_target_rows(v)
    assert rows[0][2] == "1.055" and rows[0][4] == "0.055 ± 0.01" and rows[0][6] == "0.03"
    assert rows[0][7] == STILL_OPEN and rows[0][8] == "no theory yet"
    assert rows[1][2] == "–" and rows[1][6] == "0.02" and rows[1][7] == STILL_OPEN and rows[1][8] == "extreme rows"
    text = markdown(v)
    assert "open target: open" in text and "met" not in text.split("## demo")[1]


# --------------------------------------------------------------------------- why_open at every construction site


def _recording(suite: str) -> Judge:
    return Judge(suite, Calibration.recorder("quick"))


def test_one_step_open_targets_carry_an_optimizer_specific_why_open():
    values = {"sigma1": 100.0, "sigma2": 70.0, "bulk_edge": 69.0, "bulk_variance": 1.0, "overlap_beta": 0.2,
              "overlap_a": 0.5, "per_neuron_alignment": 0.01, "signal_fraction": 0.6}
    rec = {k: v for k, v in values.items()}
    outputs = [{opt: {form: [dict(rec) for _ in onestep.MULTIPLES] for form in ("sim", "plugin", "asymptotic")}
                for opt in ("gd", "adam")} for _ in range(3)]
    reasons = {}
    for opt in ("gd", "adam"):
        judge = _recording(f"{opt}_one_step")
        checks = [c for i, m in enumerate(onestep.MULTIPLES) if m > 1.0
                  for c in onestep._spiked_checks(judge, opt, gd_one_step.SIZES["quick"]["d"], outputs, i, m)]
        suite = SuiteResult(f"{opt}_one_step", checks)
        assert suite.open_targets
        for c in suite.open_targets:
            assert c.why_open and "\n" not in c.why_open, c.name
            assert "open:" not in c.reason, c.name  # the reason says what is compared, why_open why it is open
        reasons[opt] = {c.why_open for c in suite.open_targets if "every seed" in c.name}
    assert reasons["gd"] and reasons["adam"] and reasons["gd"].isdisjoint(reasons["adam"])
    assert all("GD" not in r for r in reasons["adam"])


def test_multi_step_open_targets_carry_a_why_open():
    runs = [{key: [1.0 + 0.01 * t for t in range(multi_step.STEPS + 1)] for key in multi_step.TARGETS}
            for _ in range(3)]
    predicted = {key: [1.0] * (multi_step.STEPS + 1) for key in multi_step.TARGETS}
    checks = multi_step.open_target_checks(_recording("multi_step"), "gd η = 3000", predicted, runs)
    assert len(checks) == len(multi_step.TARGETS) * len(multi_step.TARGET_STEPS)
    assert all(not c.gating and c.why_open and c.bias == multi_step.TARGETS[c.name.split(": ")[1].split()[0]]
               for c in checks)


def test_finite_size_open_target_carries_a_why_open(monkeypatch):
    d = finite_size.EPS_NEGLIGIBLE_MAX_D * 2
    profile = Profile(name="beyond")
    monkeypatch.setitem(finite_size.SIZES, "beyond", {"ds": (d,), "seeds": 2, "draws": 16})
    keys = {opt: [k for _, o, k, _, _ in finite_size.QUANTITIES if o == opt] for opt in ("gd", "adam")}
    sim = {opt: {form: [{k: 0.5 + 0.01 * i for i, k in enumerate(keys[opt])}]
                 for form in ("sim", "plugin", "asymptotic")} for opt in keys}
    draws = {opt: {k: [0.001] * finite_size.DRAWS_PER_TASK for k in keys[opt]} for opt in keys}
    tasks = finite_size.draws_at(16, d) // finite_size.DRAWS_PER_TASK
    outputs = [sim, sim] + [draws] * tasks
    result = finite_size.evaluate(profile, outputs, Calibration.recorder("full"))
    (open_q,) = result.open_targets
    assert "Adam q" in open_q.name and open_q.why_open and open_q.bias == finite_size.Q_BIAS
    assert all(c.why_open == "" for c in result.gating)
