"""Whole eigenvalue law of W1ᵀW1 after one large GD or Adam step: bulk density/CDF, edges, outliers.

Model (docs/model.md): W0 h×d iid N(0,1), frozen readout a, ``f(x) = aᵀσ(Wx/√d)/√h``, x ~ N(0, I_d),
``y = σ*(βᵀx) + N(0, ρ²)``, loss ``(c_L/2n)Σ(f − y)²``, residual ``r = y − f0(X)`` and
``g = Xᵀr/n``. The gradient is ``G = −(c_L/(n√(hd))) D_a S X`` with ``S_iμ = r_μ σ'(z_iμ)``. GD:
``W1 = W0 − ηG``; Adam's first step: ``W1 ≈ W0 − η sign(G)``.

Eigenvalue convention (as ``htcore.spectral.esd``): eigenvalues of the smaller Gram of W1, unnormalised.

Ingredients (each stated where it is used):

1. **Hermite split of σ'.** ``σ'(z) = μ1 + ξ`` with ``Var ξ = ν²``. The μ1 part is a rank-one term along
   ``a`` (GD) or, after the sign, a rank-one mean ``ŝ mᵀ`` (Adam, ``ŝ = sign(a)/√h``).
2. **Gaussian equivalence of the remainder given X** (assumption): the rows of ``Ξ D_r X`` are iid
   ``N(0, ν² C)``, ``C = XᵀD_r²X``, independent of W0. This ignores the dependence of ξ on W0x (the
   Hermite-2 and higher parts), which is the main remaining error (docs/theory.md §8.7 One-step
   eigenvalue law).
3. **Bulk law from a variance profile.** GD: in C's eigenbasis the bulk ``W0 + t D_a Z C^{1/2}``,
   ``t = c_L η ν/(n√(hd))``, has independent Gaussian entries of variance ``V_ik = 1 + t²a_i² λ_k(C)``.
   Adam: sign rows are iid (given X); their covariance ``K`` is approximated by the arcsine/Hermite
   decomposition ``K = diag(1 − m_j² − c_j² s_j²) + D_c C̃ D_c`` (``C̃ = ν²C/n²``, ``s_j² = C̃_jj``,
   ``m_j = erf(μ1 g_j/(√2 s_j))``, ``c_j = √(2/π) e^{−μ1² g_j²/(2 s_j²)}/s_j``; the Hermite orders ≥ 2 of
   the sign are kept on the diagonal only), and the bulk is the generalised Marchenko–Pastur law of
   rows ``N(0, I + η²K)`` (Silverstein; universality in the row distribution is assumed). Both are
   variance profiles of the separable-sum form ``V_ik = Σ_l A_il B_kl``; the Hachem–Loubaton–Najim (2007)
   equations ``ψ_i = −1/(z(1 + Σ_k V_ik ψ̃_k))``, ``ψ̃_k = −1/(z(1 + Σ_i V_ik ψ_i))`` then close on the
   2L scalars ``S_l = Σ_k B_kl ψ̃_k``, ``T_l = Σ_i A_il ψ_i`` and are solved by Newton's method with a
   homotopy in Im z. The bulk density is ``Im m(x + i0)/π``, ``m = (1/min(h,d)) Σ ψ̃`` (or Σ ψ).
4. **Outliers** (Benaych-Georges & Nadakuditi 2012, with the projection trick of the one-step spike
   formulas): with ``U`` (h×k, orthonormal) spanning the rank-one directions (GD: ``â = a/‖a‖``;
   Adam: ``ŝ`` and ``e ⊥ ŝ`` in span(ŝ, â), because m depends on W0 through W0ᵀa),
   ``W1 = P_U⊥ B + U Ξᵀ`` with ``Ξ = W1ᵀU``. Then σ² is an outlier iff ``det(I_k − M(σ²)) = 0``,
   ``M(z) = Ξᵀ(z − BᵀB)^{-1}Ξ``, where the resolvent is replaced by its deterministic equivalent
   (GD: ``(z(1 + T0 + T1 C))^{-1}``; Adam: ``(z(I + T Σ))^{-1}``) and the part of Ξ coming from the
   bulk noise adds ``E[nᵀR̃n]`` (the U-projection of the noise is independent of ``P_U⊥B``).
   For the unit null vector c of ``I − M(σ²)``: ``⟨u1, â⟩² = (αᵀc)²/(−σ² cᵀM'c)`` with ``α = Uᵀâ`` and
   ``⟨v1, β⟩² = (βᵀR̃Ξc)²/(−cᵀM'c)``.

Two forms: :func:`one_step_spectrum` (asymptotic: sizes and Hermite/teacher constants; the laws of C and
K are themselves computed from variance-profile equations, with r Gaussian-equivalent) and
:func:`plugin_one_step_spectrum` (the realised W0, a, X, y of one draw; builds ``C = XᵀD_r²X`` and, for
Adam, ``K``; it never evaluates σ'(W0X), i.e. never forms the step's gradient). The Adam plug-in clips
K's eigenvalues at the edge of K's deterministic-equivalent law (population spikes: subcritical here).

Measured accuracy (``python -m validation.studies.measure_one_step_spectrum``: default size, seeds 10–13,
η ∈ {0.5, …, 30}·η_c, tanh/softplus and erf/tanh, GD and Adam; table in docs/theory.md, section
"One-step eigenvalue law"): bulk KS distance ≤ 0.009 (plug-in) and ≤ 0.015 (asymptotic); upper edge vs
the largest simulated non-outlier singular value within +1.9/−2.1 % (plug-in, worst seed) and
−1.9…+1.0 % (asymptotic vs the seed mean), the excess at 30·η_c for GD coming from a few extreme rows;
outlier locations within 1 % (plug-in) and 1.5 % (asymptotic, against a seed spread of 2–5 % for GD);
overlaps within 0.015 (plug-in) and 0.025 (asymptotic).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy import optimize, special

from ._aliases import accepts_readout_scale, undecorated
from ._validate import (
    TheoryArgumentError,
    check_choice,
    check_lr,
    check_matrix,
    check_memory,
    check_nonnegative_array,
    check_positive,
    check_positive_int,
    finite_result,
)
from .display import public_dir, short_repr
from .hermite import teacher_function
from .hill import hill_alpha
from .names import OPTIMIZERS
from .setup import SQRT_2_OVER_PI, AsymptoticSetup, asymptotic_setup, realise_draw

__all__ = ["OneStepSpectrum", "one_step_spectrum", "plugin_one_step_spectrum", "profile_stieltjes"]

_MAX_ATOMS = 256  # solver atoms per side above which values are grouped (top quarter kept exact)
_HOMOTOPY_STEPS = 22
_Y_MIN_REL = 1e-13
_EDGE_MARGIN = 1e-3  # outliers are searched above edge·(1 + _EDGE_MARGIN)


# --------------------------------------------------------------------------- variance-profile solver


@dataclass(frozen=True)
class _Profile:
    """Separable-sum variance profile ``V_ik = Σ_l A[i,l] B[k,l]`` on weighted atoms.

    Row atom i stands for ``wa[i]`` rows (Σ wa = h), column atom k for ``wb[k]`` columns (Σ wb = d).
    """

    A: np.ndarray
    wa: np.ndarray
    B: np.ndarray
    wb: np.ndarray

    @property
    def h(self) -> float:
        return float(self.wa.sum())

    @property
    def d(self) -> float:
        return float(self.wb.sum())

    def scale(self) -> float:
        """``(√max row sum + √max column sum)²`` of V: an upper bound scale for the spectrum."""
        row = (self.A @ (self.wb @ self.B)).max()
        col = (self.B @ (self.wa @ self.A)).max()
        return float((math.sqrt(row) + math.sqrt(col)) ** 2)


def _compress(values: np.ndarray, weights: np.ndarray | None = None, max_atoms: int | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """Sort rows of ``values`` (n×L) by their last column; keep the largest ``max_atoms/4`` rows exact
    (the top of the profile sets the bulk edge) and average the others in equal-count groups.

    Returns ``(atoms, weights)``; exact (no grouping) when n ≤ max_atoms (default ``_MAX_ATOMS``).
    """
    max_atoms = _MAX_ATOMS if max_atoms is None else max_atoms
    values = np.atleast_2d(values)
    w = np.ones(len(values)) if weights is None else np.asarray(weights, float)
    if len(values) <= max_atoms:
        return values, w
    order = np.argsort(values[:, -1], kind="stable")
    tail = max_atoms // 4
    singles = [order[j:j + 1] for j in range(len(order) - tail, len(order))]
    groups = np.array_split(order[:-tail], max_atoms - tail) + singles
    wg = np.array([w[g].sum() for g in groups])
    atoms = np.array([(values[g] * w[g, None]).sum(0) for g in groups]) / wg[:, None]
    return atoms, wg


def _solve_profile(x: np.ndarray, P: _Profile, y_min_rel: float = _Y_MIN_REL
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve the HLN equations at ``z = x + iy`` (vectorised over x > 0), homotopy y: scale → y_min.

    Returns ``(z, S, T)`` with S, T of shape (len(x), L). Newton's method on
    ``F = (S − Σ_k wb_k B_k ψ̃_k(T), T − Σ_i wa_i A_i ψ_i(S))``, ``∂ψ_i/∂S = zψ_i²A_i``.
    """
    x = np.asarray(x, dtype=float).ravel()
    L = P.A.shape[1]
    sc = P.scale()
    AA = (P.A[:, :, None] * P.A[:, None, :]).reshape(len(P.A), L * L)
    BB = (P.B[:, :, None] * P.B[:, None, :]).reshape(len(P.B), L * L)
    ys = sc * np.geomspace(1.0, y_min_rel, _HOMOTOPY_STEPS)
    z = x + 1j * ys[0]
    S = np.outer(-1.0 / z, P.wb @ P.B)
    T = np.outer(-1.0 / z, P.wa @ P.A)
    J = np.zeros((len(x), 2 * L, 2 * L), dtype=complex)
    J[:, range(2 * L), range(2 * L)] = 1.0
    for step, y in enumerate(ys):
        z = x + 1j * y
        for _ in range(2 if step < len(ys) - 1 else 5):
            psi = -1.0 / (z[:, None] * (1.0 + S @ P.A.T))
            pst = -1.0 / (z[:, None] * (1.0 + T @ P.B.T))
            F = np.concatenate([S - (pst * P.wb) @ P.B, T - (psi * P.wa) @ P.A], axis=1)
            J[:, :L, L:] = -((z[:, None] * pst**2 * P.wb) @ BB).reshape(-1, L, L)
            J[:, L:, :L] = -((z[:, None] * psi**2 * P.wa) @ AA).reshape(-1, L, L)
            dx = np.linalg.solve(J, F[..., None])[..., 0]
            S = S - dx[:, :L]
            T = T - dx[:, L:]
    return z, S, T


def _small_stieltjes(z: np.ndarray, S: np.ndarray, T: np.ndarray, P: _Profile) -> np.ndarray:
    """Stieltjes transform of the smaller Gram: ``(1/d)Σ wb ψ̃`` if d ≤ h else ``(1/h)Σ wa ψ``."""
    if P.d <= P.h:
        return (-1.0 / (z[:, None] * (1.0 + T @ P.B.T))) @ P.wb / P.d
    return (-1.0 / (z[:, None] * (1.0 + S @ P.A.T))) @ P.wa / P.h


@finite_result
def profile_stieltjes(z_real: Any, row_factors: Any, col_factors: Any, row_weights: Any = None,
                      col_weights: Any = None) -> np.ndarray:
    """Stieltjes transform ``m(x + i0)`` of the smaller Gram of a Gaussian matrix with variance profile
    ``V_ik = Σ_l row_factors[i,l]·col_factors[k,l]`` (HLN 2007 equations; see the module docstring).

    ``Im m/π`` is the limiting eigenvalue density. Atoms may carry weights (number of rows/columns they
    stand for). Exposed for tests (solver vs Monte Carlo).
    """
    x = check_nonnegative_array("z_real", z_real).ravel()
    A = np.atleast_2d(check_nonnegative_array("row_factors", row_factors))
    B = np.atleast_2d(check_nonnegative_array("col_factors", col_factors))
    if A.shape[1] != B.shape[1]:
        raise TheoryArgumentError(f"col_factors=array of shape {B.shape}: must have {A.shape[1]} columns "
                                  "like row_factors")
    wa = np.ones(len(A)) if row_weights is None else check_nonnegative_array("row_weights", row_weights)
    wb = np.ones(len(B)) if col_weights is None else check_nonnegative_array("col_weights", col_weights)
    P = _Profile(A, wa, B, wb)
    z, S, T = _solve_profile(np.maximum(x, 1e-12 * P.scale()), P)
    return _small_stieltjes(z, S, T, P)


# --------------------------------------------------------------------------- bulk law on a grid


@dataclass(frozen=True)
class _BulkLaw:
    """Edges and a CDF table of a density known through ``density(x)``."""

    lower: float
    upper: float
    x: np.ndarray
    cdf: np.ndarray
    mass: float


def _density_fn(P: _Profile) -> Callable[[np.ndarray], np.ndarray]:
    def density(x: np.ndarray) -> np.ndarray:
        z, S, T = _solve_profile(x, P)
        return np.clip(_small_stieltjes(z, S, T, P).imag / math.pi, 0.0, None)
    return density


def _refine_edge(density: Callable, lo: float, hi: float, inside_low: bool, thr: float,
                 rounds: int = 2) -> float:
    """Shrink [lo, hi] around the point where the density crosses ``thr`` (32-point grids per round)."""
    for _ in range(rounds):
        xs = np.linspace(lo, hi, 32)
        rho = density(xs)
        pos = rho > thr
        if inside_low:  # bulk on the left: walk right from lo while the density is positive
            k = 0
            while k < len(xs) - 1 and pos[k + 1]:
                k += 1
            lo, hi = xs[k], xs[min(k + 1, len(xs) - 1)]
        else:  # bulk on the right: walk left from hi while the density is positive
            k = len(xs) - 1
            while k > 0 and pos[k - 1]:
                k -= 1
            lo, hi = xs[max(k - 1, 0)], xs[k]
    return 0.5 * (lo + hi)


def _bulk_law(P: _Profile, n_grid: int = 120) -> _BulkLaw:
    """:func:`_law_from_density` for the smaller Gram of a variance profile."""
    return _law_from_density(_density_fn(P), 1.2 * P.scale(), n_grid)


def _law_from_density(density: Callable[[np.ndarray], np.ndarray], top: float, n_grid: int = 120
                      ) -> _BulkLaw:
    """Support edges (96-point scan of (0, top] + refinement) and the CDF by integration in θ,
    x = mid − half·cos θ (the substitution removes the square-root edge behaviour). The table is
    normalised by its mass (reported: 1 up to quadrature error, a check of the solver).
    """
    xs = np.linspace(top / 2000, top, 96)
    rho = density(xs)
    thr = 1e-9 * rho.max()  # leakage outside the support is ~1e-13 relative (y_min)
    # support: the connected run of grid points with density > thr that carries the most mass (isolated
    # points near 0, where Newton is ill-conditioned or a near-atom of K sits, are left out; the laws
    # here have one main interval)
    on = np.concatenate([[False], rho > thr, [False]])
    starts = np.nonzero(on[1:] & ~on[:-1])[0]
    ends = np.nonzero(on[:-1] & ~on[1:])[0] - 1
    if starts.size == 0:  # no positive finite density on the grid: the profile's values overflowed
        raise FloatingPointError(f"the eigenvalue law's density is not positive and finite anywhere on (0, {top:.3g}]")
    best = int(np.argmax([rho[a:b + 1].sum() for a, b in zip(starts, ends)]))
    i0, i1 = int(starts[best]), int(ends[best])
    upper = _refine_edge(density, xs[i1], xs[min(i1 + 1, len(xs) - 1)], True, thr)
    lower = _refine_edge(density, xs[max(i0 - 1, 0)] if i0 > 0 else 1e-9 * top, xs[i0], False, thr)
    theta = np.linspace(0.0, math.pi, n_grid)
    mid, half = 0.5 * (upper + lower), 0.5 * (upper - lower)
    xg = mid - half * np.cos(theta)
    f = density(xg[1:-1]) * half * np.sin(theta[1:-1])
    f = np.concatenate([[0.0], f, [0.0]])
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(theta))])
    return _BulkLaw(lower, upper, xg, cum / cum[-1], float(cum[-1]))


def _quantile_atoms(law: _BulkLaw, count: int, zero_atom: float = 0.0) -> np.ndarray:
    """``count`` equal-weight atoms at the mid-quantiles ``(k − ½)/count`` of the mixture
    ``zero_atom·δ_0 + (1 − zero_atom)·law``."""
    u = (np.arange(count) + 0.5) / count
    cont = np.interp(np.clip((u - zero_atom) / (1.0 - zero_atom), 0.0, 1.0), law.cdf, law.x)
    return np.where(u < zero_atom, 0.0, cont)


def _law_eigenvalues(law: _BulkLaw, outliers: np.ndarray, count: Any) -> np.ndarray:
    """A deterministic spectrum of `count` eigenvalues, ascending: the bulk law's quantiles at
    (j + ½)/(count − k), j = 0 … count − k − 1, then the k `outliers` (docs/theory.md §8.10)."""
    count = check_positive_int("count", count)
    k = int(np.size(outliers))
    if count <= k + 1:
        raise TheoryArgumentError(f"count={count!r}: must exceed the {k} outliers by at least 2")
    cdf, keep = np.unique(law.cdf, return_index=True)
    bulk = np.interp((np.arange(count - k) + 0.5) / (count - k), cdf, law.x[keep])
    return np.concatenate([bulk, np.sort(np.asarray(outliers, dtype=float))])


# --------------------------------------------------------------------------- result object


class _LawReadout:
    """What a deterministic eigenvalue law gives (shared by :class:`OneStepSpectrum` and
    :class:`theory.profile.ProfileSpectrum`): needs ``_law``, ``_profile``, ``mass``, ``bulk_edges_eig`` and
    ``outliers_eig`` (eigenvalues, descending)."""

    _law: _BulkLaw
    _profile: _Profile
    mass: float

    @property
    def count(self) -> int:
        """min(h, d): the number of eigenvalues of the smaller Gram this law describes."""
        return int(round(min(self._profile.h, self._profile.d)))

    def eigenvalues(self, count: int | None = None) -> np.ndarray:
        """A deterministic spectrum of `count` eigenvalues (default :attr:`count`), ascending: the bulk law's
        quantiles at (j + ½)/(count − k), j = 0 … count − k − 1, then the k outliers (docs/theory.md §8.10)."""
        return _law_eigenvalues(self._law, self.outliers_eig, self.count if count is None else count)

    def alpha_hill(self, count: int | None = None) -> float:
        """α_Hill (xmin at the median, :func:`theory.hill.hill_alpha`, the engine's estimator) of
        :meth:`eigenvalues`: the paper's observable, read off the law."""
        return hill_alpha(self.eigenvalues(count))

    def cdf(self, x: Any) -> np.ndarray | float:
        """Bulk CDF at x (0 below the lower edge, 1 above the upper edge; outliers excluded)."""
        arr = np.asarray(x, dtype=float)
        out = np.interp(arr, self._law.x, self._law.cdf, left=0.0, right=1.0)
        return float(out) if arr.ndim == 0 else out

    def density(self, x: Any) -> np.ndarray | float:
        """Bulk density at x > 0, mass 1 (solves the profile equations at x + i·0⁺)."""
        arr = np.asarray(x, dtype=float)
        flat = np.clip(arr.ravel(), 1e-12 * self._profile.scale(), None)
        out = _density_fn(self._profile)(flat) / self.mass
        lower, upper = self.bulk_edges_eig
        inside = (arr.ravel() >= lower) & (arr.ravel() <= upper)
        out = np.where(inside, out, 0.0).reshape(arr.shape)
        return float(out) if arr.ndim == 0 else out


@dataclass(frozen=True)
class OneStepSpectrum(_LawReadout):
    """Predicted eigenvalue law of the smaller Gram of W1 after one step (one learning rate).

    Units: ``*_eig`` are eigenvalues of W1ᵀW1 (unnormalised), ``sigma*`` and ``*_sv`` singular values of W1
    (their square roots). The fields ``bulk_edges`` and ``outliers`` are eigenvalues (the same numbers as
    ``bulk_edges_eig``, ``outliers_eig``); ``bulk_edges_sv``, ``outliers_sv`` are their square roots.

    * ``bulk_edges``: (lower, upper) edges of the bulk's support (eigenvalues, unnormalised).
    * ``outliers``: eigenvalues above the bulk (descending); ``overlap_beta[j] = ⟨v_j, β⟩²`` (None if β is
      unknown to a plug-in call) and ``overlap_a[j] = ⟨u_j, a/‖a‖⟩²`` for each outlier.
    * ``cdf(x)``, ``density(x)``: CDF and density of the bulk law (vectorised; mass 1, outliers excluded).
    * ``mass``: integral of the computed density before normalisation (1 up to solver error).
    * ``count``: eigenvalues of the smaller Gram, min(h, d); :meth:`eigenvalues` gives a deterministic
      spectrum of that many values and :meth:`alpha_hill` its α_Hill (docs/theory.md §8.10).
    """

    optimizer: str
    form: str
    lr: float
    bulk_edges: tuple[float, float]
    outliers: np.ndarray
    overlap_beta: np.ndarray | None
    overlap_a: np.ndarray
    mass: float
    _law: _BulkLaw = field(repr=False)
    _profile: _Profile = field(repr=False)

    @property
    def bulk_edges_eig(self) -> tuple[float, float]:
        """(lower, upper) bulk edges as eigenvalues of W1ᵀW1 (the field ``bulk_edges``)."""
        return self.bulk_edges

    @property
    def bulk_edges_sv(self) -> tuple[float, float]:
        """(lower, upper) bulk edges as singular values of W1: ``√bulk_edges``."""
        return (float(np.sqrt(self.bulk_edges[0])), float(np.sqrt(self.bulk_edges[1])))

    @property
    def outliers_eig(self) -> np.ndarray:
        """Outliers as eigenvalues of W1ᵀW1, descending (the field ``outliers``)."""
        return self.outliers

    @property
    def outliers_sv(self) -> np.ndarray:
        """Outliers as singular values of W1, descending: ``√outliers``."""
        return np.sqrt(self.outliers)

    def __repr__(self) -> str:
        return short_repr(self, ("optimizer", "form", "lr", "count", "bulk_edges", "outliers", "overlap_beta",
                                 "overlap_a", "mass"))


# --------------------------------------------------------------------------- outliers (BGN)


MFn = Callable[[float], tuple[np.ndarray, np.ndarray | None]]


def _diag_spike(rt_of_z: Callable[[float], np.ndarray], Xi: np.ndarray, noise: np.ndarray,
                beta: np.ndarray | None) -> MFn:
    """``M(z) = Ξᵀdiag(rt)Ξ + (noise·rt) I`` and ``b(z) = Ξᵀdiag(rt)β`` in a basis where R̃ = diag(rt)."""
    def Mb(z: float) -> tuple[np.ndarray, np.ndarray | None]:
        rt = rt_of_z(z)
        M = (Xi * rt[:, None]).T @ Xi + np.eye(Xi.shape[1]) * float(noise @ rt)
        return M, None if beta is None else (Xi * rt[:, None]).T @ beta
    return Mb


def _outliers(Mb: MFn, alpha: np.ndarray, edge: float) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Roots σ² > edge of ``det(I − M(σ²)) = 0`` (one per eigenvalue branch of M above 1) and overlaps

    ``⟨u,â⟩² = (αᵀc)²/(−z cᵀM'c)``, ``⟨v,β⟩² = (bᵀc)²/(−cᵀM'c)`` (c: unit null vector; M' by central
    differences with step 1e-5·z)."""
    lam = lambda z, j: np.linalg.eigvalsh(Mb(z)[0])[::-1][j] - 1.0  # noqa: E731
    # Search above edge·(1 + 1e-3): an isolated top atom of the profile (e.g. the largest eigenvalue of
    # K) puts a pole of R̃ within ~1e-6 of the computed edge, which would otherwise produce a spurious
    # root glued to the edge; an outlier within 0.05 % (singular value) of the edge is not resolvable.
    z_lo = edge * (1.0 + _EDGE_MARGIN)
    roots, ob, oa = [], [], []
    have_beta = Mb(z_lo)[1] is not None
    for j in range(alpha.size):
        if lam(z_lo, j) <= 0:
            break
        z_hi = 2.0 * z_lo
        while lam(z_hi, j) > 0:
            z_hi *= 2.0
        z = optimize.brentq(lambda t: lam(t, j), z_lo, z_hi, xtol=1e-10 * z_hi, rtol=1e-12)  # noqa: B023 (called in this iteration)
        M, b = Mb(z)
        w, V = np.linalg.eigh(M)
        c = V[:, np.argmin(np.abs(w - 1.0))]
        dz = 1e-5 * z
        slope = -float(c @ (Mb(z + dz)[0] - Mb(z - dz)[0]) @ c) / (2.0 * dz)
        roots.append(z)
        oa.append(float(alpha @ c) ** 2 / (z * slope))
        ob.append(float(b @ c) ** 2 / slope if have_beta else np.nan)
    return np.array(roots), (np.array(ob) if have_beta else None), np.array(oa)


# --------------------------------------------------------------------------- GD


def _gd_t2(lr: float, nu2: float, n: int, h: int, d: int, c_L: float) -> float:
    """``t² = (c_L η/(n√(hd)))² ν²``: remainder entry variance is ``t² a_i² λ_k(C)``, C = XᵀD_r²X."""
    return (c_L * lr / (n * math.sqrt(h * d))) ** 2 * nu2


def _gd_profile(a2: np.ndarray, wa: np.ndarray, lamC: np.ndarray, wc: np.ndarray, t2: float) -> _Profile:
    """``V_ik = 1 + t²a_i²λ_k``: A = [1, a_i²], B = [1, t²λ_k] (atoms compressed for the solver)."""
    A, wa = _compress(np.stack([np.ones_like(a2), a2], 1), wa)
    B, wb = _compress(np.stack([np.ones_like(lamC), t2 * lamC], 1), wc)
    return _Profile(A, wa, B, wb)


def _gd_rt(P: _Profile, cols: np.ndarray) -> Callable[[float], np.ndarray]:
    """``R̃(z)`` on the column atoms ``cols = t²λ_k``: ``1/(z(1 + T0 + T1 t²λ_k))`` (real z above the bulk)."""
    def rt(z: float) -> np.ndarray:
        zz, _, T = _solve_profile(np.array([z]), P)
        T0, T1 = T[0].real
        return 1.0 / (z * (1.0 + T0 + T1 * cols))
    return rt


def _finish(opt: str, form: str, lr: float, P: _Profile, Mb: MFn, alpha: np.ndarray) -> OneStepSpectrum:
    law = _bulk_law(P)
    roots, ob, oa = _outliers(Mb, alpha, law.upper)
    order = np.argsort(roots)[::-1]
    return OneStepSpectrum(optimizer=opt, form=form, lr=float(lr), bulk_edges=(law.lower, law.upper),
                           outliers=roots[order], overlap_beta=None if ob is None else ob[order],
                           overlap_a=oa[order], mass=law.mass, _law=law, _profile=P)


# --------------------------------------------------------------------------- laws of C and K


def _c_law(r2: np.ndarray, wr: np.ndarray, d: int, count: int | None = None) -> tuple[np.ndarray, float]:
    """Quantile atoms (``count``, default ``_MAX_ATOMS``) and upper edge of the deterministic-equivalent
    eigenvalue law of ``C = XᵀD_r²X`` (d×d; the Gram of ``D_r X``, row profile ``V_μk = r_μ²``)."""
    count = _MAX_ATOMS if count is None else count
    law = _bulk_law(_Profile(r2, wr, np.ones((1, 1)), np.array([float(d)])))
    return _quantile_atoms(law, count), law.upper


def _k_law(e: np.ndarray, qf: np.ndarray, wq: np.ndarray, p: np.ndarray, wp: np.ndarray,
           count: int | None = None) -> tuple[np.ndarray, float]:
    """Quantile atoms and upper edge of the deterministic-equivalent law of ``K = diag(e) + HᵀH``
    (H: variance profile ``p_μ q_j``; :func:`_solve_shifted`).

    Coordinates with a saturated sign (|μ1 g_j| ≫ s_j: e_j, c_j → 0) give K an atom at 0 that the density
    misses; its weight is taken as the density's mass deficit.
    """
    count = _MAX_ATOMS if count is None else count
    d = float(wq.sum())

    def density(xs: np.ndarray) -> np.ndarray:
        _, t = _solve_shifted(xs, e, qf, wq, p, wp)
        return np.clip((t @ wq).imag / (math.pi * d), 0.0, None)

    law = _law_from_density(density, 1.2 * float(e.max() + qf.max() * (wp @ p) * 4.0))
    zero = min(max(1.0 - law.mass, 0.0), 1.0 - 1.0 / count)
    return _quantile_atoms(law, count, zero), law.upper


# --------------------------------------------------------------------------- plug-in


@dataclass(frozen=True)
class _Data:
    """Realised quantities of one draw (no gradient is formed)."""

    W0: np.ndarray
    a: np.ndarray
    r: np.ndarray
    g: np.ndarray
    C: np.ndarray
    beta: np.ndarray | None
    mu1: float
    nu2: float


def _realise(W0: Any, a: Any, X: Any, y: Any, beta: Any, activation: str) -> _Data:
    """The validated draw of :func:`theory.setup.realise_draw` (same checks and residual) plus C = XᵀD_r²X."""
    R = realise_draw(W0, a, X, y, beta, activation)
    if R.act.nu2 <= 0:
        raise TheoryArgumentError(f"activation={activation!r}: needs Var σ'(z) > 0 (not linear)")
    Xr = R.X * R.r[:, None]
    return _Data(W0=R.W0, a=R.a, r=R.r, g=R.g, C=Xr.T @ Xr, beta=R.beta, mu1=R.act.mu1, nu2=R.act.nu2)


def _gd_plugin(lr: float, D: _Data, lamC: np.ndarray, O: np.ndarray, c_L: float) -> OneStepSpectrum:
    """GD plug-in: profile ``1 + t²a_i²λ_k`` from the realised a_i² and eigenvalues λ_k of C (all kept:
    at giant steps the top of the bulk comes from the largest a_i² combined with the top λ_k);
    ``ξ = W0ᵀâ + θg``, ``θ = c_L η μ1 ‖a‖/√(hd)``, in C's eigenbasis; noise ``t²(Σ_i â_i²a_i²)λ_k``."""
    h, d = D.W0.shape
    n = D.r.size
    a2 = D.a**2
    ahat = D.a / np.linalg.norm(D.a)
    t2 = _gd_t2(lr, D.nu2, n, h, d, c_L)
    P = _gd_profile(a2, np.ones(h), lamC, np.ones(d), t2)
    theta = c_L * lr * D.mu1 * np.linalg.norm(D.a) / math.sqrt(h * d)
    xi = O.T @ (D.W0.T @ ahat + theta * D.g)
    Mb = _diag_spike(_gd_rt(P, t2 * lamC), xi[:, None], t2 * float(ahat**2 @ a2) * lamC,
                     None if D.beta is None else O.T @ D.beta)
    return _finish("gd", "plugin", lr, P, Mb, np.ones(1))


def _adam_K(D: _Data) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sign-row covariance ``K = diag(1 − m² − c²s²) + D_c C̃ D_c``, ``C̃ = ν²C/n²``, ``s_j² = C̃_jj``;
    returns (m, K, e, c) with ``e_j = 1 − m_j² − c_j²s_j²``."""
    n = D.r.size
    Ct = D.nu2 * D.C / n**2
    s = np.sqrt(np.diag(Ct))
    u = D.mu1 * D.g / s
    m = special.erf(u / math.sqrt(2.0))
    c = SQRT_2_OVER_PI * np.exp(-0.5 * u**2) / s
    K = Ct * np.outer(c, c)
    K[np.diag_indices_from(K)] = 1.0 - m**2
    return m, K, np.clip(1.0 - m**2 - (c * s) ** 2, 0.0, None), c


def _adam_basis(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``U = [ŝ, e]``, e the unit vector of span(ŝ, â) orthogonal to ŝ; returns (U, α = Uᵀâ)."""
    h = a.size
    ahat = a / np.linalg.norm(a)
    s_hat = np.sign(a) / math.sqrt(h)
    rho = float(s_hat @ ahat)
    e = ahat - rho * s_hat
    ne = np.linalg.norm(e)
    if ne < 1e-12:  # |a| constant: â = ŝ
        e = np.zeros(h)
    else:
        e = e / ne
    return np.stack([s_hat, e], 1), np.array([rho, ne])


def _adam_rt(P: _Profile, sig: np.ndarray) -> Callable[[float], np.ndarray]:
    """``R̃(z) = 1/(z(1 + T σ_k))`` on the eigenvalues σ_k of Σ = I + η²K (rows iid N(0, Σ))."""
    def rt(z: float) -> np.ndarray:
        _, _, T = _solve_profile(np.array([z]), P)
        return 1.0 / (z * (1.0 + T[0, 0].real * sig))
    return rt


def _clip_level(kap: np.ndarray, law_edge: float) -> float:
    """The level at which K's realised eigenvalues are clipped: the upper edge of K's deterministic-equivalent
    law, unless that edge lies below the 99th percentile of the realised eigenvalues — then the law's
    support search picked a wrong component (seen on one draw at d = 1000: edge 0.0019 against a realised
    κ_max of 1.95, which collapsed the predicted bulk to the MP edge) and nothing is clipped."""
    return law_edge if law_edge >= np.quantile(kap, 0.99) else math.inf


def _adam_plugin(lr: float, D: _Data, m: np.ndarray, K_law: tuple[np.ndarray, float], kap: np.ndarray,
                 O: np.ndarray) -> OneStepSpectrum:
    """Adam plug-in: bulk rows N(0, I + η²K) with K's realised eigenvalues κ_k clipped at the upper edge
    of K's deterministic-equivalent law (from the realised e_j, c_j, r_μ). Eigenvalues above it are
    population spikes; with the exact atom, the finite-d deterministic equivalent grows a bump of mass 1/d
    on the edge (+1.5 % on seed 10 at 30·η_c, where Monte Carlo of the Gaussian model agrees with the
    clipped edge); the sample outliers they could create are predicted within 0.2 % of the edge at the
    default size, i.e. not resolvable, so they are treated as subcritical.
    ``Ξ0 = [W0ᵀŝ + η√h m, W0ᵀe]`` in K's eigenbasis; noise ``η²κ_k``."""
    h, d = D.W0.shape
    k = np.minimum(kap, _clip_level(kap, K_law[1]))
    B, wb = _compress((1.0 + lr**2 * k)[:, None])
    P = _Profile(np.ones((1, 1)), np.array([float(h)]), B, wb)
    U, alpha = _adam_basis(D.a)
    Xi0 = D.W0.T @ U
    Xi0[:, 0] += lr * math.sqrt(h) * m
    Mb = _diag_spike(_adam_rt(P, 1.0 + lr**2 * k), O.T @ Xi0, lr**2 * k,
                     None if D.beta is None else O.T @ D.beta)
    return _finish("adam", "plugin", lr, P, Mb, alpha)


@finite_result
def plugin_one_step_spectrum(optimizer: str, lr: Any, W0: Any, a: Any, X: Any, y: Any, *,
                             beta: Any = None, activation: str = "tanh", c_L: float = 2.0
                             ) -> OneStepSpectrum | list[OneStepSpectrum]:
    """Eigenvalue law of W1ᵀW1 after one step, from the realised W0 (h×d), a (h), X (n×d), y (n).

    Uses only: ``r = y − f0(X)`` (f0 with W0, a), ``g = Xᵀr/n``, ``C = XᵀD_r²X`` (d×d, eigendecomposed
    once), ``W0ᵀâ`` and (Adam) ``W0ᵀŝ``, ``W0ᵀe``, the a_i² and the Hermite constants μ1, ν² of σ'. It
    never evaluates σ'(W0X) (the step's gradient). GD: variance profile ``1 + t²a_i²λ_k(C)``; Adam: rows
    ``N(0, I + η²K)`` with K from :func:`_adam_K`. See the module docstring for the equations.
    ``lr``: a scalar gives one :class:`OneStepSpectrum`, an array a list (one per entry, flattened order).
    """
    opt = check_choice("optimizer", optimizer, OPTIMIZERS)
    lrs = check_lr(lr)
    c_L = check_positive("c_L", c_L)
    W0 = check_matrix("W0", W0)
    d = W0.shape[1]
    check_memory(f"W0 with d={d} columns", 8.0 * 4 * d * d, "W0")  # C, its eigenvectors, eigh's workspace
    D = _realise(W0, a, X, y, beta, activation)
    if opt == "gd":
        lamC, O = np.linalg.eigh(D.C)
        out = [_gd_plugin(float(e), D, np.clip(lamC, 0.0, None), O, c_L) for e in lrs.ravel()]
    else:
        m, K, e_diag, c = _adam_K(D)
        kap, O = np.linalg.eigh(K)
        r2, wr = _compress(D.r[:, None] ** 2)
        eq, wq = _compress(np.stack([e_diag, c**2], 1))
        K_law = _k_law(eq[:, 0], eq[:, 1], wq, D.nu2 * r2[:, 0] / D.r.size**2, wr)
        out = [_adam_plugin(float(e), D, m, K_law, np.clip(kap, 0.0, None), O) for e in lrs.ravel()]
    return out[0] if np.ndim(lr) == 0 else out


# --------------------------------------------------------------------------- asymptotic form


def _residual_atoms(teacher: str, label_noise_std: float, f0_var: float, n: int, nodes: int = 40
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Atoms of r² with weights summing to n, for ``r = σ*(z1) + √(ρ² + A·Eσ²)·z2`` (z1, z2 iid N(0,1)).

    Gaussian equivalence of ``f0(x) = Σ_i a_iσ(w_i·x/√d)/√h`` as a function of x: f0 ≈ N(0, A·Eσ²),
    independent of βᵀx (the student's μ0 is 0 for the odd activations used here; μ0 ≠ 0 only adds a
    constant that is neglected).
    """
    z, w = hermegauss(nodes)
    w = w / w.sum()
    r = teacher_function(teacher)(z)[:, None] + math.sqrt(label_noise_std**2 + f0_var) * z[None, :]
    return _compress((r**2).reshape(-1, 1), n * np.outer(w, w).ravel())


def _gd_asymptotic(lr: float, s: AsymptoticSetup, lamC: np.ndarray) -> OneStepSpectrum:
    """GD asymptotic: profile ``1 + t²a_i²λ_k`` with a_i² the N(0, A) quantiles and λ_k the quantile
    atoms of C's law; ξ generic with ``‖ξ‖² = d + θ²G² − 2c_Lημ1²A`` and ``⟨ξ,β⟩ = θμ1*``."""
    h, d = s.h, s.d
    a2 = s.gaussian_a2()
    t2 = _gd_t2(lr, s.act.nu2, s.n, h, d, s.c_L)
    q = lamC.size
    wc = np.full(q, d / q)
    P = _gd_profile(a2, np.ones(h), lamC, wc, t2)
    theta = s.c_L * lr * s.act.mu1 * math.sqrt(s.readout_A / d)
    shrink = 2.0 * s.c_L * lr * s.act.mu1**2 * s.readout_A if s.f0 else 0.0
    xi2 = d + theta**2 * s.grad_sq - shrink
    rt_of_z = _gd_rt(P, t2 * lamC)
    noise = t2 * 3.0 * s.readout_A * lamC * wc  # Σ_i â_i²a_i² = E a⁴/E a² = 3A

    def Mb(z: float) -> tuple[np.ndarray, np.ndarray]:
        rt = rt_of_z(z)
        mean_rt = float(wc @ rt) / d
        return np.array([[xi2 * mean_rt + float(noise @ rt)]]), np.array([theta * s.mu1_star * mean_rt])

    return _finish("gd", "asymptotic", lr, P, Mb, np.ones(1))


def _solve_shifted(x: np.ndarray, e: np.ndarray, qf: np.ndarray, wq: np.ndarray, p: np.ndarray,
                   wp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Diagonal resolvent of ``K = diag(e) + HᵀH`` (H: variance profile p_μ q_j) at w = x + i0⁺.

    ``t_j = 1/(e_j + q_j P(Q) − w)``, ``P(Q) = Σ_μ wp_μ p_μ/(1 + p_μQ)``, ``Q = Σ_j wq_j q_j t_j``
    (Hachem–Loubaton–Najim with a diagonal shift); Newton in Q with a homotopy in Im w.
    Returns ``(w, t)`` with t of shape (len(x), len(e)).
    """
    x = np.asarray(x, float).ravel()
    sc = float(e.max() + qf.max() * (wp @ p) + 1.0)
    Q = np.zeros(len(x), complex)
    for step, y in enumerate(sc * np.geomspace(1.0, _Y_MIN_REL, _HOMOTOPY_STEPS)):
        w = x + 1j * y
        for _ in range(3 if step < _HOMOTOPY_STEPS - 1 else 6):
            den = 1.0 + np.outer(Q, p)
            Pq = (wp * p / den).sum(1)
            dP = -(wp * p**2 / den**2).sum(1)
            t = 1.0 / (e + np.outer(Pq, qf) - w[:, None])
            F = Q - t @ (wq * qf)
            dF = 1.0 + (t**2 * qf * wq * qf) @ np.ones_like(qf) * dP
            Q = Q - F / dF
    den = 1.0 + np.outer(Q, p)
    t = 1.0 / (e + np.outer((wp * p / den).sum(1), qf) - w[:, None])
    return w, t


#: Below this ``|T|·η²`` the Adam bulk's shift ``−(1 + T)/(Tη²)`` is not representable; the η → 0 limit
#: (no step) is used instead, which differs from the exact value by a relative O(|T|η²).
_TINY_STEP = 1e-250


def _adam_asymptotic(lr: float, s: AsymptoticSetup, K: dict[str, np.ndarray]) -> OneStepSpectrum:
    """Adam asymptotic: bulk rows N(0, I + η²K) with K's law from :func:`_solve_shifted`; spike from the
    per-coordinate expectations over g_j ~ N(0, G²/d) atoms (see module docstring and docs)."""
    h, d = s.h, s.d
    sig = 1.0 + lr**2 * K["kappa"]
    B, wb = _compress(sig[:, None], np.full(sig.size, d / sig.size))
    P = _Profile(np.ones((1, 1)), np.array([float(h)]), B, wb)
    law = _bulk_law(P)
    rho = s.readout_abar / math.sqrt(s.readout_A)
    c, m, wq = K["c"], K["m"], K["wq"]
    lin = -s.act.mu1**2 * math.sqrt(s.readout_A / d) * c if s.f0 else np.zeros_like(c)  # ∂m_j/∂ω_a,j (f0 only)
    st = lr * math.sqrt(h)
    ss = 1.0 + 2.0 * st * rho * lin + st**2 * m**2
    se = st * math.sqrt(1.0 - rho**2) * lin
    bs = st * s.act.mu1 * s.mu1_star * c / d

    def Mb(z: float) -> tuple[np.ndarray, np.ndarray]:
        _, _, T = _solve_profile(np.array([z]), P)
        T = float(T[0, 0].real)
        step = lr > 0 and abs(T) * lr**2 > _TINY_STEP  # below: the η → 0 limit (η² would underflow)
        w_shift = -(1.0 + T) / (T * lr**2) if step else -1e300
        if step:
            _, t = _solve_shifted(np.array([w_shift]), K["e"], K["qf"], wq, K["p"], K["wp"])
            rt = t[0].real / (z * T * lr**2)
            noise = lr**2 * float(wq @ (1.0 + w_shift * t[0].real)) / (z * T * lr**2)
        else:
            rt, noise = np.full(m.size, 1.0 / (z * (1.0 + T))), 0.0
        M = np.array([[wq @ (ss * rt), wq @ (se * rt)], [wq @ (se * rt), wq @ rt]]) + noise * np.eye(2)
        return M, np.array([wq @ (bs * rt), 0.0])

    roots, ob, oa = _outliers(Mb, np.array([rho, math.sqrt(1.0 - rho**2)]), law.upper)
    return OneStepSpectrum(optimizer="adam", form="asymptotic", lr=float(lr),
                           bulk_edges=(law.lower, law.upper), outliers=roots, overlap_beta=ob,
                           overlap_a=oa, mass=law.mass, _law=law, _profile=P)


def _adam_K_law(s: AsymptoticSetup, r2: np.ndarray, wr: np.ndarray, count: int = _MAX_ATOMS) -> dict[str, np.ndarray]:
    """Asymptotic sign-row covariance K: per-coordinate g_j ~ N(0, G²/d) atoms, σ_ξ² = ν²E[r²]/n,
    ``e_j = 1 − m_j² − c_j²σ_ξ²``, ``q_j = c_j²``, ``p_μ = ν²r_μ²/n²``; returns the quantile atoms κ of
    K's eigenvalue law and the per-atom m, c, e (for the spike)."""
    d, n = s.d, s.n
    sig2 = s.act.nu2 * s.er2 / n
    u = (np.arange(count) + 0.5) / count
    g = math.sqrt(s.grad_sq / d) * special.ndtri(u)
    x = s.act.mu1 * g / math.sqrt(sig2)
    m = special.erf(x / math.sqrt(2.0))
    c = SQRT_2_OVER_PI * np.exp(-0.5 * x**2) / math.sqrt(sig2)
    e = np.clip(1.0 - m**2 - c**2 * sig2, 0.0, None)
    wq = np.full(count, d / count)
    p, wp = s.act.nu2 * r2[:, 0] / n**2, wr
    qf = c**2
    kappa, _ = _k_law(e, qf, wq, p, wp, count)
    return dict(kappa=kappa, m=m, c=c, e=e, qf=qf, wq=wq, p=p, wp=wp)


@finite_result
@accepts_readout_scale
def one_step_spectrum(optimizer: str, lr: Any, *, n: int, d: int, h: int, activation: str = "tanh",
                      teacher: str = "softplus", label_noise_std: float = 0.3, c_L: float = 2.0,
                      readout_A: float = 1.0, readout_abar: float | None = None, f0: bool = True
                      ) -> OneStepSpectrum | list[OneStepSpectrum]:
    """Asymptotic eigenvalue law of W1ᵀW1 after one GD or Adam step, readout a ~ N(0, A·I_h).

    From sizes and Hermite/teacher constants only: r² atoms by Gaussian equivalence
    (:func:`_residual_atoms`), C's law (GD) or K's law (Adam) from variance-profile equations, then the
    W1 bulk and the BGN outliers as in the module docstring. ``readout_scale`` (default 1; A = ‖a‖²/h =
    readout_scale²), ``readout_abar = ‖a‖₁/h`` (None → √(2/π)·readout_scale) and ``f0``
    (False: the no-f0 limit, f0 ≈ 0) have the meaning of :func:`theory.predict_one_step`. ``lr``: a scalar
    gives one :class:`OneStepSpectrum`, an array a list (one per entry, flattened order).
    """
    opt = check_choice("optimizer", optimizer, OPTIMIZERS)
    lrs = check_lr(lr)
    s = undecorated(asymptotic_setup)(n=n, d=d, h=h, activation=activation, teacher=teacher,
                         label_noise_std=label_noise_std, readout_A=readout_A, readout_abar=readout_abar,
                         c_L=c_L, f0=f0)
    if s.act.nu2 <= 0:
        raise TheoryArgumentError(f"activation={activation!r}: needs Var σ'(z) > 0 (not linear)")
    r2, wr = _residual_atoms(teacher, label_noise_std, s.readout_A * s.act.mean_sq if s.f0 else 0.0, n)
    if opt == "gd":
        lamC = _c_law(r2, wr, d)[0]
        out = [_gd_asymptotic(float(e), s, lamC) for e in lrs.ravel()]
    else:
        K = _adam_K_law(s, r2, wr)
        out = [_adam_asymptotic(float(e), s, K) for e in lrs.ravel()]
    return out[0] if np.ndim(lr) == 0 else out


__dir__ = public_dir(__name__)
