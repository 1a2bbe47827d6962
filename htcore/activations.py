"""Named student activations and teacher link functions.

Student activations are applied with NumPy ufuncs (SIMD `tanh`/`erf`, 10–15× faster here than Numba's
scalar libm calls, see shared/performance-notes.md); their derivatives are evaluated inside the fused Numba
kernels through `derivative`, selected by an integer code so that one compiled kernel serves all.

| name | σ(z)               | σ'(z)                      |
|------|--------------------|----------------------------|
| tanh | tanh z             | 1 − tanh² z                |
| erf  | erf z              | (2/√π) e^(−z²)             |
| relu | max(z, 0)          | 1[z > 0]                   |
| gelu | z Φ(z)             | Φ(z) + z φ(z)              |

Φ and φ are the standard normal CDF and density. Teachers: softplus log(1 + e^z) (computed as
`logaddexp(0, z)`, stable for large |z|), tanh, relu, linear.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from scipy import special

from htcore.config import ACTIVATIONS, TEACHERS, ConfigError

ACTIVATION_CODES = {name: code for code, name in enumerate(ACTIVATIONS)}
TANH, ERF, RELU, GELU = (ACTIVATION_CODES[name] for name in ("tanh", "erf", "relu", "gelu"))

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def activation_code(name: str) -> int:
    """Integer code of a named student activation (raises ConfigError for an unknown name)."""
    if name not in ACTIVATION_CODES:
        raise ConfigError(f"activation: got {name!r}; expected one of {', '.join(ACTIVATIONS)}")
    return ACTIVATION_CODES[name]


def apply_activation(name: str, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ(z) elementwise for a named activation, written into `out` (may be `z` itself)."""
    code = activation_code(name)
    if out is None:
        out = np.empty_like(z)
    if code == TANH:
        return np.tanh(z, out=out)
    if code == ERF:
        return special.erf(z, out=out)
    if code == RELU:
        return np.maximum(z, 0, out=out)
    # gelu: z·Φ(z) = z·(1 + erf(z/√2))/2; `out` may alias z, so keep z until the final product.
    phi = special.erf(z * _INV_SQRT_2)
    phi += 1
    phi *= 0.5
    return np.multiply(z, phi, out=out)


@njit(inline="always", cache=True)
def derivative(code: int, z: float, s: float) -> float:
    """σ'(z) given the pre-activation z and the activation value s = σ(z) (Numba, scalar)."""
    if code == TANH:
        return 1.0 - s * s
    if code == ERF:
        return _TWO_OVER_SQRT_PI * math.exp(-z * z)
    if code == RELU:
        return 1.0 if z > 0.0 else 0.0
    return 0.5 * (1.0 + math.erf(z * _INV_SQRT_2)) + z * _INV_SQRT_2PI * math.exp(-0.5 * z * z)


def teacher(name: str, z: np.ndarray) -> np.ndarray:
    """σ*(z) for a named teacher: softplus, tanh, relu or linear (float64 in, float64 out)."""
    if name == "softplus":
        return np.logaddexp(0.0, z)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "linear":
        return np.array(z, dtype=np.float64, copy=True)
    raise ConfigError(f"teacher: got {name!r}; expected one of {', '.join(TEACHERS)}")
