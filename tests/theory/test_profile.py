"""theory.profile: the law of a Gaussian matrix with a separable variance profile, against Monte Carlo of
that random-matrix statement alone (docs/theory.md §9.7), and its argument checks."""

from __future__ import annotations

import numpy as np
import pytest

import theory
from theory import TheoryArgumentError
from theory.hill import hill_alpha
from theory.profile import profile_spectrum

H, D = 600, 400


def _monte_carlo_alpha(v: np.ndarray, c: np.ndarray, draws: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    out = []
    for _ in range(draws):
        R = rng.standard_normal((v.size, c.size)) * np.sqrt(np.outer(v, c))
        out.append(hill_alpha(np.linalg.eigvalsh(R.T @ R)))
    return np.array(out)


def test_constant_profile_is_marchenko_pastur():
    law = profile_spectrum(np.ones(H), np.ones(D))
    lo, hi = law.bulk_edges_eig
    assert lo == pytest.approx(H * (1 - (D / H) ** 0.5) ** 2, rel=2e-3)
    assert hi == pytest.approx(H * (1 + (D / H) ** 0.5) ** 2, rel=2e-3)
    assert law.count == D and law.mass == pytest.approx(1.0, abs=2e-3)


@pytest.mark.parametrize("case", ["saturating rows, power columns", "lognormal columns"])
def test_alpha_hill_of_the_law_matches_gaussian_matrices_with_that_profile(case):
    """The α_Hill read off the law is that of Gaussian matrices with the profile, up to the estimator's
    finite-size bias (0.005 allowed at 600×400) plus 3 standard errors of 6 draws."""
    rng = np.random.default_rng(np.random.SeedSequence(7))
    a = rng.standard_normal(H)
    if case == "saturating rows, power columns":
        v, c = 1 + 4 * np.minimum(a ** 2, 3), 1 + 30 * np.linspace(0, 1, D) ** 8
    else:
        v, c = 1 + 20 * np.minimum(a ** 2, 4), np.exp(0.75 * rng.standard_normal(D))
    predicted = profile_spectrum(v, c).alpha_hill()
    sim = _monte_carlo_alpha(v, c, draws=6, seed=8)
    assert predicted < 2.0  # a heavy-tailed profile, well below the MP value 2.45
    assert abs(predicted - sim.mean()) <= 0.005 + 3 * sim.std(ddof=1) / np.sqrt(sim.size)


def test_a_perturbed_profile_fails_the_same_comparison():
    """Power: the law of a profile with 10 % larger top columns is caught by the comparison above."""
    c = 1 + 30 * np.linspace(0, 1, D) ** 8
    v = np.ones(H)
    sim = _monte_carlo_alpha(v, c, draws=6, seed=9)
    wrong = profile_spectrum(v, np.where(c > 10, 1.1 * c, c)).alpha_hill()
    assert abs(wrong - sim.mean()) > 0.005 + 3 * sim.std(ddof=1) / np.sqrt(sim.size)


def test_weighted_atoms_equal_repeated_values():
    v, c = np.array([1.0, 2.0, 5.0]), np.array([0.5, 1.0, 4.0, 9.0])
    weighted = profile_spectrum(v, c, row_weights=[80, 80, 80], col_weights=[40, 40, 40, 40])
    repeated = profile_spectrum(np.repeat(v, 80), np.repeat(c, 40))
    assert weighted.count == repeated.count == 160
    assert weighted.alpha_hill() == pytest.approx(repeated.alpha_hill(), abs=1e-9)


def test_outliers_are_appended_to_the_deterministic_spectrum():
    law = profile_spectrum(np.ones(H), np.ones(D), outliers_eig=[5e4, 3e4])
    eig = law.eigenvalues()
    assert eig.size == D and list(eig[-2:]) == [3e4, 5e4] and np.all(np.diff(eig) >= 0)
    assert law.alpha_hill() < profile_spectrum(np.ones(H), np.ones(D)).alpha_hill()
    assert len(repr(law)) < 200 and theory.profile_spectrum is profile_spectrum


@pytest.mark.parametrize("kwargs, named", [
    ({"row_variances": [-1.0, 1.0]}, "row_variances"),
    ({"col_variances": [0.0, 0.0]}, "col_variances"),
    ({"row_weights": [1.0]}, "row_weights"),
    ({"col_weights": [1.0, 0.0, 1.0]}, "col_weights"),
    ({"outliers_eig": [np.nan]}, "outliers_eig"),
])
def test_bad_arguments_are_named(kwargs, named):
    args = {"row_variances": [1.0, 2.0], "col_variances": [1.0, 1.0, 3.0], **kwargs}
    with pytest.raises(TheoryArgumentError, match=named):
        profile_spectrum(args.pop("row_variances"), args.pop("col_variances"), **args)
