"""One GD step of the model (docs/model.md) against docs/theory.md §3 One GD step (suite `gd_one_step`).

Over η = m·η_c for m in `validation.suites._one_step_common.MULTIPLES` (0.5 … 30 times the asymptotic BBP
rate η_c) and several seeds, W1 = W0 − ηG is simulated with the engine and its σ1, σ2, ⟨v1,β⟩², ⟨u1,a/‖a‖⟩²
and per-neuron alignment mean_i cos²(w_i, β) compared with `theory.plugin_one_step` (per seed, worst seed
must pass) and `theory.predict_one_step` with the seed's realised A and ā (mean error over seeds). Loss:
MSE without ½ (c_L = 2). Tolerances and their reasons: `validation.suites._one_step_common` (constants and
check reasons). Run alone: `python -m validation.suites gd_one_step [--quick | --full] [--out DIR]
[--workers N]`.
"""

from __future__ import annotations

from validation.suites._one_step_common import describe_grid as describe
from validation.suites._one_step_common import figures, grid_suite

NAME = "gd_one_step"
#: Size d (h = 3d/2, n = 2d) and check seeds per profile.
SIZES = {"quick": {"d": 1000, "seeds": 4}, "full": {"d": 1000, "seeds": 8}}
#: One task per seed at size d; checks from the outputs in plan order.
plan, evaluate = grid_suite(NAME, "gd", SIZES)

__all__ = ["NAME", "SIZES", "describe", "evaluate", "figures", "plan"]
