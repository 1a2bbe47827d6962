"""Closed-form predictions for a run configuration, in one call: `Config` → :mod:`theory`.

:mod:`theory` never imports htcore, so the bridge lives here; the keyword arguments come from
`Config.theory_arguments` (mapping and what raises `TheoryConfigError` documented there). Each function
returns exactly what the hand-written theory call returns: the same numbers, the same classes.

``import theory`` is free here (htcore.config already loads the package for its names); the solvers
(:mod:`theory.one_step` and the rest, which pull in scipy.optimize) load on the first call, through the
package's lazy attributes, so ``import htcore`` does not pay for them.
"""

from __future__ import annotations

import theory
from htcore.config import Config, ConfigError
from theory.display import public_dir

__all__ = ["predict_one_step", "one_step_spectrum", "predict_trajectory"]


def _check_config(config: object) -> Config:
    if not isinstance(config, Config):
        raise ConfigError(f"config: got {type(config).__name__}; expected an htcore.Config")
    return config


def predict_one_step(config: Config, *, law: bool = True) -> theory.OneStepPrediction:
    """``theory.predict_one_step(config.optimizer, config.lr, **config.theory_arguments())``: the spectrum
    of W1 after the run's first step (asymptotic form; ``law`` as in the theory: True also solves the
    eigenvalue law). Units: ``sigma1``, ``bulk_edge`` are singular values of W1, ``*_eig`` eigenvalues."""
    config = _check_config(config)
    return theory.predict_one_step(config.optimizer, config.lr, law=law,
                                   **config.theory_arguments("predict_one_step"))


def one_step_spectrum(config: Config) -> theory.OneStepSpectrum:
    """``theory.one_step_spectrum(config.optimizer, config.lr, **config.theory_arguments(...))``: the whole
    eigenvalue law of W1ᵀW1 after the run's first step (``bulk_edges``, ``outliers`` are eigenvalues;
    ``*_sv`` their square roots, singular values of W1)."""
    config = _check_config(config)
    return theory.one_step_spectrum(config.optimizer, config.lr, **config.theory_arguments("one_step_spectrum"))


def predict_trajectory(config: Config, steps: int | None = None) -> theory.TrajectoryPrediction:
    """``theory.predict_trajectory(config.optimizer, config.lr, steps, **config.theory_arguments(...))``:
    predicted per-step spectral statistics of W_t, t = 0 … steps (default ``config.steps``, ≥ 1).

    The prediction is one seeded draw of the predicted law (``seed`` = ``config.seed`` selects it; it is
    not the engine's W0). Costs about one d×d eigendecomposition per step.
    """
    config = _check_config(config)
    count = config.steps if steps is None else steps
    return theory.predict_trajectory(config.optimizer, config.lr, count,
                                     **config.theory_arguments("predict_trajectory"))


__dir__ = public_dir(__name__)
