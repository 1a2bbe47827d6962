"""htcore.predict_one_step / one_step_spectrum / predict_trajectory: the hand-written theory call's numbers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import htcore
import theory
from htcore import Config, ConfigError
from htcore.config import TheoryConfigError

#: A run unlike the default in every field the theory reads (GD with momentum: the first step is plain GD).
OTHER_GD = Config(n=300, d=100, h=200, optimizer="gd", lr=500.0, readout_scale=0.5, activation="erf",
                  teacher="tanh", label_noise_std=0.1, momentum=0.5)
OTHER_GD_ARGS = dict(n=300, d=100, h=200, activation="erf", teacher="tanh", label_noise_std=0.1,
                     readout_scale=0.5, c_L=2.0)
#: Adam with other decay rates, step decay and seed, other sizes (the trajectory has no readout scale).
OTHER_ADAM = Config(n=300, d=100, h=200, optimizer="adam", lr=0.1, adam_beta1=0.8, adam_beta2=0.99,
                    adam_eps=1e-7, lr_gamma=0.9, steps=3, seed=4, activation="gelu", teacher="relu")
OTHER_ADAM_ARGS = dict(n=300, d=100, h=200, activation="gelu", teacher="relu", label_noise_std=0.3, c_L=2.0,
                       lr_gamma=0.9, adam_beta1=0.8, adam_beta2=0.99, adam_eps=1e-7, seed=4)
DEFAULT_SIZES = dict(n=2000, d=1000, h=1500, activation="tanh", teacher="softplus", label_noise_std=0.3)


def assert_same_fields(got, want) -> None:
    """Every dataclass field equal (arrays exactly), whatever `compare=` says."""
    assert type(got) is type(want)
    for f in dataclasses.fields(want):
        a, b = getattr(got, f.name), getattr(want, f.name)
        if f.name in ("_law", "_profile"):
            for g in dataclasses.fields(b):
                np.testing.assert_array_equal(getattr(a, g.name), getattr(b, g.name), err_msg=f"{f.name}.{g.name}")
        elif f.name == "spectrum" and b is not None:
            assert_same_fields(a, b)
        else:
            np.testing.assert_array_equal(a, b, err_msg=f.name)


def test_default_config_one_step_equals_the_theory_call():
    config = Config()
    want = theory.predict_one_step("adam", 1.0, **DEFAULT_SIZES, readout_scale=1.0, c_L=2.0)
    assert_same_fields(htcore.predict_one_step(config), want)
    want_law = theory.one_step_spectrum("adam", 1.0, **DEFAULT_SIZES, readout_scale=1.0, c_L=2.0)
    assert_same_fields(htcore.one_step_spectrum(config), want_law)
    closed = theory.predict_one_step("adam", 1.0, **DEFAULT_SIZES, c_L=2.0, law=False)
    assert_same_fields(htcore.predict_one_step(config, law=False), closed)


def test_default_config_trajectory_equals_the_theory_call():
    config = Config(steps=2)  # the default run, two of its ten steps (each costs a d×d eigendecomposition)
    want = theory.predict_trajectory("adam", 1.0, 2, **DEFAULT_SIZES, c_L=2.0, lr_gamma=1.0, adam_beta1=0.9,
                                     adam_beta2=0.999, adam_eps=1e-8, seed=0)
    assert_same_fields(htcore.predict_trajectory(config), want)


def test_other_config_equals_the_theory_call():
    assert_same_fields(htcore.predict_one_step(OTHER_GD), theory.predict_one_step("gd", 500.0, **OTHER_GD_ARGS))
    assert_same_fields(htcore.one_step_spectrum(OTHER_GD), theory.one_step_spectrum("gd", 500.0, **OTHER_GD_ARGS))
    adam = OTHER_ADAM.replace(readout_scale=2.0)
    args = {k: v for k, v in OTHER_ADAM_ARGS.items() if k in DEFAULT_SIZES or k in ("n", "d", "h", "c_L")}
    assert_same_fields(htcore.predict_one_step(adam, law=False),
                       theory.predict_one_step("adam", 0.1, **args, readout_scale=2.0, law=False))
    want = theory.predict_trajectory("adam", 0.1, 3, **OTHER_ADAM_ARGS)
    assert_same_fields(htcore.predict_trajectory(OTHER_ADAM), want)
    shorter = theory.predict_trajectory("adam", 0.1, 1, **OTHER_ADAM_ARGS)
    assert_same_fields(htcore.predict_trajectory(OTHER_ADAM, steps=1), shorter)


def test_readout_scale_reaches_the_theory():
    """A = readout_scale²: a larger readout moves the GD spike (the mapping is not silently dropped)."""
    small = htcore.predict_one_step(OTHER_GD, law=False)
    large = htcore.predict_one_step(OTHER_GD.replace(readout_scale=1.0), law=False)
    assert large.spike_strength != small.spike_strength


@pytest.mark.parametrize("function", ["predict_one_step", "one_step_spectrum", "predict_trajectory"])
@pytest.mark.parametrize("change, field", [(dict(weight_decay=0.01), "weight_decay"),
                                           (dict(weight_normalization=True), "weight_normalization")])
def test_unrepresentable_fields_raise_naming_the_field(function, change, field):
    config = OTHER_ADAM.replace(**change)
    with pytest.raises(TheoryConfigError, match=f"^{field}: got .*theory.{function} cannot represent"):
        getattr(htcore, function)(config)


@pytest.mark.parametrize("change, field", [(dict(optimizer="gd", momentum=0.9), "momentum"),
                                           (dict(readout_scale=2.0), "readout_scale")])
def test_trajectory_rejects_what_only_it_cannot_represent(change, field):
    config = OTHER_ADAM.replace(**change)
    with pytest.raises(TheoryConfigError, match=f"^{field}: "):
        htcore.predict_trajectory(config)
    assert config.theory_arguments("predict_one_step")["n"] == config.n  # one step: fine


def test_theory_arguments_rejects_unknown_function_and_non_configs():
    with pytest.raises(ConfigError, match="^function: got 'train'"):
        Config().theory_arguments("train")
    with pytest.raises(ConfigError, match="^config: got dict"):
        htcore.predict_one_step({"n": 10})
    assert issubclass(TheoryConfigError, ConfigError)


def test_theory_arguments_are_accepted_keywords():
    """The dicts are exactly keywords of their functions (nothing dropped or renamed on the way)."""
    import inspect

    for function in ("predict_one_step", "one_step_spectrum", "predict_trajectory"):
        params = inspect.signature(getattr(theory, function)).parameters
        args = Config().theory_arguments(function)
        assert set(args) <= set(params), function
        assert "readout_A" not in args and "adam_betas" not in args
