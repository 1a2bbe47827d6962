"""Shared check of the theory argument-error contract (see theory._validate)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from theory import TheoryArgumentError


def assert_argument_error(call: Callable[[], object], arg: str) -> None:
    """`call()` raises TheoryArgumentError (a ValueError) whose message is ``"<arg>=<value>: must …"``."""
    with pytest.raises(TheoryArgumentError, match=rf"^{arg}=") as err:
        call()
    assert "must" in str(err.value)
    assert isinstance(err.value, ValueError)
