"""Ridge readout, its losses and KTA against direct definitions."""

import numpy as np
import pytest

from htcore.readout import evaluate_readout, features, kernel_target_alignment


def data(seed=0, n=120, d=20, h=30, m=40):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((h, d)), rng.standard_normal((n, d)), rng.standard_normal(n),
            rng.standard_normal((m, d)), rng.standard_normal(m))


@pytest.mark.parametrize("eval_scaling,divisor", [("intended", np.sqrt(20)), ("reference", 20.0)])
def test_features_definition(eval_scaling, divisor):
    W, X, *_ = data()
    expected = np.tanh(X @ W.T / divisor) / np.sqrt(W.shape[0])
    # Absolute floor: entries are dot products that can cancel to near 0, where a relative bound on
    # results computed in a different (equally valid) rounding order is meaningless.
    np.testing.assert_allclose(features(X, W, "tanh", eval_scaling), expected, rtol=1e-14,
                               atol=1e-15)


@pytest.mark.parametrize("reg_lambda", [1e-4, 0.01, 1.0])
def test_ridge_equals_augmented_least_squares(reg_lambda):
    W, X, y, Xt, yt = data()
    n, h = X.shape[0], W.shape[0]
    phi, phi_t = features(X, W, "tanh", "intended"), features(Xt, W, "tanh", "intended")
    # argmin (1/n)|y − Φa|² + (λ/h)|a|²  ⇔  least squares on [Φ; √(nλ/h) I] a ≈ [y; 0].
    augmented = np.vstack([phi, np.sqrt(n * reg_lambda / h) * np.eye(h)])
    a_hat = np.linalg.lstsq(augmented, np.concatenate([y, np.zeros(h)]), rcond=None)[0]
    got = evaluate_readout(W, X, y, Xt, yt, activation="tanh", reg_lambda=reg_lambda)
    assert got.train_loss == pytest.approx(np.mean((phi @ a_hat - y) ** 2), rel=1e-9)
    assert got.test_loss == pytest.approx(np.mean((phi_t @ a_hat - yt) ** 2), rel=1e-9)


def test_kta_through_small_gram_equals_n_by_n_definition():
    W, X, y, *_ = data(1)
    phi = features(X, W, "tanh", "intended")
    K, Y = phi @ phi.T, np.outer(y, y)
    direct = np.sum(K * Y) / (np.linalg.norm(K) * np.linalg.norm(Y))
    assert kernel_target_alignment(phi.T @ phi, phi.T @ y, y) == pytest.approx(direct, rel=1e-12)
    got = evaluate_readout(W, X, y, X, y, activation="tanh", reg_lambda=0.01)
    assert got.kta == pytest.approx(direct, rel=1e-12)


def test_unknown_eval_scaling_is_named():
    W, X, *_ = data()
    with pytest.raises(ValueError, match="eval_scaling: got 'paper'"):
        features(X, W, "tanh", "paper")
