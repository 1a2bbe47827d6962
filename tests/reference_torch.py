"""PyTorch-autograd reference for the htcore student network.

Second, independent reference (see ``tests/reference_numpy.py`` for the model and
formulae).  Here nothing is derived by hand: the gradient comes from
``loss.backward()`` and the updates from ``torch.optim.SGD`` / ``torch.optim.Adam``
with ``torch.optim.lr_scheduler.StepLR(step_size=1, gamma=lr_gamma)``, all in
float64 on the CPU.  Inputs and outputs are NumPy arrays.  Does not import htcore.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

# Single-threaded: tiny test matrices, and torch's 2-thread BLAS is very slow on a busy 2-core machine.
torch.set_num_threads(1)

__all__ = ["ACTIVATIONS", "ref_forward", "ref_loss_and_grad", "ref_train"]

ACTIVATIONS = ("tanh", "erf", "relu", "gelu")

_DTYPE = torch.float64


def _t(x) -> torch.Tensor:
    """NumPy/array-like -> new float64 CPU tensor (always a copy)."""
    return torch.tensor(np.asarray(x, dtype=np.float64), dtype=_DTYPE)


def _sigma(z: torch.Tensor, activation: str) -> torch.Tensor:
    # torch's own elementwise ops; their derivatives come from autograd.
    if activation == "tanh":
        return torch.tanh(z)
    if activation == "erf":
        return torch.erf(z)
    if activation == "relu":
        return torch.relu(z)  # autograd: derivative 1[z > 0]
    if activation == "gelu":
        return F.gelu(z, approximate="none")  # exact z * Phi(z)
    raise ValueError(f"unknown activation {activation!r}")


def _forward_t(W: torch.Tensor, a: torch.Tensor, X: torch.Tensor, activation: str) -> torch.Tensor:
    h, d = W.shape
    Z = X @ W.T / math.sqrt(d)  # (n, h) pre-activations
    return _sigma(Z, activation) @ a / math.sqrt(h)  # (n,) f = a^T sigma(Z) / sqrt(h)


def _loss_t(W, a, X, y, activation) -> torch.Tensor:
    f = _forward_t(W, a, X, activation)
    return ((f - y) ** 2).mean()  # MSE without the 1/2


def ref_forward(W, a, X, activation: str = "tanh") -> np.ndarray:
    """Network output f(X), shape (n,)."""
    with torch.no_grad():
        return _forward_t(_t(W), _t(a), _t(X), activation).numpy().copy()


def ref_loss_and_grad(W, a, X, y, activation: str = "tanh"):
    """Return (L(W), dL/dW) computed with autograd."""
    Wt = _t(W).requires_grad_(True)
    loss = _loss_t(Wt, _t(a), _t(X), _t(y), activation)
    loss.backward()
    return float(loss.item()), Wt.grad.detach().numpy().copy()


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
    """Same contract as ``reference_numpy.ref_train``, done by torch.optim."""
    W = torch.nn.Parameter(_t(W0))
    a_t, X_t, y_t = _t(a), _t(X), _t(y)
    h, d = W.shape
    target_norm = math.sqrt(h * d)

    if optimizer == "gd":
        opt = torch.optim.SGD([W], lr=lr, momentum=momentum, weight_decay=weight_decay)
    elif optimizer == "adam":
        opt = torch.optim.Adam([W], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
    else:
        raise ValueError(f"unknown optimizer {optimizer!r}")
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=lr_gamma)

    Ws = [W.detach().numpy().copy()]
    losses = []
    for _ in range(steps):
        if weight_normalization:
            with torch.no_grad():
                W.mul_(target_norm / torch.linalg.norm(W))  # ||W||_F -> sqrt(h d), in place
        opt.zero_grad()
        loss = _loss_t(W, a_t, X_t, y_t, activation)
        loss.backward()
        losses.append(float(loss.item()))
        opt.step()
        sched.step()
        Ws.append(W.detach().numpy().copy())

    return {"W": W.detach().numpy().copy(), "Ws": Ws, "losses": losses}
