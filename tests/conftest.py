"""Test-suite wiring for the optional PyTorch cross-checks.

torch is never a dependency of htcore: the tests that compare against PyTorch autograd and
`torch.optim` (through `tests/reference_torch.py`) take the fixture `reference_torch`, carry the marker
`torch` (select or deselect them with `-m torch` / `-m "not torch"`) and are skipped, with the reason
`TORCH_SKIP_REASON`, when torch is not installed. With the environment variable
`HTCORE_REQUIRE_TORCH=1` (set by `.ci/run`) a missing torch fails those tests instead of skipping them,
so CI cannot pass without the cross-checks having run.
"""

from __future__ import annotations

import importlib.util
import os
from types import ModuleType

import pytest

REQUIRE_TORCH_ENV = "HTCORE_REQUIRE_TORCH"
TORCH_SKIP_REASON = "torch not installed: PyTorch cross-check skipped (pip install torch==2.13.0 to run it)"


def torch_installed() -> bool:
    """True when `import torch` can find the package (a broken install then fails loudly on import)."""
    return importlib.util.find_spec("torch") is not None


def torch_required() -> bool:
    return os.environ.get(REQUIRE_TORCH_ENV, "") == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "torch: cross-check against PyTorch; skipped when torch is not installed "
                   f"(a failure instead with {REQUIRE_TORCH_ENV}=1)")


def pytest_report_header(config: pytest.Config) -> str:
    if torch_installed():
        return "torch: installed, PyTorch cross-checks run"
    mode = "FAIL" if torch_required() else "are skipped"
    return f"torch: not installed, PyTorch cross-checks {mode}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that uses the `reference_torch` fixture carries the `torch` marker."""
    for item in items:
        if "reference_torch" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.torch)


def torch_reference_module() -> ModuleType:
    """`tests.reference_torch`; skips the calling test when torch is absent (fails when it is required)."""
    if not torch_installed():
        if torch_required():
            pytest.fail(f"{REQUIRE_TORCH_ENV}=1 but torch is not installed: the PyTorch cross-checks "
                        "must run here (pip install torch==2.13.0)", pytrace=False)
        pytest.skip(TORCH_SKIP_REASON)
    from tests import reference_torch

    return reference_torch


@pytest.fixture(scope="session")
def reference_torch() -> ModuleType:
    """The PyTorch reference implementation (`tests/reference_torch.py`), or a skip without torch."""
    return torch_reference_module()
