"""The validation suites, in report order: the one place that lists them.

Adding a suite is one module under :mod:`validation.suites` (the contract is in its package docstring)
and one entry in :data:`SUITES`. The framework (:mod:`validation.runner`, :mod:`validation.report`, …)
never imports this module: the tools and the command line above it pass the suite modules down.

Entries are module names, imported when a run needs them, so that listing the suites (``htcore
--help`` builds the ``validate`` parser on every start) does not import theory and the suites. A suite's
name is the last part of its module name (its ``NAME``, checked on import).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType

#: Every suite module, in report order.
SUITES: tuple[str, ...] = (
    "validation.suites.spiked",
    "validation.suites.gd_one_step",
    "validation.suites.adam_one_step",
    "validation.suites.one_step_spectrum",
    "validation.suites.bbp",
    "validation.suites.finite_size",
    "validation.suites.scales",
    "validation.suites.multi_step",
)


def names() -> tuple[str, ...]:
    """The suites' names, in report order (nothing is imported)."""
    return tuple(module.rsplit(".", 1)[-1] for module in SUITES)


def select(only: Sequence[str] | None = None) -> list[ModuleType]:
    """The suite modules named in `only` (all when None), in report order; KeyError for an unknown name."""
    unknown = set(only or ()) - set(names())
    if unknown:
        raise KeyError(f"no suite {sorted(unknown)}: the suites are {', '.join(names())}")
    modules = []
    for name, path in zip(names(), SUITES):
        if only is None or name in only:
            module = importlib.import_module(path)
            if module.NAME != name:
                raise ValueError(f"suite module {path} has NAME {module.NAME!r}, not {name!r}")
            modules.append(module)
    return modules
