"""First-layer optimisers, updating W in place in parallel Numba kernels (PyTorch semantics).

With g = ∇L(W) + weight_decay·W (L2 added to the gradient, as torch.optim's `weight_decay`) and the
step-decayed learning rate η_t = η·γ^(t−1) for step t = 1, 2, …:

- GD:   W ← W − η_t g;  with momentum μ > 0 (torch SGD, dampening 0): b ← g at t = 1,
        b ← μ b + g after, W ← W − η_t b.
- Adam: m ← β1 m + (1−β1) g (as torch's lerp, m + (1−β1)(g − m)), v ← β2 v + (1−β2) g²,
        W ← W − (η_t/(1−β1^t)) · m / (√v/√(1−β2^t) + ε).   ε is kept exact.
- Weight normalisation (optional, applied by the training loop before every step):
        W ← W·√(hd)/‖W‖_F.

Every kernel returns ‖W_new‖_F² (summed in thread order, used only as a finiteness test), so detecting
divergence — a non-finite entry, or entries so large that ‖W‖_F² and hence the Gram matrix of the probes
overflow — costs no extra pass.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from htcore.config import Config


@njit(parallel=True, nogil=True, cache=True)
def _gd_update(w, g, buf, lr, momentum, weight_decay, first):
    sum_squares = 0.0
    for i in prange(w.size):
        step = g[i] + weight_decay * w[i]
        if momentum != 0.0:
            if not first:
                step = momentum * buf[i] + step
            buf[i] = step
        w[i] = w[i] - lr * step
        sum_squares += w[i] * w[i]
    return sum_squares


@njit(parallel=True, nogil=True, cache=True)
def _adam_update(w, g, m, v, step_size, bc2_sqrt, beta1, beta2, eps, weight_decay):
    sum_squares = 0.0
    for i in prange(w.size):
        grad = g[i] + weight_decay * w[i]
        m[i] = m[i] + (1.0 - beta1) * (grad - m[i])
        v[i] = beta2 * v[i] + (1.0 - beta2) * grad * grad
        denom = math.sqrt(v[i]) / bc2_sqrt + eps
        w[i] = w[i] - step_size * (m[i] / denom)
        sum_squares += w[i] * w[i]
    return sum_squares


@njit(parallel=True, nogil=True, cache=True)
def _row_sum_squares(w, out):
    for i in prange(w.shape[0]):
        acc = 0.0
        for j in range(w.shape[1]):
            acc += w[i, j] * w[i, j]
        out[i] = acc


@njit(parallel=True, nogil=True, cache=True)
def _scale_in_place(w, factor):
    for i in prange(w.size):
        w[i] = w[i] * factor


def frobenius_norm(W: np.ndarray) -> float:
    """‖W‖_F, summed row by row in a fixed order (bit-reproducible for any thread count)."""
    rows = np.empty(W.shape[0], dtype=np.float64)
    _row_sum_squares(W, rows)
    return math.sqrt(float(np.sum(rows)))


def normalize_weights(W: np.ndarray) -> None:
    """Weight normalisation in place: W ← W·√(hd)/‖W‖_F (Frobenius norm of an N(0,1) init)."""
    h, d = W.shape
    factor = math.sqrt(h * d) / frobenius_norm(W)
    _scale_in_place(W.reshape(-1), W.dtype.type(factor))


class Optimizer:
    """GD (momentum, weight decay) or Adam with their state, for one W of fixed shape and dtype.

    `step(W, G, t)` applies step t (1-based) in place with learning rate η·γ^(t−1) and returns True
    when the new W is finite with a finite ‖W‖_F².
    """

    def __init__(self, config: Config, shape: tuple[int, int], dtype: np.dtype) -> None:
        self.config = config
        self.kind = config.optimizer
        size = shape[0] * shape[1]
        if self.kind == "adam":
            self.m = np.zeros(size, dtype=dtype)
            self.v = np.zeros(size, dtype=dtype)
        else:
            self.buf = np.zeros(size if config.momentum else 1, dtype=dtype)

    def learning_rate(self, t: int) -> float:
        """η_t = η·γ^(t−1) for step t ≥ 1."""
        return self.config.lr * self.config.lr_gamma ** (t - 1)

    def step(self, W: np.ndarray, G: np.ndarray, t: int) -> bool:
        c = self.config
        w, g = W.reshape(-1), G.reshape(-1)
        cast = W.dtype.type
        lr = self.learning_rate(t)
        if self.kind == "gd":
            sum_squares = _gd_update(w, g, self.buf, cast(lr), cast(c.momentum),
                                     cast(c.weight_decay), t == 1)
        else:
            step_size = lr / (1.0 - c.adam_beta1**t)
            bc2_sqrt = math.sqrt(1.0 - c.adam_beta2**t)
            sum_squares = _adam_update(w, g, self.m, self.v, cast(step_size), cast(bc2_sqrt),
                               cast(c.adam_beta1), cast(c.adam_beta2), cast(c.adam_eps),
                               cast(c.weight_decay))
        return math.isfinite(sum_squares)
