"""Slow, obviously-correct NumPy reference for the htcore student network.

Written for clarity, not speed.  It deliberately does NOT import htcore: it is an
independent transcription of docs/model.md §2 Student and loss and §3 Optimisers
(every activation and optimiser option listed there), used to test the fast
engine and cross-checked against the PyTorch-autograd reference in
``tests/reference_torch.py``.

Model (all float64)
-------------------
    f(x)  = (1/sqrt(h)) * a^T sigma(W x / sqrt(d))          W: (h, d), a: (h,) frozen
    L(W)  = (1/n) * sum_mu (f(x_mu) - y_mu)^2                MSE *without* the 1/2
    dL/dW = -(2 / (n sqrt(h d))) * sum_mu r_mu (a * sigma'(W x_mu / sqrt(d))) x_mu^T
            with residual r = y - f(X).

Optimisers follow PyTorch semantics (torch.optim.SGD / torch.optim.Adam with
``weight_decay`` = L2 added to the gradient, StepLR(step_size=1, gamma)).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erf

__all__ = ["ACTIVATIONS", "ref_forward", "ref_loss_and_grad", "ref_train"]

ACTIVATIONS = ("tanh", "erf", "relu", "gelu")

_SQRT_2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# ----------------------------------------------------------------------------------
# Activations: value sigma(z) and derivative sigma'(z), elementwise.
# ----------------------------------------------------------------------------------
def _sigma(z: np.ndarray, activation: str) -> np.ndarray:
    if activation == "tanh":
        return np.tanh(z)  # sigma(z) = tanh z
    if activation == "erf":
        return erf(z)  # sigma(z) = erf z
    if activation == "relu":
        return np.maximum(z, 0.0)  # sigma(z) = max(z, 0)
    if activation == "gelu":
        Phi = 0.5 * (1.0 + erf(z / _SQRT_2))  # standard normal CDF Phi(z)
        return z * Phi  # sigma(z) = z Phi(z)
    raise ValueError(f"unknown activation {activation!r}")


def _sigma_prime(z: np.ndarray, activation: str) -> np.ndarray:
    if activation == "tanh":
        t = np.tanh(z)
        return 1.0 - t * t  # d/dz tanh z = 1 - tanh^2 z
    if activation == "erf":
        return _TWO_OVER_SQRT_PI * np.exp(-z * z)  # d/dz erf z = (2/sqrt(pi)) e^{-z^2}
    if activation == "relu":
        return (z > 0.0).astype(np.float64)  # 1[z > 0]  (0 at z = 0, as torch)
    if activation == "gelu":
        Phi = 0.5 * (1.0 + erf(z / _SQRT_2))  # Phi(z)
        phi = np.exp(-0.5 * z * z) / _SQRT_2PI  # standard normal pdf phi(z)
        return Phi + z * phi  # d/dz [z Phi(z)] = Phi(z) + z phi(z)
    raise ValueError(f"unknown activation {activation!r}")


def _as_f64(*arrays):
    return tuple(np.asarray(x, dtype=np.float64) for x in arrays)


# ----------------------------------------------------------------------------------
# Forward, loss, gradient
# ----------------------------------------------------------------------------------
def ref_forward(W, a, X, activation: str = "tanh") -> np.ndarray:
    """Network output f(X), shape (n,)."""
    W, a, X = _as_f64(W, a, X)
    h, d = W.shape
    Z = X @ W.T / math.sqrt(d)  # pre-activations, (n, h): Z[mu, i] = w_i . x_mu / sqrt(d)
    S = _sigma(Z, activation)  # hidden activations, (n, h)
    return S @ a / math.sqrt(h)  # f(x_mu) = (1/sqrt(h)) sum_i a_i sigma(Z[mu, i])


def ref_loss_and_grad(W, a, X, y, activation: str = "tanh"):
    """Return (L(W), dL/dW) for the MSE without 1/2; G has the shape of W."""
    W, a, X, y = _as_f64(W, a, X, y)
    n = X.shape[0]
    h, d = W.shape
    Z = X @ W.T / math.sqrt(d)  # (n, h) pre-activations
    f = _sigma(Z, activation) @ a / math.sqrt(h)  # (n,) outputs
    r = y - f  # residual r_mu = y_mu - f(x_mu)
    loss = float(np.mean(r * r))  # L = (1/n) sum_mu r_mu^2
    # dL/dW_ij = (1/n) sum_mu 2 (f_mu - y_mu) df_mu/dW_ij
    #          = (1/n) sum_mu 2 (-r_mu) (1/sqrt(h)) a_i sigma'(Z_mu,i) x_mu,j / sqrt(d)
    #          = -(2/(n sqrt(h d))) sum_mu r_mu a_i sigma'(Z_mu,i) x_mu,j
    B = r[:, None] * (a[None, :] * _sigma_prime(Z, activation))  # (n, h): r_mu a_i sigma'(Z_mu,i)
    G = -(2.0 / (n * math.sqrt(h * d))) * (B.T @ X)  # (h, d): sum over mu
    return loss, G


# ----------------------------------------------------------------------------------
# Training loop
# ----------------------------------------------------------------------------------
def ref_train(
    W0,
    a,
    X,
    y,
    *,
    optimizer: str = "gd",
    lr: float,
    steps: int,
    activation: str = "tanh",
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    lr_gamma: float = 1.0,
    weight_normalization: bool = False,
) -> dict:
    """Full-batch training of W (a frozen).

    Returns a dict with
      "W":      final W (float64 copy),
      "Ws":     list of W after each step, Ws[0] = W0 (length steps + 1),
      "losses": L(W) at the W each step's gradient was evaluated on (after the
                rescaling when weight_normalization is on), length steps.
    """
    if optimizer not in ("gd", "adam"):
        raise ValueError(f"unknown optimizer {optimizer!r}")
    W = np.array(W0, dtype=np.float64, copy=True)
    a, X, y = _as_f64(a, X, y)
    h, d = W.shape
    target_norm = math.sqrt(h * d)  # weight normalisation target ||W||_F = sqrt(h d)

    buf = None  # heavy-ball momentum buffer (torch SGD "momentum_buffer")
    m = np.zeros_like(W)  # Adam first moment ("exp_avg")
    v = np.zeros_like(W)  # Adam second moment ("exp_avg_sq")

    Ws = [W.copy()]
    losses = []
    for t in range(1, steps + 1):
        # Step-decay learning rate: eta_t = eta * gamma^(t-1)  (StepLR, step_size=1).
        lr_t = lr * lr_gamma ** (t - 1)

        # Optional weight normalisation BEFORE the step: W <- W sqrt(h d) / ||W||_F.
        if weight_normalization:
            W = W * (target_norm / np.linalg.norm(W))  # np.linalg.norm of a matrix = Frobenius

        loss, G = ref_loss_and_grad(W, a, X, y, activation)  # gradient at the (rescaled) W
        losses.append(loss)

        # L2 weight decay added to the gradient (torch's coupled weight_decay).
        g = G + weight_decay * W

        if optimizer == "gd":
            if momentum != 0.0:
                # torch SGD, dampening 0, nesterov False: buf = g at step 1, then mu buf + g.
                buf = g.copy() if buf is None else momentum * buf + g
                step_dir = buf
            else:
                step_dir = g
            W = W - lr_t * step_dir  # W <- W - eta_t * direction
        else:  # adam
            m = beta1 * m + (1.0 - beta1) * g  # first moment
            v = beta2 * v + (1.0 - beta2) * g * g  # second moment
            bc1 = 1.0 - beta1**t  # bias corrections
            bc2 = 1.0 - beta2**t
            # torch's exact form: eps added AFTER dividing sqrt(v) by sqrt(bc2)
            denom = np.sqrt(v) / math.sqrt(bc2) + eps
            W = W - lr_t * (m / bc1) / denom

        Ws.append(W.copy())

    return {"W": W.copy(), "Ws": Ws, "losses": losses}
