"""Command-line options shared by ``htcore validate``, ``python -m validation.suites`` and the tools
(``python -m validation.calibrate``, ``python -m validation.power``)."""

from __future__ import annotations

import argparse
import os

from htcore.cli import positive_int

#: What ``--quick`` changes, suite by suite (each suite's ``SIZES`` under :mod:`validation.suites`; kept
#: static so that building the parser imports no suite, and checked against the tables by
#: tests/validation/test_profile_help.py).
QUICK_HELP = ("the default: gd_one_step, adam_one_step, one_step_spectrum, scales and multi_step at the same "
              "size as --full (d = 1000) with fewer seeds; bbp at d = 500 instead of 1000; finite_size up to "
              "d = 1000 instead of 2000; spiked without the 2000×2000 shape (more seeds on the two others)")
#: What ``--full`` runs.
FULL_HELP = ("every suite at its full sizes (d = 1000, the default model; finite_size up to d = 2000, spiked up "
             "to 2000×2000) with more seeds; wall times of both profiles: docs/validation.md")


def add_profile(parser: argparse.ArgumentParser) -> None:
    """``--quick`` (the default) or ``--full``: the profile, stored as ``args.profile``."""
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", dest="profile", action="store_const", const="quick", help=QUICK_HELP)
    size.add_argument("--full", dest="profile", action="store_const", const="full", help=FULL_HELP)
    parser.set_defaults(profile="quick")


def add_workers(parser: argparse.ArgumentParser) -> None:
    """``--workers N`` (default: the number of CPUs), stored as ``args.workers``."""
    parser.add_argument("--workers", type=positive_int, default=os.cpu_count() or 1,
                        help="single-threaded worker processes (default: the number of CPUs); results do not "
                             "depend on N")
