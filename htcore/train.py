"""The training loop: full-batch steps on the first layer W, with probes at chosen steps.

`Trainer` is the engine's step, one call at a time; `train` runs it for `config.steps` steps with probes.
Step t = 1 … steps: (weight normalisation if on) → loss and gradient at W_{t−1} → optimiser update to
W_t. Probes run at step 0, every `probe_every` steps and at the last step; each records the metrics
listed in `PROBE_KEYS` (see `probe`). A non-finite loss or W (or an overflowing ‖W‖_F²) stops the run,
which returns normally with `status="diverged"` and `diverged_at` = the step whose loss or update was
non-finite; `W` is then the last finite iterate. Two W buffers alternate: each update (or weight
normalisation) writes into the other one, so the previous iterate survives a diverging step without a
copy per step.

The probe of W_t is taken during step t+1, after its loss evaluation and before its update (the
`before_update` hook of `Trainer.step`), so that the network's own loss L(W_t) is the one the step
computes anyway (one GEMM saved per probe). With weight normalisation, which changes W before the loss,
and after the last step, the probe runs its own forward pass.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from htcore.activations import activation_code
from htcore.checks import ArrayShapeError, as_matrix, as_vector, check_dtypes_match
from htcore.config import Config
from htcore.kernels import Workspace, loss_and_grad_into, loss_into
from htcore.optim import Optimizer, frobenius_norm, normalize_weights
from htcore.problem import Problem, make_problem
from htcore.readout import evaluate_readout
from htcore.spectral.fit import hill_alpha, ks_alpha
from htcore.spectral.linalg import esd_and_top
from theory.display import public_dir, short_value

__all__ = ["PROBE_KEYS", "Result", "Trainer", "probe", "train"]

PROBE_KEYS = ("step", "train_loss", "test_loss", "network_loss", "kta", "sim", "sigma1", "sigma2",
              "frobenius", "stable_rank", "alpha_hill", "alpha_ks")


@dataclass
class Result:
    """Outcome of one run.

    history : one dict per probe with the keys of `PROBE_KEYS` (losses are MSE without ½).
    spectra : probe step → ESD (ascending eigenvalues of the smaller Gram of W, float64).
    W : the final first layer (the last finite iterate if the run diverged).
    status : "ok" or "diverged"; diverged_at : the step at which it diverged, else None.
    wall_time : seconds spent in `train`.
    """

    config: Config
    history: list[dict] = field(default_factory=list)
    spectra: dict[int, np.ndarray] = field(default_factory=dict)
    W: np.ndarray | None = None
    status: str = "ok"
    diverged_at: int | None = None
    wall_time: float = 0.0

    def __repr__(self) -> str:
        c = self.config
        last = self.history[-1] if self.history else {}
        metrics = ", ".join(f"{k}={short_value(last[k])}" for k in ("step", "sigma1", "alpha_hill", "train_loss")
                            if k in last)
        return (f"Result(config=Config(n={c.n}, d={c.d}, h={c.h}, optimizer={c.optimizer!r}, lr={c.lr:g}, "
                f"steps={c.steps}, seed={c.seed}; key {c.key()}), status={self.status!r}, "
                f"diverged_at={self.diverged_at}, probes={len(self.history)}, last probe: {metrics or 'none'}, "
                f"spectra={short_value(self.spectra)}, W={short_value(self.W)}, wall_time={self.wall_time:.3g})")


def probe(W: np.ndarray, problem: Problem, config: Config, step: int,
          network_loss: float | None = None,
          sum_squares: float | None = None) -> tuple[dict, np.ndarray]:
    """Metrics of W at `step` and its ESD (`network_loss`, when known, is L(W) already computed;
    `sum_squares`, when known, is ‖W‖_F² as `htcore.optim.sum_squares` computes it).

    - train_loss, test_loss, kta: ridge readout on the probe set (`htcore.readout`, config.eval_scaling);
    - network_loss: L(W) = mean((f(X) − y)²) of the network itself with its frozen a, train set;
    - sim: |⟨v1, β⟩|, v1 the top right singular vector of W;
    - sigma1, sigma2: the two largest singular values; frobenius: ‖W‖_F;
      stable_rank: ‖W‖_F²/σ1²;
    - alpha_hill: Hill estimator with xmin at the median eigenvalue (docs/model.md §5.5);
    - alpha_ks: power-law MLE at the KS-optimal xmin (docs/model.md §5.6).
    """
    return _probe(W, problem, config, activation_code(config.activation), step, network_loss,
                  sum_squares, None)


def _probe(W: np.ndarray, problem: Problem, config: Config, code: int, step: int,
           network_loss: float | None, sum_squares: float | None,
           work: Workspace | None) -> tuple[dict, np.ndarray]:
    """`probe` with the activation's code and, for the forward pass when `network_loss` is None, the
    buffers (`work`; new ones when None)."""
    readout = evaluate_readout(W, problem.X_probe, problem.y_probe, problem.X_test, problem.y_test,
                               activation=code, reg_lambda=config.reg_lambda,
                               eval_scaling=config.eval_scaling)
    evals, _, _, v1 = esd_and_top(W, k=1)
    frob = frobenius_norm(W) if sum_squares is None else math.sqrt(sum_squares)
    sigma1 = math.sqrt(evals[-1])
    if network_loss is None:
        if work is None:
            work = Workspace(config.n, config.h, config.d, W.dtype, config.activation)
        network_loss = loss_into(W, problem.a, problem.X, problem.y, work)
    record = {
        "step": step,
        "train_loss": readout.train_loss,
        "test_loss": readout.test_loss,
        "network_loss": network_loss,
        "kta": readout.kta,
        "sim": float(abs(v1[:, 0].astype(np.float64) @ problem.beta.astype(np.float64))),
        "sigma1": sigma1,
        "sigma2": math.sqrt(evals[-2]) if evals.size > 1 else 0.0,
        "frobenius": frob,
        "stable_rank": frob**2 / sigma1**2,
        "alpha_hill": hill_alpha(evals),
        "alpha_ks": ks_alpha(evals),
    }
    return record, evals


class Trainer:
    """Full-batch training of the first layer W, one step at a time, with the engine's kernels.

    `Trainer(config, problem=None, *, in_place=False)` starts from a copy of problem.W0 (the problem is
    drawn with `make_problem(config)` when None; its arrays must have the config's n, h, d and share one
    float dtype) with fresh optimiser state. Each `step()` is one update of `htcore.train` — weight
    normalisation when configured, loss and gradient at W, GD or Adam update at η·γ^(t−1) — through the
    same kernels and buffers, so the iterates are bit-identical to `train`'s.

    Attributes (read them, do not assign them):

    - `config`, `problem`: the run's configuration and arrays;
    - `W`: the current iterate W_t, a read-only view of the trainer's buffer (it changes at the next
      step: copy it to keep it);
    - `t`: the number of steps taken;
    - `loss`: the loss the last step evaluated, L(W_{t−1}) (at the normalised W_{t−1} with weight
      normalisation), as a float; None before the first step;
    - `sum_squares`: ‖W_t‖_F² from the last update (`htcore.optim.sum_squares`), None before it;
    - `diverged_at`: the step whose loss or new W was non-finite (then `step` returned False and
      refuses to go on), else None; `status`: "ok" or "diverged".

    `in_place=False` (as `train`) keeps two W buffers: each update writes the other one, so after a
    diverging step W is still the last finite iterate. `in_place=True` overwrites W instead (one h×d
    buffer fewer); W then holds whatever the diverging step wrote. Both give the same numbers.
    """

    def __init__(self, config: Config, problem: Problem | None = None, *, in_place: bool = False) -> None:
        self.config = config
        self.problem = make_problem(config) if problem is None else problem
        W0 = _check_problem(self.problem, config)
        self._W = W0.copy()
        self._spare = None if in_place else np.empty_like(self._W)  # the next iterate goes here
        self._work = Workspace(config.n, config.h, config.d, self._W.dtype, config.activation)
        self._optimizer = Optimizer(config, self._W.shape, self._W.dtype)
        self.t = 0
        self.loss: float | None = None
        self.sum_squares: float | None = None
        self.diverged_at: int | None = None

    @property
    def W(self) -> np.ndarray:
        """The current iterate W_t (read-only view of the trainer's buffer)."""
        view = self._W.view()
        view.flags.writeable = False
        return view

    @property
    def status(self) -> str:
        """Status: "ok", or "diverged" once a step was non-finite."""
        return "ok" if self.diverged_at is None else "diverged"

    def step(self, before_update: Callable[[float], None] | None = None) -> bool:
        """One full-batch update W_t → W_{t+1}; returns True, or False when the loss or the new W is
        non-finite (see `diverged_at`).

        `before_update(loss)`, when given, is called after the loss and gradient are computed and
        before the update, while `W`, `t` and `sum_squares` still describe W_t: `train` probes W_t
        there with `probe(network_loss=loss)`, saving a forward pass. It must not write to the trainer.
        """
        if self.diverged_at is not None:
            raise RuntimeError(f"Trainer.step: the run diverged at step {self.diverged_at}; "
                               "it cannot step further")
        t = self.t + 1
        W = self._W
        out = W if self._spare is None else self._spare
        x = W  # the point where the loss is evaluated: W, or W normalised (into `out`)
        if self.config.weight_normalization:
            normalize_weights(W, out=out,
                              frobenius=None if self.sum_squares is None else math.sqrt(self.sum_squares))
            x = out
        p = self.problem
        loss = loss_and_grad_into(x, p.a, p.X, p.y, self._work)
        self.loss = loss
        if before_update is not None:
            before_update(loss)
        if not (math.isfinite(loss) and self._optimizer.step(x, self._work.grad, t, out=out)):
            self.diverged_at = t
            return False
        if self._spare is not None:
            self._W, self._spare = out, W
        self.t = t
        self.sum_squares = self._optimizer.sum_squares
        return True

    def current_loss(self) -> float:
        """L(W_t) at the current W (one forward pass, no gradient; the trainer's buffers)."""
        p = self.problem
        return loss_into(self._W, p.a, p.X, p.y, self._work)

    def probe(self, network_loss: float | None = None) -> tuple[dict, np.ndarray]:
        """`probe` of the current W at step `t`: its record (`PROBE_KEYS`) and ESD. `network_loss`,
        when known, is L(W_t) (`current_loss()` otherwise); ‖W_t‖_F² comes from the last update."""
        return _probe(self._W, self.problem, self.config, self._work.code, self.t, network_loss,
                      self.sum_squares, self._work)


def _check_problem(problem: Problem, config: Config) -> np.ndarray:
    """problem.W0 after checking that W0, a, X, y have the config's sizes and one float dtype."""
    n, h, d = config.n, config.h, config.d
    W0 = as_matrix("problem.W0", problem.W0, cols=d, cols_name="config.d")
    if W0.shape[0] != h:
        raise ArrayShapeError(f"problem.W0: got shape {W0.shape}; expected ({h}, {d}) (config.h, config.d)")
    X = as_matrix("problem.X", problem.X, cols=d, cols_name="config.d")
    if X.shape[0] != n:
        raise ArrayShapeError(f"problem.X: got shape {X.shape}; expected ({n}, {d}) (config.n, config.d)")
    a = as_vector("problem.a", problem.a, length=h, length_name="config.h")
    y = as_vector("problem.y", problem.y, length=n, length_name="config.n")
    check_dtypes_match(W0=W0, a=a, X=X, y=y)
    return W0


def _is_probe_step(t: int, config: Config) -> bool:
    return t % config.probe_every == 0 or t == config.steps


def train(config: Config, problem: Problem | None = None,
          on_probe: Callable[[dict, np.ndarray], None] | None = None,
          progress: bool = False,
          initial_probe: tuple[dict, np.ndarray] | None = None) -> Result:
    """Train W from problem.W0 (drawn from `config` when `problem` is None); see the module docstring.

    `on_probe(record, W)` is called after every probe with the new history record and a read-only view
    of W. `progress` shows a tqdm bar over the steps. `initial_probe`, when given, is the step-0
    `(record, ESD)` of problem.W0 already computed by `probe` under this config's readout settings
    (activation, reg_lambda, eval_scaling); it is used instead of probing step 0 again, so runs that
    share a problem (a sweep's repeat) share that work.
    """
    start = time.perf_counter()
    trainer = Trainer(config, problem)
    result = Result(config=config)

    def publish(record: dict, evals: np.ndarray) -> None:
        result.history.append(record)
        result.spectra[record["step"]] = evals
        if on_probe is not None:
            on_probe(record, trainer.W)

    def probe_with_loss(loss: float) -> None:  # the due probe of W_{t−1}, inside step t
        publish(*trainer.probe(loss))

    due = True  # a probe of the current W is due, taken during the next step (module docstring)
    if initial_probe is not None:
        publish(dict(initial_probe[0]), initial_probe[1])
        due = False
    steps = range(1, config.steps + 1)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc="steps", leave=False)
    for t in steps:
        hook = None
        if due:
            if config.weight_normalization:
                publish(*trainer.probe())
            else:
                hook = probe_with_loss
            due = False
        if not trainer.step(hook):
            result.status, result.diverged_at = "diverged", t
            break
        due = _is_probe_step(t, config)
    if due:
        publish(*trainer.probe())
    result.W = trainer._W
    result.wall_time = time.perf_counter() - start
    return result


__dir__ = public_dir(__name__)
