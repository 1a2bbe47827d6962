"""theory.predict_trajectory: read-out rules, the MP grid, step-one consistency with the one-step theory,
argument validation, determinism, and a small-size comparison of the first two steps with the engine.

The comparisons of the recursion with the one-step theory and with the engine are regression pins at
d = 300 (the draw-to-draw scatter there hides a 2 % / 0.02 error; numbers beside each table), with mutation
twins (`tests.theory.judge`); GD's second step is pinned as a known gap."""

import math

import numpy as np
import pytest

import theory
from tests.theory.helpers import assert_argument_error
from tests.theory.judge import Pin, assert_mutations_fail, judge
from theory.trajectory import count_outliers, gd_two_step, hill_alpha, mp_quantiles, predict_trajectory

SMALL = dict(n=600, d=300, h=450)


def test_hill_alpha_formula_and_zero_filter():
    lam = np.array([0.0, 1.0, 2.0, 4.0, 8.0])  # the zero is dropped: N = 4, i = 2, xmin = 4, k = 2
    assert hill_alpha(lam) == pytest.approx(1.0 + 2.0 / (math.log(1.0) + math.log(2.0)))
    assert_argument_error(lambda: hill_alpha(np.zeros(3)), "eigenvalues")


def test_count_outliers_gap_rule():
    bulk = np.linspace(70.0, 60.0, 50)
    assert count_outliers(bulk) == (0, 70.0)
    assert count_outliers(np.r_[146.0, bulk]) == (1, 70.0)
    assert count_outliers(np.r_[385.5, 240.5, 212.0, 211.0, 210.0]) == (2, 212.0)
    assert_argument_error(lambda: count_outliers([1.0]), "singular_values")


@pytest.mark.parametrize("gamma", [0.5, 0.25])
def test_mp_quantiles_moments(gamma):
    lam = mp_quantiles(gamma, 4000)
    assert np.all(np.diff(lam) >= 0)
    assert lam.mean() == pytest.approx(1.0, abs=2e-3)  # E λ = 1
    assert (lam**2).mean() == pytest.approx(1.0 + gamma, abs=5e-3)  # E λ² = 1 + γ


def test_mp_quantiles_zero_atom():
    lam = mp_quantiles(2.0, 1000)
    assert np.sum(lam == 0.0) == 500  # atom 1 − 1/γ


# Step one of the recursion against the one-step theory (docs/theory.md §3, §4), mean over draws 0 and 1
# of the realised matrix at d = 300. Per draw (draws 10–25) the recursion's σ1 at t = 1 scatters with sd
# 4.0 % (GD 3·η_c), 4.2 % (GD 6·η_c), 1.5 % (Adam 3·η_c) and sim = |⟨v1,β⟩| with sd 0.033 / 0.033 / 0.038,
# around +0.3 to +0.7 % and −0.013 to −0.015 from `predict_one_step`: a mean of two draws cannot show a
# 2 % / 0.02 error, so today's values are pinned.
STEP_ONE_PINNED = {("gd", 3.0): dict(sigma1=Pin(0.0134), sim=Pin(-0.0016)),
                   ("gd", 6.0): dict(sigma1=Pin(0.0163), sim=Pin(-0.0013)),
                   ("adam", 3.0): dict(sigma1=Pin(-0.0035), sim=Pin(-0.0123))}


@pytest.fixture(scope="module")
def step_one_runs():
    out = {}
    for opt, mult in STEP_ONE_PINNED:
        lr = mult * theory.bbp_lr(opt, **SMALL)
        out[(opt, mult)] = (theory.predict_one_step(opt, lr, **SMALL),
                            [predict_trajectory(opt, lr, 1, **SMALL, seed=s) for s in (0, 1)])
    return out


def _compare_step_one(judge, runs):
    """The recursion's mean σ1 and sim at t = 1 (the 'prediction') against `predict_one_step`."""
    for (opt, mult), (one, preds) in runs.items():
        tag, bounds = f"{opt} {mult}·η_c", STEP_ONE_PINNED[(opt, mult)]
        judge.ratio(f"{tag} sigma1", np.mean([p.sigma1[1] for p in preds]), one.sigma1, bounds["sigma1"])
        judge.diff(f"{tag} sim", np.mean([p.sim[1] for p in preds]), math.sqrt(one.overlap_beta), bounds["sim"])
        judge.check(f"{tag} outliers", all(p.n_outliers[1] == 1 and p.n_outliers[0] == 0 for p in preds))


def test_step_one_against_one_step_theory_regression_pin(step_one_runs):
    """REGRESSION PIN, not a validation: at t = 1 the recursion is the one-step analysis, but at d = 300 two
    draws of its realised matrix scatter too much to show a 2 % / 0.02 disagreement (comment above); the
    differences from `predict_one_step` stay at today's values to ±0.001. The one-step theory is validated by
    the suites `gd_one_step` and `adam_one_step` of `htcore validate`; the recursion is measured against the
    engine by `python -m validation.studies.measure_trajectory` (per-step targets: the suite `multi_step`)."""
    judge(lambda j: _compare_step_one(j, step_one_runs), pin=True)


def test_step_one_comparison_fails_for_a_wrong_formula(step_one_runs):
    assert_mutations_fail(lambda j: _compare_step_one(j, step_one_runs))


def test_output_shapes_determinism_and_seed():
    p = predict_trajectory("adam", 0.3, 2, **SMALL, seed=3)
    q = predict_trajectory("adam", 0.3, 2, **SMALL, seed=3)
    r = predict_trajectory("adam", 0.3, 2, **SMALL, seed=4)
    for name in ("sigma1", "sigma2", "n_outliers", "sim", "bulk_edge", "alpha_hill", "train_loss"):
        assert getattr(p, name).shape == (3,)
        np.testing.assert_array_equal(getattr(p, name), getattr(q, name))
    assert p.sigma1[2] != r.sigma1[2]
    assert p.top_singular.shape == (3, 8)
    assert np.all(p.sigma1 >= p.sigma2) and np.all(p.bulk_edge <= p.sigma1)


def test_decay_freezes_later_steps():
    """With γ tiny the steps after the first are negligible: W_t stays at W_1."""
    p = predict_trajectory("gd", 3 * theory.bbp_lr("gd", **SMALL), 3, **SMALL, lr_gamma=1e-9)
    assert p.sigma1[3] == pytest.approx(p.sigma1[1], rel=1e-6)
    assert p.alpha_hill[3] == pytest.approx(p.alpha_hill[1], rel=1e-6)


@pytest.mark.parametrize("kwargs, field", [
    (dict(optimizer="sgd"), "optimizer"),
    (dict(lr=-1.0), "lr"),
    (dict(steps=0), "steps"),
    (dict(lr_gamma=1.5), "lr_gamma"),
    (dict(seed=-1), "seed"),
    (dict(activation="sigmoid"), "activation"),
    (dict(teacher="cubic"), "teacher"),
    (dict(adam_beta1=1.0), "adam_beta1"),
    (dict(adam_beta2=-0.1), "adam_beta2"),
    (dict(n=0), "n"),
])
def test_argument_errors(kwargs, field):
    args = dict(optimizer="gd", lr=1000.0, steps=1, **SMALL)
    args.update(kwargs)
    opt, lr, steps = args.pop("optimizer"), args.pop("lr"), args.pop("steps")
    assert_argument_error(lambda: predict_trajectory(opt, lr, steps, **args), field)


def _engine_two_steps(opt: str, lr: float, seed: int) -> list[tuple[float, float]]:
    htcore = pytest.importorskip("htcore")

    trainer = htcore.Trainer(htcore.Config(optimizer=opt, lr=lr, steps=2, seed=seed, **SMALL))
    out = []
    for _ in (1, 2):
        assert trainer.step()
        _, s, Vt = np.linalg.svd(trainer.W, full_matrices=False)
        out.append((float(s[0]), abs(float(Vt[0] @ trainer.problem.beta))))
    return out


# The first two steps at 3·η_c, d = 300: the prediction's mean over draws 0–2 against the engine's mean over
# seeds 200–203. Seed-to-seed sd (engine seeds 210–273 / prediction draws 3–19): σ1 6.6 % / 4.0 % (GD, t = 1),
# 13.5 % / 4.9 % (GD, t = 2), 1.7 % / 1.6 % (Adam, t = 1), 3.7 % / 2.6 % (Adam, t = 2), mostly through the
# realised ‖a‖²/h and f0; sim 0.044–0.048 / 0.029–0.042. Even Adam's σ1 at t = 1 compares with sd 1.3 %
# (3·sd = 3.8 %), so no comparison here can show a 2 % / 0.02 error: today's values are pinned.
# KNOWN GAP at GD t = 2: the prediction's σ1 is above the engine's by +21.8 % ± 1.7 % on the calibration
# seeds and draws above (262.7 vs 215.6; sim +0.022) — the saturation gain along the spike, stronger at
# small d (docs/theory.md §9.6 Several steps) — and by +17 % on the judged seeds (266.7 vs 227.9).
TWO_STEP_PINNED = {("gd", 1): dict(sigma1=Pin(0.0499), sim=Pin(0.0182)),
                   ("adam", 1): dict(sigma1=Pin(0.0108), sim=Pin(0.0063)),
                   ("adam", 2): dict(sigma1=Pin(0.0135), sim=Pin(0.0079))}
KNOWN_GAP_PINNED = {("gd", 2): dict(sigma1=Pin(0.1701), sim=Pin(0.0530))}


@pytest.fixture(scope="module")
def two_step_runs():
    out = {}
    for opt in ("gd", "adam"):
        lr = 3.0 * theory.bbp_lr(opt, **SMALL)
        eng = np.array([_engine_two_steps(opt, lr, s) for s in (200, 201, 202, 203)]).mean(axis=0)
        preds = [predict_trajectory(opt, lr, 2, **SMALL, seed=s) for s in (0, 1, 2)]
        for t in (1, 2):
            out[(opt, t)] = dict(sigma1=(np.mean([p.sigma1[t] for p in preds]), eng[t - 1, 0]),
                                 sim=(np.mean([p.sim[t] for p in preds]), eng[t - 1, 1]))
    return out


def _compare_two_steps(judge, runs, table):
    for (opt, t), bounds in table.items():
        r = runs[(opt, t)]
        judge.ratio(f"{opt} t={t} sigma1", *r["sigma1"], bounds["sigma1"])
        judge.diff(f"{opt} t={t} sim", *r["sim"], bounds["sim"])


def test_two_steps_against_engine_small_regression_pin(two_step_runs):
    """REGRESSION PIN, not a validation: σ1 and sim after one and two steps (GD t = 1, Adam t = 1, 2) against
    the engine at d = 300 stay at today's errors to ±0.001; at this size the seed scatter hides a 2 % / 0.02
    error (comment above). The recursion is measured against the engine at the default size by
    `python -m validation.studies.measure_trajectory`; per-step targets are open in the suite `multi_step`."""
    judge(lambda j: _compare_two_steps(j, two_step_runs, TWO_STEP_PINNED), pin=True)


def test_two_steps_gd_step_two_known_gap_regression_pin(two_step_runs):
    """KNOWN GAP, pinned (not a validation): at GD t = 2 the prediction's σ1 is ≈ 20 % above the engine's
    (+21.8 % ± 1.7 % on 64 engine seeds and 17 draws, +17 % on the judged ones; comment above). The pin holds
    today's error to ±0.001, so a change of the model here — a fix included — is seen and the pin updated."""
    judge(lambda j: _compare_two_steps(j, two_step_runs, KNOWN_GAP_PINNED), pin=True)
    assert two_step_runs[("gd", 2)]["sigma1"][0] > 1.1 * two_step_runs[("gd", 2)]["sigma1"][1]  # the gap is open


@pytest.mark.parametrize("table", [TWO_STEP_PINNED, KNOWN_GAP_PINNED], ids=["steps", "known gap"])
def test_two_step_comparison_fails_for_a_wrong_formula(two_step_runs, table):
    assert_mutations_fail(lambda j: _compare_two_steps(j, two_step_runs, table))


@pytest.mark.parametrize("mult", [1.5, 3.0, 6.0])
def test_gd_two_step_closed_form_reduces_to_one_step(mult):
    """Without the second step (γ → 0) the two-step closed form is the one-step theory of docs/theory.md §3."""
    sizes = dict(n=2000, d=1000, h=1500)
    lr = mult * theory.bbp_lr("gd", **sizes)
    two = gd_two_step(lr, **sizes, lr_gamma=1e-12)
    one = theory.predict_one_step("gd", lr, **sizes)
    assert two.sigma1 == pytest.approx(one.sigma1, rel=1e-6)
    assert two.overlap_beta == pytest.approx(one.overlap_beta, rel=1e-5)
    assert two.overlap_a == pytest.approx(one.overlap_a, rel=1e-6)


def test_gd_two_step_sign_flip_of_the_teacher_projection():
    """⟨ξ_2, β⟩ = θμ1*(2 − κ_ν − κ(1 + d/n)) (γ = 1): it changes sign where κ(1 + d/n) + κ_ν = 2."""
    sizes = dict(n=2000, d=1000, h=1500)
    stats = theory.activation_stats("tanh")
    lr_flip = 2.0 / (2.0 * stats.mu1**2 / 1000 * 1.5 + 2.0 * stats.nu2 / 2000)
    assert gd_two_step(0.9 * lr_flip, **sizes).beta_projection > 0
    assert gd_two_step(1.1 * lr_flip, **sizes).beta_projection < 0
