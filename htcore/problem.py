"""The teacher–student problem: data splits, teacher direction and initialisation from one seed.

Every array comes from its own child of `SeedSequence(seed)`, identified by a fixed spawn key, so an
array depends only on the seed and its own shape: β, W0 and a depend on (seed, h, d) only, the data on
(seed, n, d, teacher, noise). Runs that differ in optimiser, learning rate or n start from the same
W0, a and β. Arrays are drawn in float64 and cast to the configured dtype.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from htcore.activations import teacher
from htcore.config import Config
from theory.display import public_dir

__all__ = ["Problem", "make_problem", "teacher_direction"]

# Fixed spawn keys: never reorder, or every seed's problem changes.
_STREAMS = {
    "beta": 0, "W0": 1, "a": 2,
    "X": 3, "noise": 4, "X_probe": 5, "noise_probe": 6, "X_test": 7, "noise_test": 8,
}


@dataclass(frozen=True)
class Problem:
    """Arrays of one experiment: train (X, y), probe (X_probe, y_probe) and test (X_test, y_test)
    sets, the unit teacher direction beta (d,), the initial first layer W0 (h×d) and the frozen
    readout a (h,). Labels are y = σ*(Xβ) + ε with ε ~ N(0, label_noise_std²) on every set."""

    X: np.ndarray
    y: np.ndarray
    X_probe: np.ndarray
    y_probe: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    beta: np.ndarray
    W0: np.ndarray
    a: np.ndarray

    def __repr__(self) -> str:
        (n, d), h = self.X.shape, self.W0.shape[0]
        return (f"Problem(n={n}, d={d}, h={h}, n_test={self.X_test.shape[0]}, dtype={self.X.dtype}; arrays X, y, "
                f"X_probe, y_probe, X_test, y_test, beta, W0 (h×d), a (h))")


def _rng(seed: int, stream: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_STREAMS[stream],)))


def teacher_direction(config: Config) -> np.ndarray:
    """β: g/‖g‖ with g ~ N(0, I_d) for "random", or the first coordinate axis for "e1" (float64)."""
    if config.teacher_direction == "e1":
        beta = np.zeros(config.d)
        beta[0] = 1.0
        return beta
    g = _rng(config.seed, "beta").standard_normal(config.d)
    return g / np.linalg.norm(g)


def _labelled_set(config: Config, beta: np.ndarray, rows: int, x_stream: str, noise_stream: str):
    X = _rng(config.seed, x_stream).standard_normal((rows, config.d))
    noise = _rng(config.seed, noise_stream).standard_normal(rows)
    y = teacher(config.teacher, X @ beta) + config.label_noise_std * noise
    return X, y


def make_problem(config: Config) -> Problem:
    """Draw the problem of `config` (see the module docstring for the seeding contract)."""
    beta = teacher_direction(config)
    X, y = _labelled_set(config, beta, config.n, "X", "noise")
    X_probe, y_probe = _labelled_set(config, beta, config.n, "X_probe", "noise_probe")
    X_test, y_test = _labelled_set(config, beta, config.n_test, "X_test", "noise_test")
    W0 = _rng(config.seed, "W0").standard_normal((config.h, config.d))
    a = config.readout_scale * _rng(config.seed, "a").standard_normal(config.h)
    dtype = np.dtype(config.dtype)
    arrays = dict(X=X, y=y, X_probe=X_probe, y_probe=y_probe, X_test=X_test, y_test=y_test,
                  beta=beta, W0=W0, a=a)
    return Problem(**{k: np.ascontiguousarray(v, dtype=dtype) for k, v in arrays.items()})


__dir__ = public_dir(__name__)
