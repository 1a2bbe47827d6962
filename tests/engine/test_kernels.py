"""loss_and_grad against finite differences, the NumPy and torch references, and bad input."""

import numpy as np
import pytest

from htcore.checks import ArrayShapeError, ArrayTypeError
from htcore.config import ACTIVATIONS
from htcore.kernels import loss_and_grad
from tests.reference_numpy import ref_loss_and_grad


def small_problem(seed=0, n=40, d=12, h=9):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((h, d)), rng.standard_normal(h), rng.standard_normal((n, d)),
            rng.standard_normal(n))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradient_matches_central_differences(activation):
    W, a, X, y = small_problem()
    _, G = loss_and_grad(W, a, X, y, activation)
    eps = 1e-6
    G_fd = np.empty_like(W)
    for idx in np.ndindex(W.shape):
        Wp, Wm = W.copy(), W.copy()
        Wp[idx] += eps
        Wm[idx] -= eps
        G_fd[idx] = (loss_and_grad(Wp, a, X, y, activation)[0]
                     - loss_and_grad(Wm, a, X, y, activation)[0]) / (2 * eps)
    # relu: with N(0,1) data no pre-activation lies within eps of the kink (checked below).
    z = X @ W.T / np.sqrt(W.shape[1])
    assert np.abs(z).min() > 1e-4
    np.testing.assert_allclose(G_fd, G, rtol=1e-6, atol=1e-6 * np.abs(G).max())


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("shape", [(40, 12, 9), (300, 64, 96)])
def test_matches_numpy_reference(activation, shape):
    W, a, X, y = small_problem(1, *shape)
    loss, G = loss_and_grad(W, a, X, y, activation)
    ref_loss, ref_G = ref_loss_and_grad(W, a, X, y, activation)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(G, ref_G, rtol=1e-10, atol=1e-13 * np.abs(ref_G).max())


def test_matches_torch_autograd(reference_torch):
    torch_loss_and_grad = reference_torch.ref_loss_and_grad
    W, a, X, y = small_problem(2, 200, 30, 50)
    for activation in ACTIVATIONS:
        loss, G = loss_and_grad(W, a, X, y, activation)
        t_loss, t_G = torch_loss_and_grad(W, a, X, y, activation)
        assert loss == pytest.approx(t_loss, rel=1e-12)
        np.testing.assert_allclose(G, t_G, rtol=1e-9, atol=1e-12 * np.abs(t_G).max())


def test_float32_close_to_float64():
    W, a, X, y = small_problem(3, 300, 64, 96)
    loss64, G64 = loss_and_grad(W, a, X, y)
    loss32, G32 = loss_and_grad(*(v.astype(np.float32) for v in (W, a, X, y)))
    assert G32.dtype == np.float32
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    np.testing.assert_allclose(G32, G64, rtol=1e-3, atol=1e-5 * np.abs(G64).max())


def test_bad_inputs_are_named():
    W, a, X, y = small_problem()
    with pytest.raises(ArrayShapeError, match=r"X: got shape \(40, 11\); expected 12 columns"):
        loss_and_grad(W, a, X[:, :11], y)
    with pytest.raises(ArrayShapeError, match=r"a: got shape \(8,\)"):
        loss_and_grad(W, a[:8], X, y)
    with pytest.raises(ArrayShapeError, match=r"y: got shape"):
        loss_and_grad(W, a, X, y[:-1])
    with pytest.raises(ArrayTypeError, match="dtypes differ"):
        loss_and_grad(W.astype(np.float32), a, X, y)
    with pytest.raises(ArrayTypeError, match="W: got dtype int64"):
        loss_and_grad(W.astype(np.int64), a, X, y)
    with pytest.raises(ArrayTypeError, match="W: got list"):
        loss_and_grad(W.tolist(), a, X, y)
    with pytest.raises(ValueError, match="activation: got 'sigmoid'"):
        loss_and_grad(W, a, X, y, "sigmoid")
