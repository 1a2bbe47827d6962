"""Ridge readout on frozen first-layer features, its losses and kernel–target alignment (KTA).

Features of a set X̃ (m×d): `Φ = σ(X̃ Wᵀ/s)/√h` with s = √d ("intended") or s = d ("reference", the
published implementation's double scaling, docs/model.md §6). Ridge readout fitted on the probe set:

    â = argmin (1/n)‖ỹ − Φa‖² + (λ/h)‖a‖² = (ΦᵀΦ + (λ/h)·n·I_h)⁻¹ Φᵀỹ,

solved by Cholesky on the h×h Gram. Losses are MSE without ½: train loss = mean((Φâ − ỹ)²) on the probe
set, test loss the same predictor on the test set. KTA (no centring), through the h×h Gram only:

    KTA = ⟨ΦΦᵀ, ỹỹᵀ⟩_F / (‖ΦΦᵀ‖_F ‖ỹỹᵀ‖_F) = ‖Φᵀỹ‖² / (‖ΦᵀΦ‖_F ‖ỹ‖²).

`evaluate_readout` works with S = √h·Φ = σ(X̃ Wᵀ/s), which saves a pass over the m×h features: with
â_S = (SᵀS + λ·n·I_h)⁻¹ Sᵀỹ the predictions are Φâ = S â_S, and KTA is scale-free. The Gram is
factorised in place after its norm is taken. Everything after the feature GEMM runs in float64,
whatever the training dtype.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import linalg

from htcore.activations import apply_activation_code, as_activation_code
from htcore.config import EVAL_SCALINGS, ConfigError
from theory.display import public_dir

__all__ = ["ReadoutMetrics", "evaluate_readout", "features", "kernel_target_alignment", "mse", "ridge_solve"]


@dataclass(frozen=True)
class ReadoutMetrics:
    """Ridge-readout train/test MSE (without ½) and KTA of one first layer."""

    train_loss: float
    test_loss: float
    kta: float


def features(X: np.ndarray, W: np.ndarray, activation: str | int, eval_scaling: str) -> np.ndarray:
    """Φ = σ(X Wᵀ/s)/√h in float64, s = √d ("intended") or d ("reference"); σ by name or code."""
    phi = _hidden(X, _scaled_weights(W, eval_scaling), as_activation_code(activation))
    phi *= 1.0 / math.sqrt(W.shape[0])
    return phi


def _scaled_weights(W: np.ndarray, eval_scaling: str) -> np.ndarray:
    """W/s (h×d, W's dtype), s = √d ("intended") or d ("reference"); ConfigError for another name."""
    if eval_scaling not in EVAL_SCALINGS:
        raise ConfigError(
            f"eval_scaling: got {eval_scaling!r}; expected one of {', '.join(EVAL_SCALINGS)}"
        )
    d = W.shape[1]
    scale = math.sqrt(d) if eval_scaling == "intended" else float(d)
    # Scaling W (h×d) rather than the pre-activations (m×h) saves a pass over the larger array.
    return W * W.dtype.type(1.0 / scale)


def _hidden(X: np.ndarray, W_scaled: np.ndarray, code: int) -> np.ndarray:
    """S = σ(X W_scaledᵀ) in float64 (m×h), σ (given by its code) applied in place."""
    S = np.asarray(X @ W_scaled.T, dtype=np.float64)
    return apply_activation_code(code, S, out=S)


def ridge_solve(gram: np.ndarray, phi_t_y: np.ndarray, n: int, reg_lambda: float) -> np.ndarray:
    """â = (ΦᵀΦ + (λ/h)·n·I)⁻¹ Φᵀỹ from the Gram ΦᵀΦ (h×h) and Φᵀỹ, by Cholesky."""
    h = gram.shape[0]
    return _cholesky_solve_in_place(np.array(gram, dtype=np.float64), phi_t_y, (reg_lambda / h) * n)


def _cholesky_solve_in_place(gram: np.ndarray, rhs: np.ndarray, shift: float) -> np.ndarray:
    """(gram + shift·I)⁻¹ rhs by Cholesky, overwriting `gram` (C-contiguous, symmetric)."""
    gram.flat[:: gram.shape[0] + 1] += shift
    # A C-ordered symmetric matrix is its own Fortran-ordered transpose: LAPACK factorises it in place.
    factor = linalg.cho_factor(gram.T, lower=False, overwrite_a=True, check_finite=False)
    return linalg.cho_solve(factor, rhs, check_finite=False)


def kernel_target_alignment(gram: np.ndarray, phi_t_y: np.ndarray, y: np.ndarray) -> float:
    """‖Φᵀy‖² / (‖ΦᵀΦ‖_F ‖y‖²), equal to the n×n definition ⟨K, yyᵀ⟩_F/(‖K‖_F‖yyᵀ‖_F), K = ΦΦᵀ."""
    return float(phi_t_y @ phi_t_y / (np.linalg.norm(gram) * (y @ y)))


def mse(prediction: np.ndarray, target: np.ndarray) -> float:
    """Mean squared error without ½: mean((prediction − target)²)."""
    diff = prediction - target
    return float(diff @ diff / diff.size)


def evaluate_readout(W: np.ndarray, X_probe: np.ndarray, y_probe: np.ndarray, X_test: np.ndarray,
                     y_test: np.ndarray, *, activation: str | int, reg_lambda: float,
                     eval_scaling: str = "intended") -> ReadoutMetrics:
    """Fit the ridge readout on the probe set and report train/test MSE and KTA (module docstring).

    `activation` is σ's name or its code (`htcore.activations.activation_code`)."""
    code = as_activation_code(activation)
    W_scaled = _scaled_weights(W, eval_scaling)
    S = _hidden(X_probe, W_scaled, code)
    y = np.asarray(y_probe, dtype=np.float64)
    gram = S.T @ S
    s_t_y = S.T @ y
    kta = kernel_target_alignment(gram, s_t_y, y)
    a_s = _cholesky_solve_in_place(gram, s_t_y, reg_lambda * S.shape[0])
    return ReadoutMetrics(
        train_loss=mse(S @ a_s, y),
        test_loss=mse(_hidden(X_test, W_scaled, code) @ a_s,
                      np.asarray(y_test, dtype=np.float64)),
        kta=kta,
    )


__dir__ = public_dir(__name__)
