"""The Config names of theory's keywords (readout_scale, adam_beta1, adam_beta2), their deprecated aliases,
and the units in the result classes' names (sigma*/*_sv singular values, *_eig eigenvalues)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import theory
from theory import TheoryArgumentError
from theory.scales import lr_scales
from theory.setup import asymptotic_setup

SMALL = dict(n=300, d=100, h=200)


def new_and_old(fn, *args, new: dict, old: dict, **kwargs):
    """fn with the new keywords (no warning at all) and with the old ones (exactly one DeprecationWarning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got_new = fn(*args, **kwargs, **new)
    with pytest.warns(DeprecationWarning) as record:
        got_old = fn(*args, **kwargs, **old)
    assert len(record) == 1
    assert record[0].filename == __file__  # points at the caller
    return got_new, got_old, str(record[0].message)


@pytest.mark.parametrize("fn, args", [
    (theory.predict_one_step, ("gd", 700.0)),
    (theory.predict_one_step, ("adam", 0.3)),
    (theory.one_step_spectrum, ("gd", 700.0)),
    (theory.bbp_lr, ("adam",)),
    (theory.one_step.bbp_quadratic, ("gd",)),
    (lr_scales, ("gd",)),
    (asymptotic_setup, ()),
])
@pytest.mark.parametrize("scale", [1.0, 0.5, 3.0])  # squares exact in binary: bit-identical either way
def test_readout_scale_and_deprecated_readout_A_give_the_same_numbers(fn, args, scale):
    new, old, message = new_and_old(fn, *args, **SMALL, new=dict(readout_scale=scale), old=dict(readout_A=scale**2))
    assert "readout_A is deprecated; use readout_scale" in message
    if isinstance(new, theory.OneStepSpectrum):
        assert new.bulk_edges == old.bulk_edges and np.array_equal(new.outliers, old.outliers)
    else:
        assert new == old


def test_readout_scale_default_is_one_and_is_validated():
    assert theory.bbp_lr("gd", **SMALL) == theory.bbp_lr("gd", **SMALL, readout_scale=1.0)
    assert theory.bbp_lr("gd", **SMALL, readout_scale=2.0) != theory.bbp_lr("gd", **SMALL)
    for bad in (0.0, -1.0, math.inf, "1"):
        with pytest.raises(TheoryArgumentError, match="^readout_scale="):
            theory.predict_one_step("gd", 1.0, **SMALL, readout_scale=bad, law=False)
    with pytest.raises(TheoryArgumentError, match="^readout_abar=.*readout_scale"):
        theory.predict_one_step("gd", 1.0, **SMALL, readout_scale=1.0, readout_abar=1.5, law=False)


def test_readout_both_forms_is_an_error():
    with pytest.raises(TheoryArgumentError, match="^readout_A=4.0: deprecated alias of readout_scale"):
        theory.predict_one_step("gd", 1.0, **SMALL, readout_scale=2.0, readout_A=4.0, law=False)


def test_adam_beta1_beta2_and_deprecated_adam_betas_give_the_same_numbers():
    args = ("adam", 0.05, 2)
    new, old, message = new_and_old(theory.predict_trajectory, *args, **SMALL,
                                    new=dict(adam_beta1=0.8, adam_beta2=0.99), old=dict(adam_betas=(0.8, 0.99)))
    assert "adam_betas is deprecated; use adam_beta1 and adam_beta2" in message
    for name in ("sigma1", "sigma2", "bulk_edge", "alpha_hill", "sim", "top_singular", "train_loss"):
        np.testing.assert_array_equal(getattr(new, name), getattr(old, name), err_msg=name)
    default = theory.predict_trajectory(*args, **SMALL)
    explicit = theory.predict_trajectory(*args, **SMALL, adam_beta1=0.9, adam_beta2=0.999)
    np.testing.assert_array_equal(default.sigma1, explicit.sigma1)
    assert not np.array_equal(default.sigma1, new.sigma1)


@pytest.mark.parametrize("kwargs, match", [
    (dict(adam_betas=(0.8, 0.99), adam_beta1=0.8), "^adam_betas=.*deprecated alias of adam_beta1, adam_beta2"),
    (dict(adam_betas=(0.8, 0.99), adam_beta2=0.99), "^adam_betas=.*give those only"),
    (dict(adam_betas=0.9), r"^adam_betas=0.9: must be two real numbers in \[0, 1\)"),
])
def test_adam_betas_errors(kwargs, match):
    with pytest.raises(TheoryArgumentError, match=match):
        theory.predict_trajectory("adam", 0.05, 1, **SMALL, **kwargs)


def test_one_step_prediction_units_agree():
    for opt, lr in (("gd", np.array([300.0, 900.0])), ("adam", 0.3)):
        p = theory.predict_one_step(opt, lr, **SMALL)
        np.testing.assert_array_equal(p.sigma1_eig, np.square(p.sigma1))
        np.testing.assert_array_equal(p.bulk_edge_eig, np.square(p.bulk_edge))
        np.testing.assert_array_equal(p.bulk_edge_sv, p.bulk_edge)
        laws = p.spectrum if isinstance(p.spectrum, list) else [p.spectrum]
        # the law's upper edge (an eigenvalue) is the prediction's bulk edge squared
        np.testing.assert_allclose(np.ravel(p.bulk_edge_eig), [law.bulk_edges_eig[1] for law in laws], rtol=1e-14)


def test_one_step_spectrum_units_agree():
    law = theory.one_step_spectrum("gd", 1500.0, **SMALL)
    assert law.outliers.size >= 1  # a spike, so the outlier conversion is exercised
    assert law.bulk_edges_eig == law.bulk_edges
    np.testing.assert_array_equal(law.outliers_eig, law.outliers)
    np.testing.assert_allclose(np.square(law.bulk_edges_sv), law.bulk_edges_eig, rtol=1e-15)
    np.testing.assert_allclose(np.square(law.outliers_sv), law.outliers_eig, rtol=1e-15)
    assert np.all(np.diff(law.outliers_sv) <= 0)  # descending, as the eigenvalues


def test_trajectory_units_agree():
    p = theory.predict_trajectory("gd", 1000.0, 2, **SMALL)
    np.testing.assert_array_equal(p.sigma1_eig, p.sigma1**2)
    np.testing.assert_array_equal(p.sigma2_eig, p.sigma2**2)
    np.testing.assert_array_equal(p.bulk_edge_sv, p.bulk_edge)
    np.testing.assert_array_equal(p.bulk_edge_eig, p.bulk_edge**2)
    two = theory.trajectory.gd_two_step(1000.0, **SMALL)
    assert two.sigma1_eig == two.sigma1**2
