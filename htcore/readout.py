"""Ridge readout on frozen first-layer features, its losses and kernel–target alignment (KTA).

Features of a set X̃ (m×d): `Φ = σ(X̃ Wᵀ/s)/√h` with s = √d ("intended") or s = d ("reference", the
published implementation's double scaling, docs/model.md §6). Ridge readout fitted on the probe set:

    â = argmin (1/n)‖ỹ − Φa‖² + (λ/h)‖a‖² = (ΦᵀΦ + (λ/h)·n·I_h)⁻¹ Φᵀỹ,

solved by Cholesky on the h×h Gram. Losses are MSE without ½: train loss = mean((Φâ − ỹ)²) on the probe
set, test loss the same predictor on the test set. KTA (no centring), through the h×h Gram only:

    KTA = ⟨ΦΦᵀ, ỹỹᵀ⟩_F / (‖ΦΦᵀ‖_F ‖ỹỹᵀ‖_F) = ‖Φᵀỹ‖² / (‖ΦᵀΦ‖_F ‖ỹ‖²).

Everything after the feature GEMM runs in float64, whatever the training dtype.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import linalg

from htcore.activations import apply_activation
from htcore.config import EVAL_SCALINGS, ConfigError


@dataclass(frozen=True)
class ReadoutMetrics:
    """Ridge-readout train/test MSE (without ½) and KTA of one first layer."""

    train_loss: float
    test_loss: float
    kta: float


def features(X: np.ndarray, W: np.ndarray, activation: str, eval_scaling: str) -> np.ndarray:
    """Φ = σ(X Wᵀ/s)/√h in float64, s = √d ("intended") or d ("reference")."""
    if eval_scaling not in EVAL_SCALINGS:
        raise ConfigError(
            f"eval_scaling: got {eval_scaling!r}; expected one of {', '.join(EVAL_SCALINGS)}"
        )
    h, d = W.shape
    scale = math.sqrt(d) if eval_scaling == "intended" else float(d)
    # Scaling W (h×d) rather than the pre-activations (m×h) saves a pass over the larger array.
    phi = np.asarray(X @ (W.T * W.dtype.type(1.0 / scale)), dtype=np.float64)
    apply_activation(activation, phi, out=phi)
    phi *= 1.0 / math.sqrt(h)
    return phi


def ridge_solve(gram: np.ndarray, phi_t_y: np.ndarray, n: int, reg_lambda: float) -> np.ndarray:
    """â = (ΦᵀΦ + (λ/h)·n·I)⁻¹ Φᵀỹ from the Gram ΦᵀΦ (h×h) and Φᵀỹ, by Cholesky."""
    h = gram.shape[0]
    system = gram + (reg_lambda / h) * n * np.eye(h)
    return linalg.cho_solve(linalg.cho_factor(system, lower=True, check_finite=False), phi_t_y,
                            check_finite=False)


def kernel_target_alignment(gram: np.ndarray, phi_t_y: np.ndarray, y: np.ndarray) -> float:
    """‖Φᵀy‖² / (‖ΦᵀΦ‖_F ‖y‖²), equal to the n×n definition ⟨K, yyᵀ⟩_F/(‖K‖_F‖yyᵀ‖_F), K = ΦΦᵀ."""
    return float(phi_t_y @ phi_t_y / (np.linalg.norm(gram) * (y @ y)))


def mse(prediction: np.ndarray, target: np.ndarray) -> float:
    """Mean squared error without ½: mean((prediction − target)²)."""
    diff = prediction - target
    return float(diff @ diff / diff.size)


def evaluate_readout(W: np.ndarray, X_probe: np.ndarray, y_probe: np.ndarray, X_test: np.ndarray,
                     y_test: np.ndarray, *, activation: str, reg_lambda: float,
                     eval_scaling: str = "intended") -> ReadoutMetrics:
    """Fit the ridge readout on the probe set and report train/test MSE and KTA (module docstring)."""
    phi = features(X_probe, W, activation, eval_scaling)
    y = np.asarray(y_probe, dtype=np.float64)
    gram = phi.T @ phi
    phi_t_y = phi.T @ y
    a_hat = ridge_solve(gram, phi_t_y, phi.shape[0], reg_lambda)
    phi_test = features(X_test, W, activation, eval_scaling)
    return ReadoutMetrics(
        train_loss=mse(phi @ a_hat, y),
        test_loss=mse(phi_test @ a_hat, np.asarray(y_test, dtype=np.float64)),
        kta=kernel_target_alignment(gram, phi_t_y, y),
    )
