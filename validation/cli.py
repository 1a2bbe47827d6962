"""``htcore validate`` (plugin of the ``htcore.commands`` entry-point group) and ``python -m validation.suites NAME``.

    htcore validate [--quick | --full] [--out DIR] [--workers N] [--only NAME ...] [--power] [--quiet]
                    [--calibration FILE] [--accept-stale-calibration]

Runs the suites (all, or those named by ``--only``), writes report.md, results.json and figures into DIR
(default ``validation-report``), prints the summary table and exits 0 iff every gating check passed
(open targets never count): 1 if any failed, if a suite's calibration is stale (its fingerprint no
longer matches the code; checked before anything runs, ``--accept-stale-calibration`` judges anyway and
marks the report) or on an internal error (traceback printed), 130 after Ctrl-C (one line; nothing is
kept, a validation does not resume), 2 on bad arguments, an --out that cannot
be written or a calibration file that lacks an entry or holds a non-finite or non-positive scatter (all
checked before anything runs). The framework (runner, report) is imported inside the command; the suites
come from :mod:`validation.registry`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from htcore.cli import ArgParser, InputError, check_writable_dir, run_command
from validation import registry
from validation.options import add_profile, add_workers

DEFAULT_OUT = "validation-report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options shared by ``htcore validate`` and ``python -m validation.suites``."""
    add_profile(parser)
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    add_workers(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--power", action="store_true",
                        help="also measure each prediction's detection limit on these simulations (validation.power)")
    parser.add_argument("--calibration", metavar="FILE",
                        help="calibration file (default: validation/calibration.json shipped with the package)")
    parser.add_argument("--accept-stale-calibration", action="store_true",
                        help="judge suites whose calibration no longer matches the code (marked in the report) "
                             "instead of stopping with exit 1")


def run(args: argparse.Namespace, only: Sequence[str] | None) -> int:
    """Run, write the report, print the summary; returns the exit code (0 iff all gating checks pass)."""
    from validation import runner
    from validation.calibration import Calibration, CalibrationError
    from validation.report import (
        SUMMARY_HEADER,
        WITHIN_TARGET,
        markdown_table,
        open_target_verdict,
        summary_rows,
        write_report,
    )
    from validation.tasks import PROFILES

    check_writable_dir(args.out, "--out")  # before minutes of simulation, not after
    suites = registry.select(only)
    try:
        calibration = Calibration.load(args.profile, args.calibration, [s.NAME for s in suites])
        result = runner.run_validation(PROFILES[args.profile], suites, workers=args.workers, progress=not args.quiet,
                                       calibration=calibration, accept_stale=args.accept_stale_calibration)
    except CalibrationError as err:
        raise InputError(str(err)) from None
    except runner.StaleCalibration as err:
        print(err, file=sys.stderr)
        return 1
    if args.power:
        from validation.power import table

        result.detection_limits = table(result.simulations, result.calibration)
    written = write_report(result, args.out)
    print(markdown_table(SUMMARY_HEADER, summary_rows(result)))
    open_targets = [c for s in result.suites for c in s.open_targets]
    within = sum(open_target_verdict(c) == WITHIN_TARGET for c in open_targets)
    verdict = "PASS" if result.passed else "FAIL"
    print(f"{verdict}: {args.profile} profile, {result.wall_time:.0f} s, {len(written)} files in {args.out}; "
          f"{len(open_targets)} open targets ({within} within target), listed in report.md")
    return result.exit_code


def interrupt_note(args: argparse.Namespace) -> str:
    """The Ctrl-C line's note: a validation keeps nothing (the report is written at the end) and does
    not resume."""
    return f"nothing was written to {args.out!r} (a validation does not resume: rerun the command)"


def cmd_validate(args: argparse.Namespace) -> int:
    return run(args, args.only)


def register(commands) -> None:
    """Add the ``validate`` subcommand to htcore's argparse sub-parsers (entry point ``htcore.commands``)."""
    parser = commands.add_parser("validate", help="theory vs simulation: run the validation suites, write a report")
    add_arguments(parser)
    names = registry.names()
    parser.add_argument("--only", nargs="+", choices=names, metavar="NAME",
                        help=f"run only these suites: {', '.join(names)}")
    parser.set_defaults(func=cmd_validate, interrupt_note=interrupt_note)


def suite_main(argv: Sequence[str] | None = None) -> int:
    """``python -m validation.suites NAME``: one suite alone, with the same options as ``htcore validate``."""
    prog = "python -m validation.suites"
    parser = ArgParser(prog=prog, description="run one validation suite alone (as htcore validate --only NAME)")
    parser.add_argument("suite", choices=registry.names(), metavar="NAME",
                        help=f"the suite: {', '.join(registry.names())}")
    add_arguments(parser)
    parser.set_defaults(interrupt_note=interrupt_note)
    return run_command(prog, lambda args: run(args, (args.suite,)), parser.parse_args(argv))
