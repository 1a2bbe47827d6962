"""``htcore validate --help`` says what --quick really changes: checked against every suite's SIZES."""

from __future__ import annotations

import importlib

import pytest

from htcore.cli import main
from validation.options import FULL_HELP, QUICK_HELP

SAME_SIZE = ("gd_one_step", "adam_one_step", "one_step_spectrum", "scales", "multi_step")


def sizes(suite: str) -> dict:
    return importlib.import_module(f"validation.suites.{suite}").SIZES


@pytest.mark.parametrize("suite", SAME_SIZE)
def test_suites_said_to_keep_their_size_do_and_run_fewer_seeds(suite):
    quick, full = sizes(suite)["quick"], sizes(suite)["full"]
    assert quick["d"] == full["d"] == 1000
    assert quick["seeds"] < full["seeds"]
    assert suite in QUICK_HELP.split("at the same size")[0]


def test_the_suites_said_to_shrink_do_as_said():
    bbp = sizes("bbp")
    assert (bbp["quick"]["d"], bbp["full"]["d"]) == (500, 1000) and "bbp at d = 500 instead of 1000" in QUICK_HELP
    fs = sizes("finite_size")
    assert (max(fs["quick"]["ds"]), max(fs["full"]["ds"])) == (1000, 2000)
    assert "finite_size up to d = 1000 instead of 2000" in QUICK_HELP and "finite_size up to d = 2000" in FULL_HELP
    sp = sizes("spiked")
    assert set(sp["full"]["shapes"]) - set(sp["quick"]["shapes"]) == {(2000, 2000)}
    assert set(sp["quick"]["shapes"]) < set(sp["full"]["shapes"]) and sp["quick"]["seeds"] > sp["full"]["seeds"]
    assert "spiked without the 2000×2000 shape (more seeds on the two others)" in QUICK_HELP


def test_every_suite_is_described():
    from validation.registry import SUITES

    names = {module.rsplit(".", 1)[1] for module in SUITES}
    assert names == set(SAME_SIZE) | {"bbp", "finite_size", "spiked"}


def test_help_shows_it(capsys):
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "bbp at d = 500 instead of 1000" in out and "under 5 minutes" not in out
