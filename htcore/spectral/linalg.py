"""Linear algebra of a weight matrix W (h×d): ESD, leading singular triplets, stable rank, overlaps."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg
from numba import njit
from scipy.linalg import lapack

from htcore.checks import SpectralInputError, as_finite_matrix, check_int, roundoff_tolerance
from theory.display import public_dir

__all__ = ["esd", "esd_and_top", "overlaps", "stable_rank", "top_singular"]

#: Seed of the fixed Lanczos start vector (results are bit-identical run to run).
_START_SEED = 20240613
#: `top_singular` uses Lanczos when k ≤ p/_PARTIAL_RATIO and p > _PARTIAL_MIN_DIM, else a full SVD.
_PARTIAL_RATIO = 10
_PARTIAL_MIN_DIM = 64


def _small_gram(A: np.ndarray) -> np.ndarray:
    """The smaller Gram: AᵀA (d×d) when h ≥ d, else AAᵀ (h×h)."""
    return A.T @ A if A.shape[0] >= A.shape[1] else A @ A.T


def esd(W: Any) -> np.ndarray:
    """Eigenvalues of the smaller Gram of W (WᵀW if h ≥ d, else WWᵀ), ascending, float64.

    These are the squared singular values of W (min(h, d) of them). Computed in float64 on the Gram as
    LAPACK ``dsyevr`` does when no vectors are wanted (``dsytrd`` then ``dsterf``); values at or below
    the eigen-solver's round-off level ``10·max(h, d)·eps·λ_max`` (including tiny negatives) are set to
    exactly 0, because a Gram cannot resolve them. Raises `SpectralInputError` for non-2-D, empty or non-finite input.
    """
    A = as_finite_matrix(W)
    return _gram_eigenvalues(A, _small_gram(A))


def _gram_eigenvalues(A: np.ndarray, G: np.ndarray) -> np.ndarray:
    """`esd` from the smaller Gram G of A; G is overwritten."""
    _, diag, off, _, sigma = _tridiagonalize(G)
    return _tridiagonal_eigenvalues(A, diag, off, sigma)


def _tridiagonalize(G: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """σG = Q T Qᵀ by LAPACK dsytrd (lower storage) in place of the C-contiguous symmetric G:
    (reflectors c, diagonal and off-diagonal of T, τ, σ). σ is 1, or the power of two that brings G
    into dsyevr's safe range when its size is outside it (as dsyevr scales)."""
    p = G.shape[0]
    sigma = _safe_scale(float(np.max(np.diagonal(G))))  # max |G_ij| of a Gram is on its diagonal
    if sigma != 1.0:
        G *= sigma
    # G is symmetric, so its C-ordered buffer is a Fortran-ordered G: dsytrd works in place.
    lwork = int(lapack.dsytrd_lwork(p, lower=1)[0])
    c, diag, off, tau, info = lapack.dsytrd(G.T, lower=1, lwork=max(lwork, 1), overwrite_a=1)
    _check_lapack("dsytrd", info)
    return c, diag, off, tau, sigma


def _tridiagonal_eigenvalues(A: np.ndarray, diag: np.ndarray, off: np.ndarray,
                             sigma: float) -> np.ndarray:
    """Ascending eigenvalues of T/σ by dsterf (what dsyevr computes when no vectors are wanted), values
    at or below the round-off level ``10·max(h, d)·eps·λ_max`` of A's Gram set to 0."""
    evals, info = lapack.dsterf(diag, off)
    _check_lapack("dsterf", info)
    if sigma != 1.0:
        evals /= sigma
    tol = roundoff_tolerance(max(A.shape), float(max(evals[-1], 0.0)))
    evals[evals <= tol] = 0.0
    return evals


def _orient(U: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flip signs so that the largest-|entry| of each V column (first one on ties) is positive."""
    pivots = V[np.argmax(np.abs(V), axis=0), np.arange(V.shape[1])]
    signs = np.where(pivots < 0.0, -1.0, 1.0)
    return U * signs, V * signs


def _partial_triplets(A: np.ndarray, k: int,
                      G: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top-k triplets from Lanczos (ARPACK) on the smaller Gram G with a fixed start vector."""
    from scipy.sparse.linalg import eigsh  # imported here: a training run never needs it

    v0 = np.random.default_rng(_START_SEED).standard_normal(G.shape[0])
    lam, vecs = eigsh(G, k=k, which="LA", v0=v0)
    order = np.argsort(lam)[::-1]
    return _triplets_from_gram_vectors(A, lam[order], vecs[:, order])


def _triplets_from_gram_vectors(A: np.ndarray, lam: np.ndarray,
                                vecs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(s, U, V) from descending eigenpairs of the smaller Gram: s = √λ, the other side A·v/‖A·v‖."""
    s = np.sqrt(np.clip(lam, 0.0, None))
    other = (A @ vecs) if A.shape[0] >= A.shape[1] else (A.T @ vecs)
    other /= np.linalg.norm(other, axis=0)
    return (s, other, vecs) if A.shape[0] >= A.shape[1] else (s, vecs, other)


def _top_eigenvector(G: np.ndarray, lam_max: float) -> np.ndarray:
    """Unit eigenvector of the symmetric G for its (known) largest eigenvalue, by inverse iteration.

    The shift μ = λ_max(1 + 1e-10) sits just above λ_max, so each iteration multiplies the other
    components by (μ − λ_max)/(μ − λ_2): three iterations from a fixed start vector converge to
    round-off unless λ_2 is within ~1e-6 relative of λ_max (where the vector is ill-determined anyway).
    One LU factorisation (≈ p³·2/3 flops); used only when `_esd_and_top_vector`'s tridiagonal
    inverse iteration reports a failure.
    """
    p = G.shape[0]
    shift = lam_max * (1.0 + 1e-10) + np.finfo(np.float64).tiny
    lu = scipy.linalg.lu_factor(G - shift * np.eye(p), check_finite=False)
    x = np.random.default_rng(_START_SEED).standard_normal(p)
    for _ in range(3):
        x = scipy.linalg.lu_solve(lu, x / np.linalg.norm(x), check_finite=False)
    return x / np.linalg.norm(x)


def _esd_and_top_vector(A: np.ndarray, G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`esd` of A and the unit eigenvector of its smaller Gram G for the top eigenvalue, from one
    tridiagonalisation G = Q T Qᵀ (`_tridiagonalize`; G is overwritten).

    The top eigenvalue of T by bisection (dstebz), its vector by inverse iteration on T (dstein), both
    O(p), then Q applied (`_apply_reflectors`, O(p²)) — instead of a second O(p³) factorisation.
    """
    c, diag, off, tau, sigma = _tridiagonalize(G)
    evals = _tridiagonal_eigenvalues(A, diag, off, sigma)
    p = diag.size
    m, w, iblock, isplit, info = lapack.dstebz(diag, off, 2, 0.0, 0.0, p, p, 0.0, "B")
    if info == 0 and m == 1:
        z, info = lapack.dstein(diag, off, w[:1], iblock, isplit)
        if info == 0:
            vec = np.ascontiguousarray(z[:, 0])
            _apply_reflectors(c, tau, vec)
            return evals, vec / np.linalg.norm(vec)
    return evals, _top_eigenvector(_small_gram(A), float(evals[-1]))


def _safe_scale(anrm: float) -> float:
    """The power of two that brings a matrix of max-norm `anrm` into dsyevr's safe range, else 1."""
    safmin = np.finfo(np.float64).tiny
    eps = np.finfo(np.float64).eps / 2  # LAPACK's eps: the unit round-off
    rmin = np.sqrt(safmin / eps)
    rmax = min(np.sqrt(1.0 / (safmin / eps)), 1.0 / np.sqrt(np.sqrt(safmin)))
    if 0.0 < anrm < rmin:
        return float(2.0 ** np.floor(np.log2(rmin / anrm)))
    if anrm > rmax:
        return float(2.0 ** np.floor(np.log2(rmax / anrm)))
    return 1.0


def _check_lapack(name: str, info: int) -> None:
    if info != 0:
        raise np.linalg.LinAlgError(f"LAPACK {name} failed with info={info}")


@njit(cache=True)
def _apply_reflectors(c, tau, x):
    """x ← Q x for dsytrd's lower-storage Q = H(1)…H(p−1), H(i) = I − τ_i v_i v_iᵀ with
    v_i = (0, …, 0, 1, c[i+2:, i]) (1 at index i+1, 0-based), applied H(p−1) first."""
    p = x.size
    for i in range(p - 2, -1, -1):
        dot = x[i + 1]
        for k in range(i + 2, p):
            dot += c[k, i] * x[k]
        dot *= tau[i]
        x[i + 1] -= dot
        for k in range(i + 2, p):
            x[k] -= dot * c[k, i]


def top_singular(W: Any, k: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Leading k singular triplets ``(s, U, V)`` of W: s descending (k,), U (h, k), V (d, k).

    ``W ≈ U diag(s) Vᵀ`` on the top-k subspace; columns are unit vectors. Sign convention: the
    largest-|entry| of each V column is positive (U flipped with it). Method: Lanczos (ARPACK
    ``eigsh``) on the smaller Gram from a fixed pseudo-random start vector when k ≤ min(h, d)/10 and
    min(h, d) > 64 (then U or V is recovered as ``WV/s`` or ``WᵀU/s``, normalised); otherwise a full
    reduced SVD. Deterministic: identical input gives bit-identical output.
    """
    A = as_finite_matrix(W)
    return _top_triplets(A, k, None)


def esd_and_top(W: Any, k: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(esd(W), *top_singular(W, k))`` from a single Gram matrix (what a training probe needs).

    Same conventions and errors as `esd` and `top_singular`; the smaller Gram is formed once. For
    k = 1 the ESD and the top vector come from one tridiagonalisation of the Gram
    (`_esd_and_top_vector`: inverse iteration on the tridiagonal matrix), far cheaper than Lanczos when
    the top of the spectrum is a Marchenko–Pastur edge with tiny gaps; the triplet then agrees with
    `top_singular`'s to round-off, not bit for bit.
    """
    A = as_finite_matrix(W)
    G = _small_gram(A)
    if k == 1 and _uses_partial_method(min(A.shape), 1):
        evals, vec = _esd_and_top_vector(A, G)
        s, U, V = _triplets_from_gram_vectors(A, evals[-1:], vec[:, None])
        U, V = _orient(U, V)
        return evals, s, U, V
    s, U, V = _top_triplets(A, k, G)
    return _gram_eigenvalues(A, G), s, U, V


def _uses_partial_method(p: int, k: int) -> bool:
    return p > _PARTIAL_MIN_DIM and k * _PARTIAL_RATIO <= p


def _top_triplets(A: np.ndarray, k: int,
                  G: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`top_singular` of a validated matrix; G, the smaller Gram, is used (not modified) if given."""
    p = min(A.shape)
    k = check_int("k", k, 1, p)
    if _uses_partial_method(p, int(k)):
        s, U, V = _partial_triplets(A, int(k), _small_gram(A) if G is None else G)
    else:
        U_full, s_full, Vt = np.linalg.svd(A, full_matrices=False)
        s, U, V = s_full[:k], U_full[:, :k], Vt[:k].T
    U, V = _orient(U, V)
    return s, U, V


def stable_rank(W: Any) -> float:
    """Stable rank ``‖W‖_F² / ‖W‖_2²`` (in [1, min(h, d)]); raises for a zero matrix."""
    A = as_finite_matrix(W)
    frob2 = float(np.sum(A * A))
    if frob2 == 0.0:
        raise SpectralInputError("W is the zero matrix: its stable rank is undefined")
    s, _, _ = top_singular(A, 1)
    return frob2 / float(s[0]) ** 2


def overlaps(W: Any, M: Any) -> tuple[np.ndarray, np.ndarray]:
    """Squared singular-vector overlaps ``((U_Wᵀ U_M)∘², (V_Wᵀ V_M)∘²)`` from reduced SVDs.

    W and M must have the same shape h×d; both matrices are p×p (p = min(h, d)), rows indexed by
    W's singular vectors and columns by M's, each in descending order of singular value. Entry
    (i, j) of the first is ⟨u_i(W), u_j(M)⟩², of the second ⟨v_i(W), v_j(M)⟩² (sign-free). Every row
    and column sums to 1 up to round-off when h = d; for h ≠ d only on the side of dimension p.
    """
    A, B = as_finite_matrix(W, "W"), as_finite_matrix(M, "M")
    if A.shape != B.shape:
        raise SpectralInputError(f"W and M must have the same shape, got {A.shape} and {B.shape}")
    Ua, _, Vat = np.linalg.svd(A, full_matrices=False)
    Ub, _, Vbt = np.linalg.svd(B, full_matrices=False)
    return (Ua.T @ Ub) ** 2, (Vat @ Vbt.T) ** 2


__dir__ = public_dir(__name__)
