"""Command-line options shared by ``htcore validate``, ``python -m validation.suites`` and the tools
(``python -m validation.calibrate``, ``python -m validation.power``)."""

from __future__ import annotations

import argparse
import os

from htcore.cli import positive_int


def add_profile(parser: argparse.ArgumentParser) -> None:
    """``--quick`` (the default) or ``--full``: the profile, stored as ``args.profile``."""
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", dest="profile", action="store_const", const="quick",
                      help="reduced sizes, under 5 minutes on 2 cores (default)")
    size.add_argument("--full", dest="profile", action="store_const", const="full",
                      help="default sizes (h=1500, d=1000, n=2000) and more seeds, under 45 minutes")
    parser.set_defaults(profile="quick")


def add_workers(parser: argparse.ArgumentParser) -> None:
    """``--workers N`` (default: the number of CPUs), stored as ``args.workers``."""
    parser.add_argument("--workers", type=positive_int, default=os.cpu_count() or 1,
                        help="single-threaded worker processes (default: the number of CPUs); results do not "
                             "depend on N")
