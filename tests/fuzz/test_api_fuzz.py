"""Bad arguments to every public function of `theory` and `htcore.spectral`: always the package's argument
error (a ValueError) naming the argument, never a numpy/scipy error, a silent conversion or a wrong number.
Plus a property test: valid but extreme arguments give a finite result or that same clear error."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from htcore.checks import SpectralInputError
from tests.fuzz.catalog import SIZES, SPECTRAL, THEORY, W0, A, X, Y, bad_inputs, nonfinite
from theory import TheoryArgumentError, one_step, rmt, scales, spectrum, trajectory

FUZZ = settings(max_examples=12, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _names_argument(message: str, name: str) -> bool:
    return re.search(rf"(^|[^\w]){re.escape(name)}([^\w]|$)", message) is not None


@pytest.mark.parametrize("case, arg, value", [c[1:] for c in bad_inputs(THEORY)],
                         ids=[c[0] for c in bad_inputs(THEORY)])
def test_theory_rejects_bad_argument_naming_it(case, arg, value):
    with pytest.raises(TheoryArgumentError) as err:
        case.call(**{arg: value})
    shown = case.shown.get(arg, arg)
    assert str(err.value).startswith(f"{shown}="), str(err.value)


@pytest.mark.parametrize("case, arg, value", [c[1:] for c in bad_inputs(SPECTRAL)],
                         ids=[c[0] for c in bad_inputs(SPECTRAL)])
def test_spectral_rejects_bad_argument_naming_it(case, arg, value):
    with pytest.raises(SpectralInputError) as err:
        case.call(**{arg: value})
    assert _names_argument(str(err.value), arg), str(err.value)


@pytest.mark.parametrize("case", THEORY + SPECTRAL, ids=[c.name for c in THEORY + SPECTRAL])
def test_valid_tiny_call_is_finite(case):
    """The catalog's valid calls work (so each rejection above is about the one argument changed)."""
    out = case.call()
    if case.name not in ("activation_function", "activation_derivative", "teacher_function",
                         "spike_strength_from_sigma1"):  # functions; nan below the edge is documented
        assert not nonfinite(out)


# --------------------------------------------------------------------------- sizes beyond the machine


@pytest.mark.parametrize("call, name", [
    (lambda: one_step.predict_one_step("gd", 1.0, n=10**12, d=10**12, h=10**12, law=False), "h"),
    (lambda: spectrum.one_step_spectrum("gd", 1.0, n=10, d=10, h=10**13), "h"),
    (lambda: trajectory.predict_trajectory("gd", 1.0, 1, n=10**6, d=10**6, h=10**6), "(n, d, h)"),
])
def test_sizes_beyond_memory_fail_up_front(call, name):
    with pytest.raises(TheoryArgumentError, match="too large for this machine: needs about") as err:
        call()
    assert name in str(err.value)


def test_memory_estimates_compare_with_the_available_memory(monkeypatch):
    """With (pretend) 500 bytes available, the functions that allocate by size refuse before allocating."""
    import htcore.checks
    import theory._validate
    from htcore.spectral.report import analyse

    monkeypatch.setattr(theory._validate, "available_memory", lambda: 500)
    monkeypatch.setattr(htcore.checks, "available_memory", lambda: 500)
    with pytest.raises(TheoryArgumentError, match=r"^\(n, d, h\) = \(16, 8, 12\): too large .* 500 B available"):
        trajectory.predict_trajectory("gd", 1.0, 1, **SIZES)
    with pytest.raises(TheoryArgumentError, match=r"^h=12: too large"):
        one_step.predict_one_step("gd", 1.0, law=False, **SIZES)
    with pytest.raises(TheoryArgumentError, match=r"^W0 with d=8 columns: too large"):
        spectrum.plugin_one_step_spectrum("gd", 1.0, W0, A, X, Y)
    with pytest.raises(SpectralInputError, match=r"^W of shape \(30, 20\): too large for this machine"):
        analyse(np.random.default_rng(0).standard_normal((30, 20)))


# --------------------------------------------------------------------------- property: finite or clear error


_LOG_REAL = st.floats(-300, 300).map(lambda e: 10.0**e)
_SIZE = st.integers(1, 300)


def _finite_or_named(call, names):
    """`call()` returns a finite result, or raises TheoryArgumentError naming one of `names`."""
    try:
        out = call()
    except TheoryArgumentError as err:
        assert any(str(err).startswith(f"{n}=") or f"{n}=" in str(err) for n in names), str(err)
        return
    assert not nonfinite(out), out


@FUZZ
@given(opt=st.sampled_from(["gd", "adam"]), lr=_LOG_REAL, rho=_LOG_REAL, A=_LOG_REAL, c_L=_LOG_REAL,
       n=_SIZE, d=_SIZE, h=_SIZE, f0=st.booleans())
def test_asymptotic_closed_forms_finite_or_clear(opt, lr, rho, A, c_L, n, d, h, f0):
    kw = dict(n=n, d=d, h=h, label_noise_std=rho, readout_scale=A, c_L=c_L, f0=f0)
    names = ["lr", "label_noise_std", "readout_scale", "c_L", "n", "d", "h", "activation"]
    _finite_or_named(lambda: one_step.predict_one_step(opt, lr, law=False, **kw), names)
    _finite_or_named(lambda: one_step.bbp_quadratic(opt, **kw), names)
    _finite_or_named(lambda: scales.lr_scales(opt, **kw), names)
    try:
        out = one_step.bbp_lr(opt, **kw)
        assert not np.isnan(out)  # inf is documented: no spike at any lr
    except TheoryArgumentError as err:
        assert any(f"{n}=" in str(err) for n in names)


@settings(max_examples=4, deadline=None, derandomize=True)
@given(opt=st.sampled_from(["gd", "adam"]), lr=_LOG_REAL)
def test_eigenvalue_law_finite_or_clear(opt, lr):
    _finite_or_named(lambda: one_step.predict_one_step(opt, lr, n=20, d=10, h=15), ["lr"])


@FUZZ
@given(opt=st.sampled_from(["gd", "adam"]), lr=_LOG_REAL, scale=st.floats(-100, 100).map(lambda e: 10.0**e))
def test_plugin_finite_or_clear(opt, lr, scale):
    names = ["lr", "W0", "a", "X", "y", "c_L"]
    _finite_or_named(lambda: one_step.plugin_one_step(opt, lr, W0 * scale, A, X, Y * scale, law=False), names)


@FUZZ
@given(opt=st.sampled_from(["gd", "adam"]), lr=_LOG_REAL, steps=st.integers(1, 2), gamma=st.floats(1e-3, 1.0))
def test_trajectory_finite_or_clear(opt, lr, steps, gamma):
    _finite_or_named(lambda: trajectory.predict_trajectory(opt, lr, steps, lr_gamma=gamma, **SIZES), ["lr"])
    if opt == "gd":
        _finite_or_named(lambda: trajectory.gd_two_step(lr, lr_gamma=gamma, **SIZES), ["lr"])


@FUZZ
@given(s=_LOG_REAL, v=_LOG_REAL, h=_SIZE, d=_SIZE)
def test_rmt_finite_or_clear(s, v, h, d):
    names = ["s", "variance", "h", "d", "row_variances"]
    _finite_or_named(lambda: rmt.spiked_sigma1(s, h, d, v), names)
    _finite_or_named(lambda: rmt.spiked_overlaps(s, h, d, v), names)
    _finite_or_named(lambda: rmt.generalized_mp_edge(np.array([v, 1.0]), d), names)
    _finite_or_named(lambda: rmt.mp_singular_edges(h, d, v), names)


# --------------------------------------------------------------------------- the examples of the review


def test_bbp_lr_extreme_noise_names_it_instead_of_nan():
    with pytest.raises(TheoryArgumentError, match=r"^label_noise_std=1e\+200: makes the prediction overflow"):
        one_step.bbp_lr("gd", label_noise_std=1e200, **SIZES)


@pytest.mark.parametrize("opt", ["gd", "adam"])
@pytest.mark.parametrize("law", [False, True])
def test_huge_lr_names_lr_instead_of_inf(opt, law):
    with pytest.raises(TheoryArgumentError, match=r"^lr=1e\+200: makes the prediction overflow"):
        one_step.predict_one_step(opt, 1e200, law=law, **SIZES)


@pytest.mark.parametrize("func", [one_step.plugin_one_step, spectrum.plugin_one_step_spectrum])
def test_complex_w0_is_rejected_not_cut_to_its_real_part(func):
    with pytest.raises(TheoryArgumentError, match=r"^W0=.*complex"):
        func("gd", 1.0, W0 + 1j, A, X, Y)


@pytest.mark.parametrize("lr", ["10", True])
def test_lr_string_or_bool_is_not_a_number(lr):
    with pytest.raises(TheoryArgumentError, match="^lr="):
        one_step.predict_one_step("gd", lr, law=False, **SIZES)


def test_mp_fit_shape_bool_rejected():
    from htcore.spectral import mp_fit

    with pytest.raises(SpectralInputError, match=r"shape must be \(h, d\), two positive integers, got \(True, 60\)"):
        mp_fit(np.linspace(1, 2, 60), shape=(True, 60))


@pytest.mark.parametrize("call, name", [
    (lambda: one_step.plugin_one_step("gd", 1e200, W0, A, X, Y), "lr"),
    (lambda: spectrum.one_step_spectrum("adam", 1e200, **SIZES), "lr"),
    (lambda: trajectory.predict_trajectory("gd", 1e200, 2, **SIZES), "lr"),
    (lambda: one_step.predict_one_step("gd", 1.0, readout_scale=1e150, law=False, **SIZES), "readout_scale"),
])
def test_huge_values_name_the_user_argument_not_an_internal_one(call, name):
    with pytest.raises(TheoryArgumentError) as err:
        call()
    assert str(err.value).startswith(f"{name}=") and "row_variances=" not in str(err.value)


def test_ragged_and_string_arrays_name_the_argument():
    with pytest.raises(TheoryArgumentError, match=r"^W0=.*ragged"):
        one_step.plugin_one_step("gd", 1.0, [[1.0, 2.0], [3.0]], A, X, Y)
    with pytest.raises(TheoryArgumentError, match=r"^y=.*dtype <U"):
        one_step.plugin_one_step("gd", 1.0, W0, A, X, Y.astype(str))


def test_adam_betas_of_wrong_length():
    with pytest.raises(TheoryArgumentError, match=r"^adam_betas=\(0\.9,\): must be two real numbers"):
        trajectory.predict_trajectory("adam", 0.1, 1, adam_betas=(0.9,), **SIZES)


def test_trajectory_size_one_names_the_size():
    with pytest.raises(TheoryArgumentError, match=r"^d=1: must be >= 2"):
        trajectory.predict_trajectory("gd", 0.1, 1, n=1, d=1, h=1)


def test_powerlaw_fit_two_values_without_range_says_so():
    from htcore.spectral import powerlaw_fit

    with pytest.raises(SpectralInputError) as err:
        powerlaw_fit(np.r_[np.ones(59), 5.0])
    assert "xmin_range None" not in str(err.value) and "got 2" in str(err.value)


def test_tiny_adam_lr_takes_the_no_step_limit_instead_of_dividing_by_zero():
    law = spectrum.one_step_spectrum("adam", 1e-200, **SIZES)
    still = spectrum.one_step_spectrum("adam", 0.0, **SIZES)
    assert law.bulk_edges == pytest.approx(still.bulk_edges, rel=1e-12)


def test_underflow_names_the_argument_and_asks_for_a_larger_value():
    with pytest.raises(TheoryArgumentError, match=r"^c_L=1e-300: makes the prediction overflow .* use a larger c_L$"):
        scales.lr_scales("gd", c_L=1e-300, **SIZES)


@FUZZ
@given(scale=st.floats(-300, 300).map(lambda e: 10.0**e))
def test_spectral_any_scale_finite_or_clear(scale):
    """Any finite scale of a matrix or an ESD: a finite result, or SpectralInputError naming the input."""
    from htcore import spectral
    from tests.fuzz.catalog import EVALS, W

    for name, call in [("W", lambda: spectral.esd(W * scale)), ("W", lambda: spectral.stable_rank(W * scale)),
                       ("W", lambda: spectral.top_singular(W * scale, 2)),
                       ("evals", lambda: spectral.powerlaw_fit(EVALS * scale)),
                       ("evals", lambda: spectral.hill_alpha(EVALS * scale)),
                       ("evals", lambda: spectral.mp_fit(EVALS * scale, (60, 60)))]:
        try:
            out = call()
        except SpectralInputError as err:
            assert _names_argument(str(err), name), str(err)
            continue
        assert not nonfinite(out), (name, out)


def test_overflow_message_states_the_largest_finite_lr_of_the_closed_forms():
    """For the cheap closed forms the error says up to where the prediction stays finite, and it does."""
    one_step.predict_one_step("gd", 1.0, law=False, **SIZES)  # warm: the search runs only after a fast call
    with pytest.raises(TheoryArgumentError) as err:
        one_step.predict_one_step("gd", 1e200, law=False, **SIZES)
    match = re.search(r"finite up to lr ≈ ([0-9.e+]+) at these values", str(err.value))
    assert match, str(err.value)
    limit = float(match.group(1))
    assert not nonfinite(one_step.predict_one_step("gd", 0.99 * limit, law=False, **SIZES))
    with pytest.raises(TheoryArgumentError, match="^lr="):
        one_step.predict_one_step("gd", 1.01 * limit, law=False, **SIZES)
