"""First-layer optimisers: parallel Numba kernels writing the new W (PyTorch semantics).

With g = ∇L(W) + weight_decay·W (L2 added to the gradient, as torch.optim's `weight_decay`) and the
step-decayed learning rate η_t = η·γ^(t−1) for step t = 1, 2, …:

- GD:   W ← W − η_t g;  with momentum μ > 0 (torch SGD, dampening 0): b ← g at t = 1,
        b ← μ b + g after, W ← W − η_t b.
- Adam: m ← β1 m + (1−β1) g (as torch's lerp, m + (1−β1)(g − m)), v ← β2 v + (1−β2) g²,
        W ← W − (η_t/(1−β1^t)) · m / (√v/√(1−β2^t) + ε).   ε is kept exact.
- Weight normalisation (optional, applied by the training loop before every step):
        W ← W·√(hd)/‖W‖_F.

Every kernel writes the new W (in place, or into another buffer so that the caller keeps the previous
iterate) and, in the same pass over each row while it is in cache, the row's sum of squares in float64.
‖W_new‖_F² = Σ of those row sums (`sum_squares`) is the finiteness test of the update — a non-finite
entry, or entries so large that ‖W‖_F² and hence the Gram matrix of the probes overflow — and the
Frobenius norm a probe reports, bit-identical to `frobenius_norm` of the new W (same row sums, same
order, for any thread count). All update arithmetic is at the precision of W (float32 stays float32:
the constants are passed in W's dtype).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from htcore.config import Config
from theory.display import public_dir

__all__ = ["Optimizer", "frobenius_norm", "normalize_weights", "sum_squares"]


@njit(inline="always", cache=True)
def _row_sum_squares(row):
    """Σ_j row_j² in float64, in four interleaved partial sums (a fixed order) added pairwise."""
    s0 = s1 = s2 = s3 = 0.0
    m = row.size - row.size % 4
    for j in range(0, m, 4):
        x0, x1, x2, x3 = (np.float64(row[j]), np.float64(row[j + 1]), np.float64(row[j + 2]),
                          np.float64(row[j + 3]))
        s0 += x0 * x0
        s1 += x1 * x1
        s2 += x2 * x2
        s3 += x3 * x3
    for j in range(m, row.size):
        x = np.float64(row[j])
        s0 += x * x
    return (s0 + s1) + (s2 + s3)


@njit(parallel=True, nogil=True, cache=True)
def _gd_update(w, out, g, buf, lr, momentum, weight_decay, first, row_sq):
    h, d = w.shape
    for i in prange(h):
        for j in range(d):
            step = g[i, j] + weight_decay * w[i, j]
            if momentum != 0.0:
                if not first:
                    step = momentum * buf[i, j] + step
                buf[i, j] = step
            out[i, j] = w[i, j] - lr * step
        row_sq[i] = _row_sum_squares(out[i])


@njit(parallel=True, nogil=True, cache=True)
def _adam_update(w, out, g, m, v, step_size, bc2_sqrt, beta1, beta2, one_minus_beta1,
                 one_minus_beta2, eps, weight_decay, row_sq):
    h, d = w.shape
    for i in prange(h):
        for j in range(d):
            grad = g[i, j] + weight_decay * w[i, j]
            m[i, j] = m[i, j] + one_minus_beta1 * (grad - m[i, j])
            v[i, j] = beta2 * v[i, j] + one_minus_beta2 * grad * grad
            denom = math.sqrt(v[i, j]) / bc2_sqrt + eps
            out[i, j] = w[i, j] - step_size * (m[i, j] / denom)
        row_sq[i] = _row_sum_squares(out[i])


@njit(parallel=True, nogil=True, cache=True)
def _row_sums_of_squares(w, row_sq):
    for i in prange(w.shape[0]):
        row_sq[i] = _row_sum_squares(w[i])


@njit(parallel=True, nogil=True, cache=True)
def _scale_into(w, out, factor):
    for i in prange(w.shape[0]):
        for j in range(w.shape[1]):
            out[i, j] = w[i, j] * factor


def sum_squares(W: np.ndarray) -> float:
    """‖W‖_F², row sums in float64 (as the optimiser kernels compute them) added by `np.sum` (fixed
    order): bit-reproducible for any thread count."""
    rows = np.empty(W.shape[0], dtype=np.float64)
    _row_sums_of_squares(W, rows)
    return float(np.sum(rows))


def frobenius_norm(W: np.ndarray) -> float:
    """‖W‖_F = √`sum_squares`(W)."""
    return math.sqrt(sum_squares(W))


def normalize_weights(W: np.ndarray, out: np.ndarray | None = None,
                      frobenius: float | None = None) -> None:
    """Weight normalisation: out ← W·√(hd)/‖W‖_F (Frobenius norm of an N(0,1) init); in place when
    `out` is None. `frobenius`, when given, is ‖W‖_F already known (`frobenius_norm(W)`)."""
    h, d = W.shape
    norm = frobenius_norm(W) if frobenius is None else frobenius
    _scale_into(W, W if out is None else out, W.dtype.type(math.sqrt(h * d) / norm))


class Optimizer:
    """GD (momentum, weight decay) or Adam with their state, for one W of fixed shape and dtype.

    `step(W, G, t, out)` applies step t (1-based) with learning rate η·γ^(t−1), writing the new W into
    `out` (W itself when None; W is left unchanged otherwise), and returns True when the new W is
    finite with a finite ‖W‖_F², which it leaves in `sum_squares`.
    """

    def __init__(self, config: Config, shape: tuple[int, int], dtype: np.dtype) -> None:
        self.config = config
        self.kind = config.optimizer
        if self.kind == "adam":
            self.m = np.zeros(shape, dtype=dtype)
            self.v = np.zeros(shape, dtype=dtype)
        else:
            self.buf = np.zeros(shape if config.momentum else (1, 1), dtype=dtype)
        self.row_sq = np.empty(shape[0], dtype=np.float64)
        self.sum_squares = math.nan

    @property
    def nbytes(self) -> int:
        """Bytes of the optimiser state."""
        state = (self.m, self.v) if self.kind == "adam" else (self.buf,)
        return sum(a.nbytes for a in state) + self.row_sq.nbytes

    def learning_rate(self, t: int) -> float:
        """η_t = η·γ^(t−1) for step t ≥ 1."""
        return self.config.lr * self.config.lr_gamma ** (t - 1)

    def step(self, W: np.ndarray, G: np.ndarray, t: int, out: np.ndarray | None = None) -> bool:
        """Update t (1-based) of W with gradient G (C-contiguous, W's shape and dtype; not checked),
        written into `out` (W when None); True when the new W and its ‖W‖_F² are finite. To train a
        model step by step, use `htcore.Trainer`, which calls this after the engine's gradient."""
        c = self.config
        out = W if out is None else out
        cast = W.dtype.type
        lr = self.learning_rate(t)
        if self.kind == "gd":
            _gd_update(W, out, G, self.buf, cast(lr), cast(c.momentum), cast(c.weight_decay), t == 1,
                       self.row_sq)
        else:
            step_size = lr / (1.0 - c.adam_beta1**t)
            bc2_sqrt = math.sqrt(1.0 - c.adam_beta2**t)
            _adam_update(W, out, G, self.m, self.v, cast(step_size), cast(bc2_sqrt),
                         cast(c.adam_beta1), cast(c.adam_beta2), cast(1.0 - c.adam_beta1),
                         cast(1.0 - c.adam_beta2), cast(c.adam_eps), cast(c.weight_decay),
                         self.row_sq)
        self.sum_squares = float(np.sum(self.row_sq))
        return math.isfinite(self.sum_squares)


__dir__ = public_dir(__name__)
