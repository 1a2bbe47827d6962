"""Run configuration: one frozen dataclass holding every knob of the reference model.

`Config` validates itself on construction, so an object that exists is a valid run. Errors are
`ConfigError` (a `ValueError`) naming the field, the value given and what is allowed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from htcore._toml import tomllib
from theory.display import public_dir

# The names the closed-form theory knows are the names a run may use (defined once, in theory/).
from theory.names import ACTIVATIONS, OPTIMIZERS, TEACHERS

__all__ = ["ACTIVATIONS", "DTYPES", "EVAL_SCALINGS", "OPTIMIZERS", "TEACHERS", "TEACHER_DIRECTIONS", "THEORY_C_L",
           "THEORY_FUNCTIONS", "Config", "ConfigError", "TheoryConfigError", "parse_assignment", "read_toml"]

TEACHER_DIRECTIONS = ("random", "e1")
EVAL_SCALINGS = ("intended", "reference")
DTYPES = ("float64", "float32")
#: The engine's loss is the MSE without ½, ``L = (1/n) Σ (f − y)²``: c_L = 2 in theory's ``(c_L/2n) Σ (f − y)²``.
THEORY_C_L = 2.0
#: The theory functions `Config.theory_arguments` prepares keyword arguments for.
THEORY_FUNCTIONS = ("predict_one_step", "one_step_spectrum", "predict_trajectory")


class ConfigError(ValueError):
    """A configuration value is unknown, of the wrong type or out of range.

    The message names the field, the value given and what is allowed.
    """


class TheoryConfigError(ConfigError):
    """A valid run configuration that the closed-form theory cannot represent (weight decay, weight
    normalisation, …); the message names the field, its value and what the theory supports."""


@dataclass(frozen=True)
class Config:
    """Every knob of the two-layer teacher–student experiment (see docs/model.md).

    Model: `f(x) = aᵀ σ(W x/√d)/√h`, W (h×d) and a (h) with N(0,1) entries (a scaled by
    `readout_scale`), only W trained on the MSE without ½, `L = (1/n) Σ (f(x_μ) − y_μ)²`.
    Labels `y = teacher(βᵀx) + N(0, label_noise_std²)`.

    Fields
    ------
    n, d, h, n_test : sizes (train and probe sets have n rows, the test set n_test rows).
    label_noise_std : ρ, standard deviation of the label noise (≥ 0).
    reg_lambda : λ of the ridge readout `argmin (1/n)‖ỹ − Φa‖² + (λ/h)‖a‖²` (> 0).
    activation : student σ, one of tanh, erf, relu, gelu.
    teacher : σ*, one of softplus, tanh, relu, linear.
    teacher_direction : "random" (β uniform on the sphere) or "e1" (first coordinate axis).
    readout_scale : a = readout_scale · N(0, I_h) (> 0).
    optimizer : "gd" or "adam" (PyTorch semantics).
    lr : base learning rate η (≥ 0); step t uses η·lr_gamma^(t−1).
    steps : number of full-batch steps (≥ 0).
    probe_every : probe at step 0, every probe_every steps and at the last step (≥ 1).
    momentum : heavy-ball momentum for GD (torch SGD, dampening 0); must be 0 for Adam.
    weight_decay : L2 coefficient added to the gradient, g = ∇L + weight_decay·W (≥ 0).
    adam_beta1, adam_beta2 : Adam's decay rates, in [0, 1).
    adam_eps : Adam's ε (> 0), kept exact (it matters at the default size).
    lr_gamma : step-decay factor γ in (0, 1].
    weight_normalization : rescale W to Frobenius norm √(hd) before every step.
    eval_scaling : "intended" features tanh(X̃Wᵀ/√d)/√h, or "reference" tanh(X̃Wᵀ/d)/√h
        (the published implementation's double scaling; training is unaffected).
    seed : root of the SeedSequence every array is drawn from (integer ≥ 0).
    dtype : "float64" (default) or "float32".

    `theory_arguments` maps a Config to the keyword arguments of the closed-form theory (used by
    `htcore.predict_one_step`, `htcore.one_step_spectrum` and `htcore.predict_trajectory`).
    """

    n: int = 2000
    d: int = 1000
    h: int = 1500
    n_test: int = 200
    label_noise_std: float = 0.3
    reg_lambda: float = 0.01
    activation: str = "tanh"
    teacher: str = "softplus"
    teacher_direction: str = "random"
    readout_scale: float = 1.0
    optimizer: str = "adam"
    lr: float = 1.0
    steps: int = 10
    probe_every: int = 1
    momentum: float = 0.0
    weight_decay: float = 0.0
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    adam_eps: float = 1e-8
    lr_gamma: float = 1.0
    weight_normalization: bool = False
    eval_scaling: str = "intended"
    seed: int = 0
    dtype: str = "float64"

    def __post_init__(self) -> None:
        for f in fields(self):
            _check_type(f.name, getattr(self, f.name), f.type)
            # Integers given for float fields are stored as floats so that equal configs hash equally.
            if f.type == "float":
                object.__setattr__(self, f.name, float(getattr(self, f.name)))
        for name, rule in _RULES.items():
            rule(name, getattr(self, name))
        if self.optimizer == "adam" and self.momentum != 0.0:
            raise ConfigError(
                f"momentum: got {self.momentum!r} with optimizer 'adam'; momentum applies to 'gd' only "
                "(Adam's momentum is adam_beta1), so it must be 0 for Adam"
            )

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Config:
        """Build a Config from a mapping; unknown keys raise ConfigError listing the allowed ones."""
        if not isinstance(values, dict):
            raise ConfigError(f"config: expected a table of fields, got {type(values).__name__}")
        allowed = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise ConfigError(
                f"{unknown[0]}: unknown config field (value {values[unknown[0]]!r}); "
                f"allowed fields: {', '.join(sorted(allowed))}"
            )
        return cls(**values)

    @classmethod
    def from_toml(cls, path: str | Path) -> Config:
        """Read a Config from a TOML file of `field = value` lines (top level, or a [config] table)."""
        table = read_toml(path, "config file")
        if set(table) == {"config"} and isinstance(table["config"], dict):
            table = table["config"]
        return cls.from_dict(table)

    def to_dict(self) -> dict[str, Any]:
        """All fields as a plain dict (JSON and TOML serialisable)."""
        return dataclasses.asdict(self)

    def to_toml(self) -> str:
        """The config as TOML text that `from_toml` reads back to an equal Config."""
        return "".join(f"{k} = {_toml_value(v)}\n" for k, v in self.to_dict().items())

    def replace(self, **changes: Any) -> Config:
        """A copy with some fields changed (validated like a new Config)."""
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            raise ConfigError(f"{unknown[0]}: unknown config field (value {changes[unknown[0]]!r})")
        return dataclasses.replace(self, **changes)

    def theory_arguments(self, function: str = "predict_one_step") -> dict[str, Any]:
        """Keyword arguments of the closed-form theory function `function` (one of `THEORY_FUNCTIONS`) for
        this run; the optimiser and the learning rate are the positional arguments (``htcore.predict``
        passes them).

        Mapping (the model of docs/model.md, the theory's of docs/theory.md §1):

        - n, d, h, activation, teacher, label_noise_std: the same names and meanings;
        - readout_scale: a = readout_scale·N(0, I_h) (`make_problem`), so the theory's second moment is
          A = ‖a‖²/h → readout_scale² and its ā = ‖a‖₁/h → √(2/π)·readout_scale, the expectations over the
          draw (the theory's default ā; the realised a of one seed differs by O(1/√h));
        - c_L = `THEORY_C_L` = 2: the engine's loss is the MSE without ½;
        - ``predict_trajectory`` only: lr_gamma, adam_beta1, adam_beta2, adam_eps and seed (which selects
          the theory's own realised draw, not the engine's arrays); it has no readout scale (a ~ N(0, I_h)).

        Not passed, because they do not change the first-layer spectrum's law: teacher_direction (x is
        isotropic), reg_lambda, eval_scaling, n_test and probe_every (evaluation only), dtype (the theory is
        the float64 model), steps (``htcore.predict_trajectory`` passes it). After one step, momentum (the
        first heavy-ball step is a plain GD step), lr_gamma (η_1 = lr) and Adam's β1, β2 (bias-corrected
        first step) do not matter; the one-step theory uses Adam's sign limit ε → 0.

        Raises `TheoryConfigError` naming the field for what the theory cannot represent: weight_decay > 0,
        weight_normalization, and for ``predict_trajectory`` also momentum > 0 and readout_scale ≠ 1.
        """
        if function not in THEORY_FUNCTIONS:
            raise ConfigError(f"function: got {function!r}; expected one of {', '.join(THEORY_FUNCTIONS)}")
        self._check_theory_supports(function)
        args: dict[str, Any] = dict(n=self.n, d=self.d, h=self.h, activation=self.activation, teacher=self.teacher,
                                    label_noise_std=self.label_noise_std, c_L=THEORY_C_L)
        if function == "predict_trajectory":
            return args | dict(lr_gamma=self.lr_gamma, adam_beta1=self.adam_beta1, adam_beta2=self.adam_beta2,
                               adam_eps=self.adam_eps, seed=self.seed)
        return args | dict(readout_scale=self.readout_scale)

    def _check_theory_supports(self, function: str) -> None:
        unsupported = [("weight_decay", self.weight_decay != 0.0, "weight_decay = 0"),
                       ("weight_normalization", self.weight_normalization, "weight_normalization = false")]
        if function == "predict_trajectory":
            unsupported += [("momentum", self.momentum != 0.0, "momentum = 0"),
                            ("readout_scale", self.readout_scale != 1.0, "readout_scale = 1 (a ~ N(0, I_h))")]
        for name, bad, allowed in unsupported:
            if bad:
                raise TheoryConfigError(f"{name}: got {getattr(self, name)!r}; theory.{function} cannot represent "
                                        f"it (it supports {allowed} only)")

    def key(self) -> str:
        """Stable content hash: SHA-256 (first 16 hex digits) of the fields as sorted JSON."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """The table of the TOML file `path`; every way the file can be unusable — missing, a directory,
    unreadable, not UTF-8, not TOML — raises ConfigError naming `what` and the path."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{what}: {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"{what}: {str(path)!r} is a directory, not a TOML file") from None
    except OSError as err:
        raise ConfigError(f"{what}: cannot read {str(path)!r}: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{what}: {str(path)!r} is not UTF-8 text (byte {err.start}: "
                          f"{err.object[err.start:err.start + 1]!r}); TOML files are UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{what}: {str(path)!r} is not valid TOML: {err}") from None


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse a command-line override `key=value`; the value is read as a TOML value, else a string."""
    if "=" not in text:
        raise ConfigError(f"--set: expected key=value, got {text!r}")
    key, raw = (part.strip() for part in text.split("=", 1))
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


_TYPE_NAMES = {"int": (int,), "float": (int, float), "bool": (bool,), "str": (str,)}


def _check_type(name: str, value: Any, type_name: str) -> None:
    allowed = _TYPE_NAMES[type_name]
    ok = isinstance(value, allowed) and (type_name == "bool" or not isinstance(value, bool))
    if not ok:
        raise ConfigError(
            f"{name}: got {value!r} of type {type(value).__name__}; expected {type_name}"
        )
    if type_name == "float" and not math.isfinite(value):
        raise ConfigError(f"{name}: got {value!r}; expected a finite number")


def _positive_int(name: str, value: int) -> None:
    if value < 1:
        raise ConfigError(f"{name}: got {value!r}; expected an integer ≥ 1")


def _non_negative(name: str, value: float) -> None:
    if value < 0:
        raise ConfigError(f"{name}: got {value!r}; expected a number ≥ 0")


def _positive(name: str, value: float) -> None:
    if value <= 0:
        raise ConfigError(f"{name}: got {value!r}; expected a number > 0")


def _unit_interval_open_right(name: str, value: float) -> None:
    if not 0.0 <= value < 1.0:
        raise ConfigError(f"{name}: got {value!r}; expected a number in [0, 1)")


def _decay_factor(name: str, value: float) -> None:
    if not 0.0 < value <= 1.0:
        raise ConfigError(f"{name}: got {value!r}; expected a number in (0, 1]")


def _one_of(choices: tuple[str, ...]):
    def check(name: str, value: str) -> None:
        if value not in choices:
            raise ConfigError(f"{name}: got {value!r}; expected one of {', '.join(choices)}")

    return check


_RULES = {
    "n": _positive_int,
    "d": _positive_int,
    "h": _positive_int,
    "n_test": _positive_int,
    "label_noise_std": _non_negative,
    "reg_lambda": _positive,
    "activation": _one_of(ACTIVATIONS),
    "teacher": _one_of(TEACHERS),
    "teacher_direction": _one_of(TEACHER_DIRECTIONS),
    "readout_scale": _positive,
    "optimizer": _one_of(OPTIMIZERS),
    "lr": _non_negative,
    "steps": _non_negative,
    "probe_every": _positive_int,
    "momentum": _unit_interval_open_right,
    "weight_decay": _non_negative,
    "adam_beta1": _unit_interval_open_right,
    "adam_beta2": _unit_interval_open_right,
    "adam_eps": _positive,
    "lr_gamma": _decay_factor,
    "seed": _non_negative,
    "eval_scaling": _one_of(EVAL_SCALINGS),
    "dtype": _one_of(DTYPES),
}


__dir__ = public_dir(__name__)
