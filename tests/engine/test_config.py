"""Config: defaults, round trips, stable key, and bad values rejected with the field named."""

import math

import pytest

from htcore import Config, ConfigError


def test_defaults_are_the_reference_defaults():
    c = Config()
    assert (c.n, c.d, c.h, c.n_test) == (2000, 1000, 1500, 200)
    assert (c.label_noise_std, c.reg_lambda) == (0.3, 0.01)
    assert (c.activation, c.teacher, c.teacher_direction) == ("tanh", "softplus", "random")
    assert (c.optimizer, c.lr, c.steps, c.probe_every) == ("adam", 1.0, 10, 1)
    assert (c.adam_beta1, c.adam_beta2, c.adam_eps) == (0.9, 0.999, 1e-8)
    assert (c.readout_scale, c.eval_scaling, c.dtype) == (1.0, "intended", "float64")


def test_dict_and_toml_round_trip(tmp_path):
    c = Config(n=64, d=32, h=48, optimizer="gd", lr=1e3, weight_normalization=True, seed=7)
    assert Config.from_dict(c.to_dict()) == c
    path = tmp_path / "c.toml"
    path.write_text(c.to_toml())
    assert Config.from_toml(path) == c
    nested = tmp_path / "nested.toml"
    nested.write_text("[config]\n" + c.to_toml())
    assert Config.from_toml(nested) == c


def test_key_is_stable_and_content_based():
    assert Config().key() == Config().key()
    # Integers for float fields hash like the float, so `lr = 1` and `lr = 1.0` are one run.
    assert Config(lr=1).key() == Config(lr=1.0).key()
    assert Config(seed=1).key() != Config(seed=2).key()
    assert len(Config().key()) == 16


BAD_VALUES = [
    ("n", 0), ("d", -3), ("h", 1.5), ("n_test", "200"), ("label_noise_std", -0.1),
    ("reg_lambda", 0.0), ("activation", "sigmoid"), ("teacher", "cubic"),
    ("teacher_direction", "e2"), ("readout_scale", 0), ("optimizer", "sgd"), ("lr", -1.0),
    ("lr", math.inf), ("lr", math.nan), ("steps", -1), ("probe_every", 0), ("momentum", 1.0),
    ("weight_decay", -1e-3), ("adam_beta1", 1.0), ("adam_beta2", -0.1), ("adam_eps", 0.0),
    ("lr_gamma", 0.0), ("lr_gamma", 1.5), ("weight_normalization", 1), ("eval_scaling", "paper"),
    ("seed", -1), ("seed", True), ("dtype", "float16"),
]


@pytest.mark.parametrize("field,value", BAD_VALUES)
def test_bad_value_names_field_and_value(field, value):
    with pytest.raises(ConfigError) as info:
        Config.from_dict({field: value})
    message = str(info.value)
    assert message.startswith(f"{field}:")
    assert repr(value) in message


def test_unknown_key_lists_allowed_fields():
    with pytest.raises(ConfigError, match=r"learning_rate: unknown config field .* allowed fields: .*lr"):
        Config.from_dict({"learning_rate": 1.0})


def test_momentum_with_adam_is_rejected():
    with pytest.raises(ConfigError, match="momentum: got 0.9 with optimizer 'adam'"):
        Config(optimizer="adam", momentum=0.9)
    assert Config(optimizer="gd", momentum=0.9).momentum == 0.9


def test_config_error_is_a_value_error():
    assert issubclass(ConfigError, ValueError)


def test_missing_and_malformed_toml(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        Config.from_toml(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("lr = = 3\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Config.from_toml(bad)


def test_config_is_frozen():
    with pytest.raises(AttributeError):
        Config().lr = 2.0  # type: ignore[misc]
