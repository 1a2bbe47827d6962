"""Named student activations and teacher link functions.

tanh, the default, is computed by `tanh_scalar`, a branch-free Cephes-style approximation that LLVM
vectorises (≤ 2 ulp from `np.tanh`, pinned by a test): on AVX2 machines NumPy's float64 `np.tanh` falls
back to scalar libm and was measured 3× slower than this kernel. It is fused into the training kernel and
used by `apply_activation`. The other activations are applied with NumPy/SciPy ufuncs. Derivatives are
evaluated inside the fused Numba kernels through `derivative`, selected by an integer code so that one
compiled kernel serves all.

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
from numba import njit, prange
from scipy import special

from htcore.config import ACTIVATIONS, TEACHERS, ConfigError

ACTIVATION_CODES = {name: code for code, name in enumerate(ACTIVATIONS)}
TANH, ERF, RELU, GELU = (ACTIVATION_CODES[name] for name in ("tanh", "erf", "relu", "gelu"))

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


# Cephes tanh (|x| ≤ 0.625: x + x³·P(x²)/Q(x²)) and exp (Padé on |r| ≤ ln2/2 after Cody–Waite reduction).
_TANH_P = (-9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3)
_TANH_Q = (1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3)
_EXP_P = (1.26177193074810590878e-4, 3.02994407707441961300e-2, 9.99999999999999999910e-1)
_EXP_Q = (3.00198505138664455042e-6, 2.52448340349684104192e-3, 2.27265548208155028766e-1,
          2.00000000000000000009e0)
_LN2_HI, _LN2_LO, _LOG2E = 6.93145751953125e-1, 1.42860682030941723212e-6, 1.4426950408889634
# tanh(x) rounds to ±1 for |x| ≥ 20, so exp(−2|x|) is needed on [−40, 0] only: 2^k, k = 0 … 58.
_POW2_NEG = np.array([2.0**-k for k in range(59)])


@njit(inline="always", cache=True)
def tanh_scalar(x: float) -> float:
    """tanh(x) in float64 within 2 ulp, branch-free so that loops over it vectorise; NaN propagates.

    |x| ≤ 0.625: the Cephes rational form; otherwise (1 − e)/(1 + e) with e = exp(−2|x|) from a
    Cody–Waite reduction, a Padé approximant and a table of powers of two.
    """
    ax = min(abs(x), 20.0)
    y = -2.0 * ax
    k = math.floor(_LOG2E * y + 0.5)
    r = y - k * _LN2_HI - k * _LN2_LO
    rr = r * r
    p = r * ((_EXP_P[0] * rr + _EXP_P[1]) * rr + _EXP_P[2])
    q = ((_EXP_Q[0] * rr + _EXP_Q[1]) * rr + _EXP_Q[2]) * rr + _EXP_Q[3]
    e = (1.0 + 2.0 * p / (q - p)) * _POW2_NEG[int(-k)]
    large = (1.0 - e) / (1.0 + e)
    s = x * x
    small = ax + ax * s * ((_TANH_P[0] * s + _TANH_P[1]) * s + _TANH_P[2]) / (
        ((s + _TANH_Q[0]) * s + _TANH_Q[1]) * s + _TANH_Q[2])
    t = large if ax > 0.625 else small
    t = math.copysign(t, x)
    return t if x == x else x


@njit(parallel=True, nogil=True, cache=True)
def _tanh_inplace(flat_in, flat_out):
    for i in prange(flat_in.size):
        flat_out[i] = tanh_scalar(flat_in[i])


def activation_code(name: str) -> int:
    """Integer code of a named student activation (raises ConfigError for an unknown name)."""
    if name not in ACTIVATION_CODES:
        raise ConfigError(f"activation: got {name!r}; expected one of {', '.join(ACTIVATIONS)}")
    return ACTIVATION_CODES[name]


def apply_activation(name: str, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ(z) elementwise for a named activation, written into `out` (may be `z` itself; C-contiguous)."""
    code = activation_code(name)
    if out is None:
        out = np.empty_like(z)
    if not out.flags.c_contiguous:
        raise ValueError(f"out: got a non-contiguous array of shape {out.shape}; expected C-contiguous")
    if code == TANH:
        z = np.ascontiguousarray(z)
        _tanh_inplace(z.reshape(-1), out.reshape(-1))
        return out
    if code == ERF:
        return special.erf(z, out=out)
    if code == RELU:
        return np.maximum(z, 0, out=out)
    # gelu: z·Φ(z), with Φ = ndtr (no cancellation for z ≪ 0, unlike (1 + erf(z/√2))/2).
    return np.multiply(z, special.ndtr(z), out=out)


@njit(inline="always", cache=True)
def derivative(code: int, z: float, s: float) -> float:
    """σ'(z) given the pre-activation z and the activation value s = σ(z) (Numba, scalar)."""
    if code == TANH:
        return 1.0 - s * s
    if code == ERF:
        return _TWO_OVER_SQRT_PI * math.exp(-z * z)
    if code == RELU:
        return 1.0 if z > 0.0 else 0.0
    return 0.5 * math.erfc(-z * _INV_SQRT_2) + z * _INV_SQRT_2PI * math.exp(-0.5 * z * z)


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
