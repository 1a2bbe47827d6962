"""Activations: the vectorised tanh is pinned to np.tanh, and every activation matches its definition."""

import mpmath
import numpy as np
import pytest
from scipy import special

from htcore.activations import apply_activation, teacher


def ulp_error(got, expected):
    return np.max(np.abs(got - expected) / np.spacing(np.maximum(np.abs(expected), 1e-300)))


def test_fast_tanh_within_two_ulp_of_numpy():
    x = np.concatenate([np.linspace(-25, 25, 2_000_001), np.geomspace(1e-300, 30, 100_000),
                        -np.geomspace(1e-300, 30, 100_000), [0.0, -0.0, 0.625, -0.625, 19.99, 1e300]])
    got = apply_activation("tanh", x)
    assert ulp_error(got, np.tanh(x)) <= 2.0
    assert np.array_equal(np.signbit(got), np.signbit(np.tanh(x)))


def test_fast_tanh_special_values():
    special_values = np.array([np.inf, -np.inf, np.nan, 40.0, -40.0])
    for dtype in (np.float64, np.float32):
        got = apply_activation("tanh", special_values.astype(dtype))
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, [1.0, -1.0, np.nan, 1.0, -1.0])


def test_fast_tanh_float32_is_float32_accurate():
    """The float32 path computes in float32: within 1 ulp of the correctly rounded tanh, 1.5 ulp of
    the exact value, sign and ±0 kept, over a dense grid, tiny and large arguments."""
    grid = np.concatenate([np.linspace(0, 12, 3_000_001, dtype=np.float32),
                           np.geomspace(1e-38, 12, 200_000).astype(np.float32),
                           np.float32([0.625, np.nextafter(np.float32(0.625), np.float32(1)), 9.0,
                                       10.0, 20.0, 3e38])])
    x32 = np.concatenate([grid, -grid])
    got32 = apply_activation("tanh", x32)
    assert got32.dtype == np.float32
    exact = np.tanh(x32.astype(np.float64))
    rounded = exact.astype(np.float32)
    spacing = np.spacing(np.abs(rounded)).astype(np.float64)
    assert np.max(np.abs(got32 - rounded.astype(np.float64)) / spacing) <= 1.0
    assert np.max(np.abs(got32 - exact) / spacing) <= 1.5
    assert np.array_equal(np.signbit(got32), np.signbit(x32))


def _gelu_mpmath(z):
    return np.array([float(mpmath.mpf(v) * mpmath.ncdf(mpmath.mpf(v))) for v in z])


@pytest.mark.parametrize("name,definition", [
    ("erf", special.erf),
    ("relu", lambda z: np.maximum(z, 0)),
    ("gelu", _gelu_mpmath),
])
def test_other_activations(name, definition):
    z = np.linspace(-30, 30, 301)
    # 1e-12 relative: SciPy's ndtr, used for gelu's Φ, is only ~1e-14 (z ≈ −8) to ~1e-13 (z < −10)
    # relatively accurate in the left tail, where gelu(z) < 1e-14; erf and relu pass far tighter.
    np.testing.assert_allclose(apply_activation(name, z), definition(z), rtol=1e-12, atol=1e-300)
    inplace = z.copy()
    apply_activation(name, inplace, out=inplace)
    np.testing.assert_array_equal(inplace, apply_activation(name, z))


def test_teachers_and_stable_softplus():
    z = np.array([-800.0, -1.0, 0.0, 1.0, 800.0])
    np.testing.assert_allclose(teacher("softplus", z), [0.0, np.log1p(np.exp(-1.0)), np.log(2),
                                                        1 + np.log1p(np.exp(-1.0)), 800.0])
    np.testing.assert_array_equal(teacher("relu", z), [0, 0, 0, 1, 800])
    np.testing.assert_array_equal(teacher("linear", z), z)
    np.testing.assert_array_equal(teacher("tanh", z), np.tanh(z))
    with pytest.raises(ValueError, match="teacher: got 'cubic'"):
        teacher("cubic", z)
