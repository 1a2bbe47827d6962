"""`htcore.Trainer`: its steps are bit-identical to `htcore.train` and to the loop over the engine's
kernels that the validation suites and benches used to write by hand; divergence, the `before_update`
hook, argument checks; the activation's name is resolved once per trainer."""

import math
import sys

import numpy as np
import pytest

import htcore.activations
import htcore.kernels
from htcore import Config, Trainer, make_problem, train
from htcore.checks import ArrayShapeError, ArrayTypeError
from htcore.config import ConfigError
from htcore.kernels import Workspace, loss_and_grad_into
from htcore.optim import Optimizer, normalize_weights
from htcore.problem import Problem
from tests.engine.test_train import VARIANTS  # every optimiser variant, alone and combined

SMALL = dict(n=60, d=16, h=24, n_test=20)
STEPS = 6

DTYPES = ("float64", "float32")


def variant_config(optimizer, lr, extra, dtype) -> Config:
    return Config(optimizer=optimizer, lr=lr, dtype=dtype, steps=STEPS, probe_every=1,
                  **{**SMALL, **extra})


def trainer_run(config: Config, problem: Problem, in_place: bool = False):
    """W after each of STEPS steps (copies) and the loss each step computed."""
    trainer = Trainer(config, problem, in_place=in_place)
    iterates, losses = [], []
    for t in range(1, STEPS + 1):
        assert trainer.step()
        assert trainer.t == t
        iterates.append(np.array(trainer.W))
        losses.append(trainer.loss)
    return trainer, iterates, losses


def original_train_loop(config: Config, problem: Problem):
    """The update sequence of `htcore.train` before `Trainer` (its loop without the probes): two
    alternating buffers, weight normalisation into the spare one, loss and gradient, update into it."""
    W = problem.W0.copy()
    spare = np.empty_like(W)
    work = Workspace(config.n, config.h, config.d, W.dtype, config.activation)
    optimizer = Optimizer(config, W.shape, W.dtype)
    sum_squares = None
    iterates, losses = [], []
    for t in range(1, STEPS + 1):
        x = W
        if config.weight_normalization:
            normalize_weights(W, out=spare, frobenius=None if sum_squares is None else math.sqrt(sum_squares))
            x = spare
        losses.append(loss_and_grad_into(x, problem.a, problem.X, problem.y, work))
        assert optimizer.step(x, work.grad, t, out=spare)
        W, spare = spare, W
        sum_squares = optimizer.sum_squares
        iterates.append(W.copy())
    return iterates, losses


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("optimizer,lr,extra", VARIANTS)
def test_steps_are_bit_identical_to_train(optimizer, lr, extra, dtype):
    """Trainer's iterates and losses equal, bit for bit, those of `train` (published to `on_probe`) and
    of train's loop as it was written before `Trainer`."""
    config = variant_config(optimizer, lr, extra, dtype)
    problem = make_problem(config)
    published = {}
    result = train(config, problem, on_probe=lambda record, W: published.update({record["step"]: W.copy()}))
    trainer, iterates, losses = trainer_run(config, problem)
    original_iterates, original_losses = original_train_loop(config, problem)
    assert result.status == "ok" and not np.array_equal(iterates[-1], problem.W0), "the run must move W"
    assert losses == original_losses
    for t, W in enumerate(iterates, start=1):
        assert W.dtype == np.dtype(dtype)
        assert np.array_equal(W, published[t]), f"step {t}"
        assert np.array_equal(W, original_iterates[t - 1]), f"step {t}"
    assert np.array_equal(trainer.W, result.W)
    if not config.weight_normalization:  # the probe of W_t reuses the loss step t+1 computed at W_t
        assert [r["network_loss"] for r in result.history[:-1]] == losses
    assert math.sqrt(trainer.sum_squares) == result.history[-1]["frobenius"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("optimizer,lr,extra", VARIANTS[:2] + VARIANTS[6:7])
def test_trainer_probes_equal_train_history(optimizer, lr, extra, dtype):
    """`Trainer.probe` after each step gives train's records and spectra exactly (its network loss from
    its own forward pass, equal to the one the next step computes)."""
    config = variant_config(optimizer, lr, extra, dtype)
    problem = make_problem(config)
    result = train(config, problem)
    trainer = Trainer(config, problem)
    records = [trainer.probe()]
    while trainer.t < STEPS:
        trainer.step()
        records.append(trainer.probe())
    assert [r for r, _ in records] == result.history
    assert all(np.array_equal(evals, result.spectra[r["step"]]) for r, evals in records)


def hand_written_loop(config: Config, problem: Problem):
    """The loop validation/suites/multi_step.py, validation/studies/measure_trajectory.py and benches/bench_engine.py
    wrote over the engine's kernels before `Trainer`: loss and gradient, optimiser update in place."""
    W = problem.W0.copy()
    work = Workspace(config.n, config.h, config.d, W.dtype, config.activation)
    optimizer = Optimizer(config, W.shape, W.dtype)
    iterates, losses = [], []
    for t in range(1, STEPS + 1):
        losses.append(loss_and_grad_into(W, problem.a, problem.X, problem.y, work))
        optimizer.step(W, work.grad, t)
        iterates.append(W.copy())
    return iterates, losses


@pytest.mark.parametrize("in_place", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("optimizer,lr,extra", [v for v in VARIANTS if "weight_normalization" not in v[2]]
                         + [("adam", 0.05, {"activation": "erf"}), ("gd", 50.0, {"activation": "gelu"})])
def test_steps_are_bit_identical_to_the_hand_written_kernel_loop(optimizer, lr, extra, dtype, in_place):
    config = variant_config(optimizer, lr, extra, dtype)
    problem = make_problem(config)
    expected_iterates, expected_losses = hand_written_loop(config, problem)
    _, iterates, losses = trainer_run(config, problem, in_place=in_place)
    assert losses == expected_losses
    for t, (W, expected) in enumerate(zip(iterates, expected_iterates), start=1):
        assert np.array_equal(W, expected), f"step {t}"


@pytest.mark.parametrize("optimizer,lr,extra", [VARIANTS[5], VARIANTS[10]])
def test_in_place_trainer_equals_two_buffer_trainer(optimizer, lr, extra):
    config = variant_config(optimizer, lr, extra, "float64")
    problem = make_problem(config)
    _, two_buffers, losses = trainer_run(config, problem)
    _, in_place, in_place_losses = trainer_run(config, problem, in_place=True)
    assert in_place_losses == losses
    assert all(np.array_equal(a, b) for a, b in zip(in_place, two_buffers))


def original_multi_step_simulate(optimizer, lr, n, d, seed):
    """`validation.suites.multi_step.simulate` as it was before `Trainer` (the kernels stepped by hand)."""
    from validation.suites._one_step_common import sizes
    from validation.suites.multi_step import STEPS as SUITE_STEPS
    from validation.suites.multi_step import measure

    config = Config(optimizer=optimizer, lr=lr, n=n, d=d, h=sizes(d)["h"], steps=SUITE_STEPS, seed=seed)
    p = make_problem(config)
    W = p.W0.copy()
    work = Workspace(n, config.h, d, W.dtype, config.activation)
    optimizer_state = Optimizer(config, W.shape, W.dtype)
    records = [measure(W, p.beta)]
    for t in range(1, SUITE_STEPS + 1):
        loss_and_grad_into(W, p.a, p.X, p.y, work)
        optimizer_state.step(W, work.grad, t)
        records.append(measure(W, p.beta))
    return {"optimizer": optimizer, "lr": lr, "n": n, "seed": seed,
            **{k: [r[k] for r in records] for k in records[0]}}


@pytest.mark.parametrize("optimizer,lr", [("gd", 3000.0), ("adam", 1.0), ("adam", 0.01)])
def test_multi_step_suite_simulation_is_unchanged(optimizer, lr):
    """The multi_step suite's runs through `Trainer` give exactly the numbers of its former loop."""
    multi_step = pytest.importorskip("validation.suites.multi_step")
    d = 40
    args = (optimizer, multi_step.scaled_lr(optimizer, lr, d), 2 * d, d, 3)
    assert multi_step.simulate(*args) == original_multi_step_simulate(*args)


def test_before_update_sees_the_iterate_whose_loss_was_computed():
    config = Config(optimizer="gd", lr=50.0, momentum=0.9, **SMALL)
    trainer = Trainer(config)
    seen = []

    def hook(loss):
        seen.append((trainer.t, np.array(trainer.W), trainer.sum_squares, loss))

    for _ in range(3):
        before = (np.array(trainer.W), trainer.sum_squares)
        assert trainer.step(hook)
        t, W, sum_squares, loss = seen[-1]
        assert t == trainer.t - 1
        assert np.array_equal(W, before[0]) and sum_squares == before[1]
        assert loss == trainer.loss
    assert seen[0][2] is None and seen[1][2] is not None


def test_current_loss_is_the_next_steps_loss():
    trainer = Trainer(Config(optimizer="adam", lr=0.05, **SMALL))
    trainer.step()
    loss = trainer.current_loss()
    trainer.step()
    assert trainer.loss == loss


@pytest.mark.parametrize("in_place", [False, True])
def test_divergence(in_place):
    config = Config(optimizer="gd", lr=1e300, steps=STEPS, **SMALL)
    trainer = Trainer(config, in_place=in_place)
    steps = 0
    while trainer.step():
        steps += 1
    assert trainer.status == "diverged" and trainer.diverged_at == steps + 1 == trainer.t + 1
    assert trainer.diverged_at == train(config).diverged_at
    if not in_place:
        assert np.isfinite(trainer.W).all(), "W is the last finite iterate"
        assert np.array_equal(trainer.W, train(config).W)
    with pytest.raises(RuntimeError, match="diverged at step"):
        trainer.step()


def test_W_is_a_read_only_view():
    trainer = Trainer(Config(**SMALL))
    with pytest.raises(ValueError):
        trainer.W[0, 0] = 1.0
    assert trainer.t == 0 and trainer.loss is None and trainer.sum_squares is None
    assert trainer.status == "ok" and trainer.diverged_at is None
    assert np.array_equal(trainer.W, trainer.problem.W0)


def test_problem_must_match_the_config():
    config = Config(**SMALL)
    problem = make_problem(config)
    with pytest.raises(ArrayShapeError, match="problem.W0"):
        Trainer(config.replace(h=25), problem)
    with pytest.raises(ArrayShapeError, match="problem.X"):
        Trainer(config.replace(n=61), problem)
    mixed = Problem(**{**problem.__dict__, "X": problem.X.astype(np.float32)})
    with pytest.raises(ArrayTypeError, match="dtypes differ"):
        Trainer(config, mixed)


def test_activation_name_is_resolved_once_per_trainer(monkeypatch):
    """The workspace validates the name and keeps its code; steps and probes never look it up again."""
    trainer = Trainer(Config(activation="erf", optimizer="adam", lr=0.05, **SMALL))
    assert trainer._work.code == htcore.activations.ERF

    def forbidden(name):
        raise AssertionError(f"activation name {name!r} looked up again")

    monkeypatch.setattr(htcore.activations, "activation_code", forbidden)
    monkeypatch.setattr(htcore.kernels, "activation_code", forbidden)
    monkeypatch.setattr(sys.modules["htcore.train"], "activation_code", forbidden)
    record, _ = trainer.probe()
    assert trainer.step(lambda loss: trainer.probe(loss))
    assert math.isfinite(record["network_loss"])


def test_workspace_rejects_an_unknown_activation_at_construction():
    with pytest.raises(ConfigError, match="activation"):
        Workspace(4, 3, 2, np.float64, "sigmoid")
