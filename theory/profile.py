"""Eigenvalue law and α_Hill of a Gaussian matrix with a separable variance profile (docs/theory.md §9.7).

Statement (Hachem, Loubaton & Najim 2007; the solver of :mod:`theory.spectrum`): R is h×d with
independent centred Gaussian entries of variance ``v_i · c_k`` (row profile v, column profile c); any
orthogonal rotation ``R Vᵀ`` of its columns has the same singular values. As h, d → ∞ at a fixed ratio with
the profiles' empirical laws converging, the ESD of the smaller Gram of R converges to a deterministic law
solved here; :meth:`ProfileSpectrum.alpha_hill` reads the paper's observable, α_Hill with xmin at the
median, off that law's quantiles plus any given outliers, as :meth:`theory.OneStepSpectrum.alpha_hill`
does after one step.

Use after several large GD steps: W_t minus its outliers is, for α_Hill, such a matrix in the eigenbasis of
the training covariance S = XᵀX/n, with v a function of |a_i| and c a function of S's eigenvalue
(docs/theory.md §9.7 gives the measurements). This module maps such a state to the spectrum; how the
state evolves step by step is not predicted here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._validate import TheoryArgumentError, check_nonnegative_array
from .display import public_dir
from .spectrum import _bulk_law, _BulkLaw, _compress, _LawReadout, _Profile

__all__ = ["ProfileSpectrum", "profile_spectrum"]


@dataclass(frozen=True, repr=False)
class ProfileSpectrum(_LawReadout):
    """Deterministic eigenvalue law of the smaller Gram of a Gaussian matrix with variance ``v_i·c_k``.

    Units: ``*_eig`` are eigenvalues of the smaller Gram (unnormalised, as ``htcore.spectral.esd``).
    ``count`` = min(h, d) eigenvalues; :meth:`eigenvalues` gives that many deterministic values (bulk
    quantiles at (j + ½)/(count − k), then the k given outliers), :meth:`alpha_hill` their α_Hill.
    """

    bulk_edges_eig: tuple[float, float]
    outliers_eig: np.ndarray
    mass: float
    _law: _BulkLaw = field(repr=False)
    _profile: _Profile = field(repr=False)

    def __repr__(self) -> str:
        lo, hi = self.bulk_edges_eig
        return (f"ProfileSpectrum(count={self.count}, bulk_edges_eig=({lo:.4g}, {hi:.4g}), "
                f"outliers={self.outliers_eig.size}, alpha_hill={self.alpha_hill():.4f})")


def _weights(name: str, value: Any, size: int) -> np.ndarray:
    if value is None:
        return np.ones(size)
    w = check_nonnegative_array(name, value).ravel()
    if w.size != size or not np.all(w > 0):
        raise TheoryArgumentError(f"{name}=array of {w.size} values: must hold {size} positive weights")
    return w


def _merge_equal(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equal values as one atom carrying their summed weight (the solver's cost grows with the atoms)."""
    unique, index = np.unique(values, return_inverse=True)
    return unique[:, None], np.bincount(index.ravel(), weights=weights)


def profile_spectrum(row_variances: Any, col_variances: Any, *, row_weights: Any = None,
                     col_weights: Any = None, outliers_eig: Any = ()) -> ProfileSpectrum:
    """Law of the smaller Gram of a Gaussian h×d matrix with entry variances ``row_variances[i] ·
    col_variances[k]`` (module docstring), plus optional outliers appended to its deterministic spectrum.

    Profiles may be given on weighted atoms: atom i stands for ``row_weights[i]`` rows (default 1 each),
    so h = Σ row_weights and d = Σ col_weights. ``outliers_eig``: eigenvalues above the bulk (e.g. those of
    a measured or predicted spike), appended by :meth:`ProfileSpectrum.eigenvalues`.

    Limitation: the law is computed on its main support interval (:func:`theory.spectrum._law_from_density`);
    profiles so uneven that the spectrum splits into separated pieces lose the smaller pieces, which shows
    as ``mass`` below 1 (e.g. 0.98 for log-normal column variances of log-sd 1.5 at 600×400).
    """
    v = check_nonnegative_array("row_variances", row_variances).ravel()
    c = check_nonnegative_array("col_variances", col_variances).ravel()
    for name, arr in (("row_variances", v), ("col_variances", c)):
        if arr.size == 0 or not np.any(arr > 0):
            raise TheoryArgumentError(f"{name}: needs at least one positive variance")
    wa = _weights("row_weights", row_weights, v.size)
    wb = _weights("col_weights", col_weights, c.size)
    out = np.sort(check_nonnegative_array("outliers_eig", outliers_eig).ravel()) if np.size(outliers_eig) \
        else np.zeros(0)
    A, wa = _compress(*_merge_equal(v, wa))
    B, wb = _compress(*_merge_equal(c, wb))
    profile = _Profile(A, wa, B, wb)
    law = _bulk_law(profile)
    return ProfileSpectrum((law.lower, law.upper), out[::-1], law.mass, law, profile)


__dir__ = public_dir(__name__)
