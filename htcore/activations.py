"""Named student activations and teacher link functions.

tanh, the default, is computed by `tanh_scalar`, a branch-free Cephes-style approximation that LLVM
vectorises, at the precision of its argument: float64 within 2 ulp of `np.tanh`, float32 computed in
float32 within 1 ulp of the correctly rounded value (both pinned by tests). On AVX2 machines NumPy's
float64 `np.tanh` falls back to scalar libm, much slower than this kernel (docs/performance.md). It is fused
into the training kernel and used by `apply_activation`. The other activations are applied with
NumPy/SciPy ufuncs. Derivatives are evaluated inside the fused Numba kernels through `derivative`,
selected by an integer code so that one compiled kernel serves all: `activation_code` turns a name into
its code once (the engine's workspace keeps it), and `apply_activation` takes a name or a code.

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
from numba import njit, prange, types
from numba.extending import overload

from htcore.config import ACTIVATIONS, TEACHERS, ConfigError
from theory.display import public_dir

__all__ = ["ACTIVATIONS", "ACTIVATION_CODES", "ERF", "GELU", "RELU", "TANH", "TEACHERS", "activation_code",
           "apply_activation", "apply_activation_code", "as_activation_code", "teacher"]

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
# Single precision (Cephes tanhf and expf): tanh rounds to ±1 in float32 for |x| ≥ 10, so exp(−2|x|) is
# needed on [−20, 0] only: 2^k, k = 0 … 30.
_F = np.float32
_TANHF_P = (_F(-5.70498872745e-3), _F(2.06390887954e-2), _F(-5.37397155531e-2), _F(1.33314422036e-1),
            _F(-3.33332819422e-1))
_EXPF_P = (_F(1.9875691500e-4), _F(1.3981999507e-3), _F(8.3334519073e-3), _F(4.1665795894e-2),
           _F(1.6666665459e-1), _F(5.0000001201e-1))
_LN2_HI_F, _LN2_LO_F, _LOG2E_F = _F(0.693359375), _F(-2.12194440e-4), _F(1.4426950408889634)
_POW2_NEG_F = np.array([2.0**-k for k in range(31)], dtype=np.float32)
_TEN_F, _HALF_F, _ONE_F, _TWO_F, _SMALL_F = _F(10.0), _F(0.5), _F(1.0), _F(2.0), _F(0.625)


@njit(inline="always", cache=True)
def _tanh_f64(x: float) -> float:
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


@njit(inline="always", cache=True)
def _tanh_f32(x: np.float32) -> np.float32:
    """tanh(x) computed in float32 throughout (no float64 constant or operation), branch-free.

    Same scheme as `_tanh_f64` with Cephes' single-precision forms: |x| ≤ 0.625: x + x·s·P(s),
    s = x²; otherwise (1 − e)/(1 + e), e = exp(−2|x|) = 2^k·(1 + r + r²·P(r)) after a Cody–Waite
    reduction. Within 1.5 ulp of the exact value, 1 ulp of the correctly rounded float32 (pinned by a
    test).
    """
    ax = min(abs(x), _TEN_F)
    y = -_TWO_F * ax
    k = np.floor(_LOG2E_F * y + _HALF_F)
    r = y - k * _LN2_HI_F - k * _LN2_LO_F
    p = (((((_EXPF_P[0] * r + _EXPF_P[1]) * r + _EXPF_P[2]) * r + _EXPF_P[3]) * r + _EXPF_P[4]) * r
         + _EXPF_P[5]) * (r * r) + r + _ONE_F
    e = p * _POW2_NEG_F[int(-k)]
    large = (_ONE_F - e) / (_ONE_F + e)
    s = x * x
    small = ax + ax * s * ((((_TANHF_P[0] * s + _TANHF_P[1]) * s + _TANHF_P[2]) * s + _TANHF_P[3])
                           * s + _TANHF_P[4])
    t = large if ax > _SMALL_F else small
    t = math.copysign(t, x)
    return t if x == x else x


def tanh_scalar(x):
    """tanh(x) at the precision of x (Numba only): `_tanh_f32` for float32, `_tanh_f64` otherwise."""
    raise NotImplementedError("tanh_scalar is called from Numba code only")


@overload(tanh_scalar, inline="always")
def _tanh_scalar_overload(x):
    if isinstance(x, types.Float) and x.bitwidth == 32:
        return lambda x: _tanh_f32(x)
    return lambda x: _tanh_f64(x)


@njit(parallel=True, nogil=True, cache=True)
def _tanh_inplace(flat_in, flat_out):
    for i in prange(flat_in.size):
        flat_out[i] = tanh_scalar(flat_in[i])


def activation_code(name: str) -> int:
    """Integer code of a named student activation (raises ConfigError for an unknown name)."""
    if name not in ACTIVATION_CODES:
        raise ConfigError(f"activation: got {name!r}; expected one of {', '.join(ACTIVATIONS)}")
    return ACTIVATION_CODES[name]


def as_activation_code(activation: str | int) -> int:
    """The integer code of a student activation given by name (`activation_code`) or already as its code
    (checked to be one); ConfigError otherwise."""
    if isinstance(activation, str):
        return activation_code(activation)
    if (isinstance(activation, (int, np.integer)) and not isinstance(activation, bool)
            and 0 <= activation < len(ACTIVATIONS)):
        return int(activation)
    raise ConfigError(f"activation: got {activation!r}; expected one of {', '.join(ACTIVATIONS)} "
                      f"or its code 0 … {len(ACTIVATIONS) - 1}")


def apply_activation(activation: str | int, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ(z) elementwise for an activation given by name or code (`as_activation_code`), written into
    `out` (may be `z` itself; C-contiguous)."""
    return apply_activation_code(as_activation_code(activation), z, out)


def apply_activation_code(code: int, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """`apply_activation` for a code already obtained from `activation_code` (not checked again: the
    engine's buffers hold the code they validated once)."""
    if out is None:
        out = np.empty_like(z)
    if not out.flags.c_contiguous:
        raise ValueError(f"out: got a non-contiguous array of shape {out.shape}; expected C-contiguous")
    if code == TANH:
        z = np.ascontiguousarray(z)
        _tanh_inplace(z.reshape(-1), out.reshape(-1))
        return out
    if code == RELU:
        return np.maximum(z, 0, out=out)
    from scipy import special  # here, not at module level: tanh runs (the default) never need it

    if code == ERF:
        return special.erf(z, out=out)
    # gelu: z·Φ(z), with Φ = ndtr (no cancellation for z ≪ 0, unlike (1 + erf(z/√2))/2).
    return np.multiply(z, special.ndtr(z), out=out)


@njit(inline="always", cache=True)
def derivative(code: int, z: float, s: float) -> float:
    """σ'(z) given the pre-activation z and the activation value s = σ(z) (Numba, scalar), computed
    at the precision of z (every constant is cast to its type, so float32 stays float32)."""
    c = type(z)
    if code == TANH:
        return c(1.0) - s * s
    if code == ERF:
        return c(_TWO_OVER_SQRT_PI) * math.exp(-z * z)
    if code == RELU:
        return c(1.0) if z > c(0.0) else c(0.0)
    return (c(0.5) * math.erfc(-z * c(_INV_SQRT_2))
            + z * c(_INV_SQRT_2PI) * math.exp(c(-0.5) * z * z))


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


__dir__ = public_dir(__name__)
