"""The training loop: full-batch steps on the first layer W, with probes at chosen steps.

Step t = 1 … steps: (weight normalisation if on) → loss and gradient at W_{t−1} → optimiser update to
W_t. Probes run at step 0, every `probe_every` steps and at the last step; each records the metrics
listed in `PROBE_KEYS` (see `probe`). A non-finite loss or W (or an overflowing ‖W‖_F²) stops the run,
which returns normally with `status="diverged"` and `diverged_at` = the step whose loss or update was
non-finite; `W` is then the last finite iterate. Two W buffers alternate: each update (or weight
normalisation) writes into the other one, so the previous iterate survives a diverging step without a
copy per step.

The probe of W_t is taken during step t+1, after its loss evaluation and before its update, so that the
network's own loss L(W_t) is the one the step computes anyway (one GEMM saved per probe). With weight
normalisation, which changes W before the loss, and after the last step, the probe runs its own
forward pass.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from htcore.config import Config
from htcore.kernels import Workspace, loss_and_grad_into, loss_into
from htcore.optim import Optimizer, frobenius_norm, normalize_weights
from htcore.spectral.fit import hill_alpha, ks_alpha
from htcore.spectral.linalg import esd_and_top
from htcore.problem import Problem, make_problem
from htcore.readout import evaluate_readout

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


def probe(W: np.ndarray, problem: Problem, config: Config, work: Workspace, step: int,
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
    readout = evaluate_readout(W, problem.X_probe, problem.y_probe, problem.X_test, problem.y_test,
                               activation=config.activation, reg_lambda=config.reg_lambda,
                               eval_scaling=config.eval_scaling)
    evals, _, _, v1 = esd_and_top(W, k=1)
    frob = frobenius_norm(W) if sum_squares is None else math.sqrt(sum_squares)
    sigma1 = math.sqrt(evals[-1])
    if network_loss is None:
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
    problem = make_problem(config) if problem is None else problem
    W = problem.W0.copy()
    spare = np.empty_like(W)  # the next iterate is written here; W stays the last finite one
    work = Workspace(config.n, config.h, config.d, W.dtype, config.activation)
    optimizer = Optimizer(config, W.shape, W.dtype)
    result = Result(config=config)
    sum_squares: float | None = None  # ‖W‖_F² of the current W, from its update

    def publish(record: dict, evals: np.ndarray) -> None:
        result.history.append(record)
        result.spectra[record["step"]] = evals
        if on_probe is not None:
            view = W.view()
            view.flags.writeable = False
            on_probe(record, view)

    def record_probe(step: int, network_loss: float | None = None) -> None:
        publish(*probe(W, problem, config, work, step, network_loss, sum_squares))

    pending = 0  # the step whose probe is due, taken during the next step (module docstring)
    if initial_probe is not None:
        publish(dict(initial_probe[0]), initial_probe[1])
        pending = None
    steps = range(1, config.steps + 1)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc="steps", leave=False)
    for t in steps:
        x = W  # the point where the loss is evaluated: W, or W normalised into the spare buffer
        if config.weight_normalization:
            if pending is not None:
                record_probe(pending)
                pending = None
            normalize_weights(W, out=spare,
                              frobenius=None if sum_squares is None else math.sqrt(sum_squares))
            x = spare
        loss = loss_and_grad_into(x, problem.a, problem.X, problem.y, work)
        if pending is not None:
            record_probe(pending, loss)
            pending = None
        if not (math.isfinite(loss) and optimizer.step(x, work.grad, t, out=spare)):
            result.status, result.diverged_at = "diverged", t
            break
        W, spare = spare, W
        sum_squares = optimizer.sum_squares
        if _is_probe_step(t, config):
            pending = t
    if pending is not None:
        record_probe(pending)
    result.W = W
    result.wall_time = time.perf_counter() - start
    return result
