"""The model's named choices, defined once (no heavy imports: the engine reads them at start-up).

``ACTIVATIONS``: student activations σ with Hermite statistics in :mod:`theory.hermite`;
``TEACHERS``: teacher link functions σ*; ``OPTIMIZERS``: the one-step optimisers of
:mod:`theory.one_step`. They are also the engine's allowed ``Config`` values.
"""

__all__ = ["ACTIVATIONS", "TEACHERS", "OPTIMIZERS"]

ACTIVATIONS: tuple[str, ...] = ("tanh", "erf", "relu", "gelu")
TEACHERS: tuple[str, ...] = ("softplus", "tanh", "relu", "linear")
OPTIMIZERS: tuple[str, ...] = ("gd", "adam")
