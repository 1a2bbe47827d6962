"""Forward and backward pass of the student: the loss (MSE without ½) and its gradient in W.

    f(x)   = aᵀ σ(W x/√d)/√h,           r = y − f(X),      L(W) = (1/n) Σ_μ r_μ²
    ∇_W L  = −(2/(n√(hd))) Σ_μ r_μ (a ⊙ σ'(W x_μ/√d)) x_μᵀ = Dᵀ X,
    D_μj   = −(2/(n√(hd))) r_μ a_j σ'(z_μj),  z = X Wᵀ/√d.

The two matrix products go to BLAS; everything else — σ (for tanh; other activations are NumPy ufuncs
applied just before), the readout product, residual, derivative and all scaling (for tanh, the 1/√d
of the pre-activations too) — is fused into one parallel Numba pass over the rows of the n×h
pre-activations, written in place, so the only n×h buffer is the pre-activation matrix (plus σ(z) for
activations other than tanh). Reductions have a fixed order within a row and rows are independent, so
results do not depend on the number of threads. float32 inputs are computed in float32 throughout
(tanh included); only the loss is accumulated in float64.

Public: `loss_and_grad` (checks its arguments). `Workspace`, `loss_into` and `loss_and_grad_into` are
the engine's unchecked hot path, used by `htcore.train.Trainer`; step a model through that class.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from htcore.activations import TANH, activation_code, apply_activation_code, derivative, tanh_scalar
from htcore.checks import as_matrix, as_vector, check_dtypes_match
from theory.display import public_dir

__all__ = ["loss_and_grad"]


class Workspace:
    """Preallocated buffers for repeated `loss_and_grad` calls at one shape and dtype.

    `pre` (n×h) holds X Wᵀ, then the delta matrix D in place; `act` is `pre` itself for tanh (fused)
    and a second n×h buffer for the other activations, whose σ is a NumPy ufunc applied to z = X Wᵀ/√d
    computed through `W_scaled` = W/√d (None for tanh, which scales inside the fused kernel).
    `code` is the activation's integer code (`htcore.activations.activation_code`), validated here
    once and used by every `loss_into` call.
    """

    def __init__(self, n: int, h: int, d: int, dtype: np.dtype, activation: str) -> None:
        self.code = activation_code(activation)
        self.pre = np.empty((n, h), dtype=dtype)  # X Wᵀ (or z), then D in place
        fused = self.code == TANH
        self.act = self.pre if fused else np.empty((n, h), dtype=dtype)
        self.W_scaled = None if fused else np.empty((h, d), dtype=dtype)
        self.residual = np.empty(n, dtype=dtype)
        self.grad = np.empty((h, d), dtype=dtype)

    @property
    def nbytes(self) -> int:
        """Bytes held by the buffers (each counted once)."""
        arrays = {id(v): v for v in (self.pre, self.act, self.W_scaled, self.residual, self.grad)
                  if v is not None}
        return sum(v.nbytes for v in arrays.values())


@njit(inline="always", cache=True)
def _dot(a, b):
    """Σ_j a_j b_j at the precision of a, in eight interleaved partial sums (j mod 8) added pairwise:
    a fixed order (results do not depend on threads) that the compiler can keep in SIMD registers."""
    zero = a.dtype.type(0.0)
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = zero
    m = a.size - a.size % 8
    for j in range(0, m, 8):
        s0 += a[j] * b[j]
        s1 += a[j + 1] * b[j + 1]
        s2 += a[j + 2] * b[j + 2]
        s3 += a[j + 3] * b[j + 3]
        s4 += a[j + 4] * b[j + 4]
        s5 += a[j + 5] * b[j + 5]
        s6 += a[j + 6] * b[j + 6]
        s7 += a[j + 7] * b[j + 7]
    for j in range(m, a.size):
        s0 += a[j] * b[j]
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))


@njit(parallel=True, nogil=True, cache=True)
def _tanh_residual_and_delta(pre, a, y, z_scale, inv_sqrt_h, coef, residual):
    """tanh, fused (the default): per row μ, pre_μ ← s_μ = tanh(z_scale·pre_μ), r_μ = y_μ − aᵀs_μ/√h,
    then pre_μj ← coef·r_μ·a_j·(1 − s_μj²) in place. The row stays in cache across the three loops;
    a kernel of its own (no activation dispatch in the loops) so that every loop vectorises. All
    arithmetic is at the precision of the arrays (the scalars are passed in that dtype)."""
    n, h = pre.shape
    one = pre.dtype.type(1.0)
    for mu in prange(n):
        row = pre[mu]
        for j in range(h):
            row[j] = tanh_scalar(z_scale * row[j])
        r = y[mu] - _dot(a, row) * inv_sqrt_h
        residual[mu] = r
        scale = coef * r
        for j in range(h):
            s = row[j]
            row[j] = scale * a[j] * (one - s * s)


@njit(parallel=True, nogil=True, cache=True)
def _residual_and_delta(pre, act, a, y, code, inv_sqrt_h, coef, residual):
    """Other activations (act_μ = σ(z_μ) already applied, pre_μ = z_μ): per row μ,
    r_μ = y_μ − Σ_j a_j act_μj/√h, then pre_μj ← coef·r_μ·a_j·σ'(z_μj) in place."""
    n, h = pre.shape
    for mu in prange(n):
        r = y[mu] - _dot(a, act[mu]) * inv_sqrt_h
        residual[mu] = r
        scale = coef * r
        for j in range(h):
            pre[mu, j] = scale * a[j] * derivative(code, pre[mu, j], act[mu, j])


def loss_into(W, a, X, y, work: Workspace) -> float:
    """Forward pass and delta matrix into `work`; returns L(W) (float64). Arguments are not checked:
    W (h×d), a (h,), X (n×d), y (n,) must match `work`'s shape and dtype (the engine's own calls).

    tanh: one GEMM X Wᵀ, the 1/√d scaling fused into the kernel; other activations: z = X (W/√d)ᵀ, then
    their NumPy σ.
    """
    n, d = X.shape
    h = W.shape[0]
    dtype = W.dtype.type
    inv_sqrt_h = dtype(1.0 / math.sqrt(h))
    coef = dtype(-2.0 / (n * math.sqrt(h * d)))
    if work.W_scaled is None:
        np.matmul(X, W.T, out=work.pre)
        _tanh_residual_and_delta(work.pre, a, y, dtype(1.0 / math.sqrt(d)), inv_sqrt_h, coef,
                                 work.residual)
    else:
        np.multiply(W, dtype(1.0 / math.sqrt(d)), out=work.W_scaled)
        np.matmul(X, work.W_scaled.T, out=work.pre)
        apply_activation_code(work.code, work.pre, out=work.act)
        _residual_and_delta(work.pre, work.act, a, y, work.code, inv_sqrt_h, coef, work.residual)
    r = work.residual.astype(np.float64)
    return float(np.sum(r * r) / n)


def loss_and_grad_into(W, a, X, y, work: Workspace) -> float:
    """`loss_into` then the gradient Dᵀ X into `work.grad`; returns L(W)."""
    loss = loss_into(W, a, X, y, work)
    np.matmul(work.pre.T, X, out=work.grad)
    return loss


def loss_and_grad(
    W: np.ndarray, a: np.ndarray, X: np.ndarray, y: np.ndarray, activation: str = "tanh"
) -> tuple[float, np.ndarray]:
    """MSE without ½ and its exact gradient in W for `f(x) = aᵀσ(Wx/√d)/√h` (see module docstring).

    W (h×d), a (h,), X (n×d), y (n,) must share one float dtype (float32 or float64). Returns
    `(loss, G)` with loss a Python float (accumulated in float64) and G of W's shape and dtype.
    """
    W = as_matrix("W", W)
    dtype = W.dtype
    X = as_matrix("X", X, cols=W.shape[1], cols_name="W.shape[1]")
    a = as_vector("a", a, length=W.shape[0], length_name="W.shape[0]")
    y = as_vector("y", y, length=X.shape[0], length_name="X.shape[0]")
    check_dtypes_match(W=W, a=a, X=X, y=y)
    work = Workspace(X.shape[0], W.shape[0], W.shape[1], dtype, activation)
    loss = loss_and_grad_into(W, a, X, y, work)
    return loss, work.grad


__dir__ = public_dir(__name__)
