"""esd, top_singular, stable_rank, overlaps."""

from __future__ import annotations

import numpy as np
import pytest

from htcore.spectral import SpectralInputError, esd, overlaps, stable_rank, top_singular


@pytest.mark.parametrize("shape", [(150, 100), (100, 150), (120, 120)])
def test_esd_is_ascending_squared_singular_values(shape: tuple[int, int]) -> None:
    W = np.random.default_rng(0).standard_normal(shape)
    e = esd(W)
    s = np.linalg.svd(W, compute_uv=False)
    assert e.dtype == np.float64 and e.shape == (min(shape),)
    assert np.all(np.diff(e) >= 0)
    np.testing.assert_allclose(e, np.sort(s**2), rtol=1e-10)


def test_esd_of_float32_is_float64() -> None:
    W = np.random.default_rng(1).standard_normal((80, 60)).astype(np.float32)
    np.testing.assert_allclose(esd(W), np.linalg.eigvalsh(W.astype(np.float64).T @ W.astype(np.float64)),
                               rtol=1e-10)


def test_esd_sets_unresolvable_eigenvalues_to_zero() -> None:
    rng = np.random.default_rng(2)
    W = rng.standard_normal((200, 5)) @ rng.standard_normal((5, 100))  # rank 5
    e = esd(W)
    assert np.count_nonzero(e) == 5 and np.all(e >= 0)


def test_top_singular_matches_svd_with_sign_convention() -> None:
    W = np.random.default_rng(3).standard_normal((300, 200))
    W[:, 0] += 5.0  # a clear top direction
    s, U, V = top_singular(W, k=3)
    U_ref, s_ref, Vt_ref = np.linalg.svd(W, full_matrices=False)
    np.testing.assert_allclose(s, s_ref[:3], rtol=1e-10)
    assert U.shape == (300, 3) and V.shape == (200, 3)
    np.testing.assert_allclose(np.abs(U.T @ U_ref[:, :3]), np.eye(3), atol=1e-6)
    np.testing.assert_allclose(W @ V, U * s, atol=1e-8)
    pivots = V[np.argmax(np.abs(V), axis=0), np.arange(3)]
    assert np.all(pivots > 0)


@pytest.mark.parametrize("shape, k", [((300, 200), 2), ((200, 300), 2), ((40, 30), 3), ((300, 200), 50)])
def test_top_singular_partial_and_full_paths_agree(shape: tuple[int, int], k: int) -> None:
    W = np.random.default_rng(4).standard_normal(shape)
    s, U, V = top_singular(W, k)
    np.testing.assert_allclose(s, np.linalg.svd(W, compute_uv=False)[:k], rtol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(U, axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(W @ V, U * s, atol=1e-7)
    np.testing.assert_allclose(W.T @ U, V * s, atol=1e-7)


def test_top_singular_is_bit_identical_run_to_run() -> None:
    W = np.random.default_rng(5).standard_normal((500, 300))
    first, second = top_singular(W, 2), top_singular(W.copy(), 2)
    for a, b in zip(first, second):
        assert np.array_equal(a, b)


def test_stable_rank() -> None:
    W = np.random.default_rng(6).standard_normal((200, 100))
    s = np.linalg.svd(W, compute_uv=False)
    assert stable_rank(W) == pytest.approx(np.sum(s**2) / s[0] ** 2, rel=1e-10)
    assert stable_rank(np.outer(np.ones(5), np.arange(1.0, 4.0))) == pytest.approx(1.0)
    with pytest.raises(SpectralInputError, match="zero matrix"):
        stable_rank(np.zeros((3, 4)))


def test_overlaps_are_squared_cosines() -> None:
    rng = np.random.default_rng(7)
    W = rng.standard_normal((60, 40))
    left, right = overlaps(W, W)
    np.testing.assert_allclose(np.diag(left), 1.0, atol=1e-8)
    np.testing.assert_allclose(np.diag(right), 1.0, atol=1e-8)
    M = rng.standard_normal((60, 40))
    left, right = overlaps(W, M)
    assert left.shape == right.shape == (40, 40)
    np.testing.assert_allclose(right.sum(axis=0), 1.0, atol=1e-10)  # V's span R^40 on both sides
    np.testing.assert_allclose(right.sum(axis=1), 1.0, atol=1e-10)
    assert np.all(left.sum(axis=1) <= 1.0 + 1e-10)
    with pytest.raises(SpectralInputError, match="same shape"):
        overlaps(W, M.T)


@pytest.mark.parametrize("bad, message", [
    (np.ones(5), "2-D"),
    (np.ones((2, 2, 2)), "2-D"),
    (np.ones((0, 3)), "empty"),
    (np.array([[1.0, np.nan]]), "non-finite"),
    (np.array([[1 + 1j, 2]]), "real numeric"),
])
def test_bad_matrices_raise(bad: np.ndarray, message: str) -> None:
    for fn in (esd, top_singular, stable_rank):
        with pytest.raises(SpectralInputError, match=message):
            fn(bad)


def test_top_singular_bad_k() -> None:
    with pytest.raises(SpectralInputError, match="k must be"):
        top_singular(np.ones((4, 3)), k=4)


@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("shape", [(300, 200), (200, 300), (40, 30)])
def test_esd_and_top_equal_separate_calls(shape, k):
    """Lanczos (either Gram), inverse iteration (k = 1) and full-SVD paths against esd/top_singular."""
    from htcore.spectral import esd, esd_and_top, top_singular

    W = np.random.default_rng(5).standard_normal(shape)  # Gaussian: the top gap is an MP-edge gap
    evals, s, U, V = esd_and_top(W, k=k)
    np.testing.assert_array_equal(evals, esd(W))
    s_ref, U_ref, V_ref = top_singular(W, k=k)
    np.testing.assert_allclose(s, s_ref, rtol=1e-13)
    np.testing.assert_allclose(U, U_ref, atol=1e-10)
    np.testing.assert_allclose(V, V_ref, atol=1e-10)
    assert np.array_equal(esd_and_top(W, k=k)[3], V), "deterministic"
