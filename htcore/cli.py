"""The `htcore` command line: thin subcommands that parse, call the library and print.

Packages that build on htcore (such as `validation`, which htcore never imports) add subcommands through
the entry-point group `htcore.commands`: each entry is a function `register(commands)` that adds its
parser to the argparse sub-parsers and sets `func` — a function of the parsed arguments returning the
exit code.

Matplotlib and the sweep machinery are imported inside the commands that use them, so that `htcore run`
starts without them.

Exit codes: 0 on success; 2 for bad input — a missing, unreadable or damaged file (not UTF-8, not TOML,
not NumPy, a damaged sweep index or metrics file, a directory where a file belongs), an invalid value or
argument, an output location that cannot be written (checked before any computation) — reported as one
line on stderr without traceback (`--traceback` shows it, for debugging); 1 for any other exception,
which is a bug of htcore: its traceback is printed, followed by a line saying so; 130 after Ctrl-C
(SIGINT): one line saying what is kept and how to resume, no traceback; 141 when stdout is closed early
(e.g. `htcore results DIR | head -1`), silently. An output directory that a command created and left
empty because it failed or was interrupted is removed again.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import select
import shlex
import shutil
import sqlite3
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from pathlib import Path

from htcore import store
from htcore.checks import SpectralInputError
from htcore.config import Config, ConfigError, parse_assignment
from htcore.train import PROBE_KEYS, Result, train
from theory.display import public_dir

__all__ = ["ArgParser", "BAD_INPUT_ERRORS", "EXIT_BAD_INPUT", "EXIT_BROKEN_PIPE", "EXIT_INTERNAL_ERROR",
           "EXIT_INTERRUPTED", "InputError", "PLUGIN_GROUP", "build_parser", "check_writable_dir",
           "check_writable_file", "main", "positive_int", "run_command"]

EXIT_INTERNAL_ERROR = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, the shell's convention
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE
PLUGIN_GROUP = "htcore.commands"


class InputError(Exception):
    """Bad command-line input found by the command line itself (an output location it cannot write)."""


#: Exceptions that mean bad input (exit code 2, one line); any other exception is an internal error.
BAD_INPUT_ERRORS: tuple[type[Exception], ...] = (ConfigError, SpectralInputError, InputError)

#: Directories created by `check_writable_dir` during the current command (deepest first per call);
#: `run_command` removes those still empty when the command fails or is interrupted.
_created_dirs: list[Path] = []


class ArgParser(argparse.ArgumentParser):
    """argparse whose usage errors are one line on stderr, exit code 2 (shared with `validation`)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def check_writable_dir(path: str | Path, option: str) -> Path:
    """Create the directory `path` (and its parents) and write and delete a temporary file in it, so a
    command fails on an unusable output location before it computes anything; InputError otherwise."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{option}: {str(path)!r} is a file, not a directory")
    missing = [p for p in (path, *path.parents) if not p.exists()]
    try:
        path.mkdir(parents=True, exist_ok=True)
        _created_dirs.extend(missing)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".htcore-write-check-"):
            pass
    except OSError as err:
        _remove_empty_created_dirs()
        raise InputError(f"{option}: cannot write to {str(path)!r}: {err.strerror or err}") from None
    return path


def check_writable_file(path: str | Path, option: str) -> Path:
    """`check_writable_dir` of the file's directory, and the file itself must not be a directory."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{option}: {str(path)!r} is a directory; give a file name")
    check_writable_dir(path.parent, option)
    return path


def _remove_empty_created_dirs() -> None:
    """Remove the directories this command created that are still empty (deepest first)."""
    for path in _created_dirs:
        with contextlib.suppress(OSError):  # not empty (the command wrote something), or gone
            path.rmdir()
    _created_dirs.clear()


def _interrupted(command: str, args: argparse.Namespace) -> str:
    """The one line printed after Ctrl-C: what is kept and how to resume (a command sets
    `interrupt_note`, a function of its arguments, when it has something to say)."""
    note = getattr(args, "interrupt_note", None)
    return f"{command}: interrupted (Ctrl-C)" + (f"; {note(args)}" if note else "")


def _stdout_closed() -> bool:
    """Whether stdout's reader is gone (poll reports an error on the write end of a pipe without a
    reader), so that a BrokenPipeError from another pipe — a worker's, a socket — stays an internal
    error. Where poll is unavailable the answer is yes."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):
        return True


def _quiet_broken_pipe() -> int:
    """stdout was closed by its reader: point it at /dev/null so that the interpreter's final flush
    does not fail again (the recipe of the Python documentation, `signal` module, SIGPIPE note)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_BROKEN_PIPE


def _internal_error(command: str, err: BaseException) -> int:
    """Print the traceback of `err` and a line calling it a bug of htcore; EXIT_INTERNAL_ERROR."""
    traceback.print_exception(type(err), err, err.__traceback__)
    print(f"{command}: internal error ({type(err).__name__}), not a problem with the input: "
          "please report it with the traceback above", file=sys.stderr)
    return EXIT_INTERNAL_ERROR


def run_command(command: str, func: Callable[[argparse.Namespace], int], args: argparse.Namespace,
                show_traceback: bool = False) -> int:
    """`func(args)` as the exit code of the command `command` (see the module docstring): bad input is
    one stderr line and EXIT_BAD_INPUT (re-raised when `show_traceback`); Ctrl-C is one stderr line and
    EXIT_INTERRUPTED; a closed stdout is EXIT_BROKEN_PIPE, silently; any other exception prints its
    traceback and a line calling it an internal error, and gives EXIT_INTERNAL_ERROR. Directories the
    command created and left empty are removed unless it succeeded."""
    _created_dirs.clear()
    code = EXIT_INTERNAL_ERROR
    try:
        code = func(args)
        return code
    except BAD_INPUT_ERRORS as err:
        if show_traceback:
            raise
        message = " ".join(str(err).split())
        print(f"{command}: error: {message}", file=sys.stderr)
        code = EXIT_BAD_INPUT
        return code
    except KeyboardInterrupt:
        print(_interrupted(command, args), file=sys.stderr)
        code = EXIT_INTERRUPTED
        return code
    except BrokenPipeError as err:
        if _stdout_closed():
            code = _quiet_broken_pipe()
            return code
        return _internal_error(command, err)
    except Exception as err:  # noqa: BLE001 — every other failure is a bug, reported as such
        return _internal_error(command, err)
    finally:
        if code != 0:
            _remove_empty_created_dirs()
        _created_dirs.clear()


def load_config(path: str | None, assignments: Sequence[str]) -> Config:
    """Config from a TOML file (defaults when `path` is None) with `key=value` overrides applied."""
    config = Config.from_toml(path) if path else Config()
    overrides = dict(parse_assignment(text) for text in assignments)
    return config.replace(**overrides) if overrides else config


def write_run(out: Path, result: Result, with_plots: bool) -> list[Path]:
    """Write a run's files into `out`, each atomically; returns the paths written."""
    summary = {
        "key": result.config.key(),
        "status": result.status,
        "diverged_at": result.diverged_at,
        "wall_time_s": result.wall_time,
        "initial": result.history[0],
        "final": result.history[-1],
    }
    written = [
        store.write_text(out / "config.toml", result.config.to_toml()),
        store.write_json(out / "history.json", result.history),
        store.write_spectra(out / "spectra.npz", result.spectra),
        store.write_npz(out / "weights.npz", {"W": result.W}),
        store.write_json(out / "summary.json", summary),
    ]
    if with_plots:
        from htcore import plots

        figures = {
            "esd.png": plots.esd_before_after(result.spectra),
            "losses.png": plots.losses_per_step(result.history),
            "alpha_sim.png": plots.alpha_and_sim_per_step(result.history),
        }
        written += [store.write_figure(out / name, fig) for name, fig in figures.items()]
    return written


def format_history(history: list[dict]) -> str:
    """The probe records as a fixed-width text table."""
    header = " ".join(f"{k:>12}" for k in PROBE_KEYS)
    rows = [" ".join(f"{r[k]:>12d}" if k == "step" else f"{r[k]:>12.5g}" for k in PROBE_KEYS)
            for r in history]
    return "\n".join([header, *rows])


def cmd_run(args: argparse.Namespace) -> int:
    config = load_config(args.config, args.set)
    out = Path(args.out if args.out else Path("runs") / config.key())
    if out.is_dir() and any(out.iterdir()) and not args.force:
        raise InputError(f"--out: {str(out)!r} is not empty (an earlier run?); choose another directory, "
                         "or pass --force to replace its contents")
    args.resolved_out = check_writable_dir(out, "--out")
    result = train(config, progress=not args.quiet)
    args.writing = True
    if args.force:
        _clear_directory(out)  # only now: a failed or interrupted training loses nothing
    written = write_run(out, result, args.plots)
    print(format_history(result.history))
    status = result.status if result.diverged_at is None else f"diverged at step {result.diverged_at}"
    print(f"status: {status}; wall time {result.wall_time:.2f} s; {len(written)} files in {out}")
    return 0


def _clear_directory(path: Path) -> None:
    """Remove every file and subdirectory of `path` (`htcore run --force`)."""
    for entry in path.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _run_interrupted(args: argparse.Namespace) -> str:
    """A run does not resume: say whether it had begun writing its files."""
    out = getattr(args, "resolved_out", None)
    if getattr(args, "writing", False):
        return (f"{str(out)!r} holds the files written before the interrupt; a run does not resume: "
                "rerun the command with --force")
    kept = f"; the earlier contents of {str(out)!r} are untouched" if out and any(out.iterdir()) else ""
    return f"nothing was written{kept} (a run does not resume: rerun the command)"


def _resume_note(args: argparse.Namespace) -> str:
    """Sweep and reproduce: finished runs are in the index; the same command resumes."""
    out = getattr(args, "resolved_out", None)
    kept = f"finished runs are kept in {str(out)!r}" if out else "nothing was started"
    if out and args.command == "sweep":
        with contextlib.suppress(ConfigError, OSError, sqlite3.Error):
            with store.SweepStore.open_existing(out) as sweep:
                counts = sweep.counts()
            done = sum(counts.get(status, 0) for status in store.DONE_STATUSES)
            kept = f"{done} of {sum(counts.values())} runs finished, kept in {str(out)!r}"
    return f"{kept}; resume with: {shlex.join(['htcore', *args.argv])}"


def cmd_spectrum(args: argparse.Namespace) -> int:
    from htcore.spectral.report import analyse, format_table, load_matrix

    if args.plot:
        check_writable_file(args.plot, "--plot")
    report = analyse(load_matrix(args.file, args.key), n_boot=args.n_boot, seed=args.seed,
                     source=str(args.file), progress=False if args.quiet else None)
    print(format_table(report))
    if args.plot:
        from htcore import plots

        cls = report.classification
        figure = plots.esd_powerlaw(report.evals, report.shape, cls.fit, cls.mp)
        print(f"plot: {store.write_figure(args.plot, figure)}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from htcore import sweep

    overrides = dict(parse_assignment(text) for text in args.set)
    spec = sweep.load_spec(args.spec, quick=args.quick, overrides=overrides)
    out = check_writable_dir(args.out if args.out else Path("runs") / "sweeps" / spec.name, "--out")
    args.resolved_out = out
    kwargs = dict(workers=args.workers, retry_failed=args.retry_failed, progress=not args.quiet,
                  claim_timeout=args.claim_timeout)
    with contextlib.ExitStack() as stack:
        client = None
        if args.scheduler:
            try:
                client = stack.enter_context(sweep.dask_client(scheduler=args.scheduler))
            except OSError as err:  # unreachable address, refused connection, timeout
                raise InputError(f"--scheduler: cannot connect to {args.scheduler!r}: {err}") from None
        elif args.dask_local:
            client = stack.enter_context(sweep.dask_client(local_workers=args.dask_local))
        report = sweep.run_sweep(spec, out, client=client, **kwargs)
    counts = ", ".join(f"{status} {n}" for status, n in report.counts.items())
    print(f"{spec.name}: ran {report.executed} runs; all runs: {counts}; results in {out} "
          f"(htcore results {out})")
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    from htcore import results

    data = results.load_sweep(args.dir)
    if args.csv:
        check_writable_file(args.csv, "--csv")
    rows = results.summarize(data)
    print(results.format_summary(data, rows))
    if args.csv:
        print(f"csv: {results.write_csv(args.csv, rows)}")
    return 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    from htcore import results
    from htcore.headline import headline_table
    from htcore.reproduce import FAMILIES, reproduce

    if args.table:
        table = headline_table(args.out)
        if not table:
            raise ConfigError(f"--out: {args.out!r} holds no reproduction (run `htcore reproduce` first)")
        print(table)
        return 0
    families = args.only or FAMILIES
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:  # before --out is created
        raise InputError(f"--only: got {unknown[0]!r}; expected one of {', '.join(FAMILIES)}")
    args.resolved_out = check_writable_dir(args.out, "--out")
    for path in reproduce(args.out, quick=args.quick, workers=args.workers, families=families,
                          progress=not args.quiet):
        print(f"figure: {path}")
    for family in families:
        print(f"\n[{family}]")
        data = results.load_sweep(Path(args.out) / family)
        print(results.format_summary(data, results.summarize(data)))
    table = headline_table(args.out)
    print(f"\nHeadline numbers beside the paper's (also in {Path(args.out) / 'headline.md'}):\n{table}")
    store.write_text(Path(args.out) / "headline.md", table + "\n")
    return 0


def _int_at_least(text: str, low: int) -> int:
    """An integer ≥ `low` from an option's text, else an argparse usage error (one line naming the option)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; expected an integer ≥ {low}") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"got {value}; expected an integer ≥ {low}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1 (anything else is a one-line usage error naming the option)."""
    return _int_at_least(text, 1)


def _nonnegative_int(text: str) -> int:
    """argparse type: an integer ≥ 0."""
    return _int_at_least(text, 0)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; expected a number of seconds > 0") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"got {text}; expected a number of seconds > 0")
    return value


def _add_sweep_parsers(commands) -> None:
    sweep_cmd = commands.add_parser("sweep", help="run a sweep (grid × repeats) into a results directory")
    sweep_cmd.add_argument("spec", help="sweep TOML: [base], [grid], repeats, seed (see docs/sweeps.md)")
    sweep_cmd.add_argument("--out", help="sweep directory (default runs/sweeps/<name>)")
    sweep_cmd.add_argument("--workers", type=positive_int,
                           help="worker processes, one core each (default: number of CPUs)")
    where = sweep_cmd.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask distributed scheduler")
    where.add_argument("--dask-local", type=positive_int, metavar="N",
                       help="run on a new Dask LocalCluster of N single-threaded worker processes")
    sweep_cmd.add_argument("--retry-failed", action="store_true", help="also re-run failed runs")
    sweep_cmd.add_argument("--claim-timeout", type=_positive_seconds, metavar="SECONDS",
                           default=store.CLAIM_TIMEOUT,
                           help="take over a run claimed by another sweep process on the same "
                                "directory after this long without its heartbeat "
                                f"(default {store.CLAIM_TIMEOUT:g})")
    sweep_cmd.add_argument("--quick", action="store_true", help="apply the spec's [quick] table")
    sweep_cmd.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                           help="fix a config field for every run (replaces a grid axis)")
    sweep_cmd.add_argument("--quiet", action="store_true", help="no progress bar")
    sweep_cmd.set_defaults(func=cmd_sweep, interrupt_note=_resume_note)
    res = commands.add_parser("results", help="summary table of a sweep directory")
    res.add_argument("dir", help="sweep directory")
    res.add_argument("--csv", metavar="PATH", help="also write the table as CSV")
    res.set_defaults(func=cmd_results)
    rep = commands.add_parser("reproduce",
                              help="run the paper's sweeps (htcore/configs/paper/*.toml), draw every figure")
    rep.add_argument("--quick", action="store_true", help="reduced sizes and repeats (< 10 min)")
    rep.add_argument("--out", default="runs/reproduce", help="output directory (default runs/reproduce)")
    rep.add_argument("--workers", type=positive_int, help="worker processes (default: CPUs)")
    rep.add_argument("--only", action="append", metavar="FAMILY",
                     help="run only this family (repeatable): single_run, lr_sweep, vary_n, "
                          "vary_noise, vary_lambda, vary_decay, weight_norm")
    rep.add_argument("--quiet", action="store_true", help="no progress bars")
    rep.add_argument("--table", action="store_true",
                     help="only print the headline numbers beside the paper's from an earlier run in --out")
    rep.set_defaults(func=cmd_reproduce, interrupt_note=_resume_note)


def build_parser() -> argparse.ArgumentParser:
    parser = ArgParser(prog="htcore", description=__doc__.splitlines()[0])
    parser.add_argument("--traceback", action="store_true", help="show tracebacks of input errors")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=ArgParser)
    run = commands.add_parser("run", help="train one configuration and write its results")
    run.add_argument("config", nargs="?", help="TOML config (defaults when omitted)")
    run.add_argument("--out", help="output directory (default runs/<config key>); it must be empty or new "
                                   "unless --force is given")
    run.add_argument("--force", action="store_true",
                     help="replace the contents of a non-empty --out (removed only after training finished)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a config field (repeatable); VALUE is read as TOML")
    run.add_argument("--plots", action="store_true", help="also write PNG figures")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=cmd_run, interrupt_note=_run_interrupted)
    spectrum = commands.add_parser("spectrum", help="spectral diagnostics of a weight matrix")
    spectrum.add_argument("file", help=".npy, .npz (see --key) or a run directory")
    spectrum.add_argument("--key", help="array name inside an .npz")
    spectrum.add_argument("--plot", metavar="PNG", help="write a log-log ESD figure to PNG")
    spectrum.add_argument("--n-boot", type=positive_int, default=200, help="bootstrap replicates (default 200)")
    spectrum.add_argument("--seed", type=_nonnegative_int, default=0, help="seed of bootstrap and baselines (≥ 0)")
    spectrum.add_argument("--quiet", action="store_true", help="no progress bar")
    spectrum.set_defaults(func=cmd_spectrum)
    _add_sweep_parsers(commands)
    for entry in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        try:
            register = entry.load()
        except ImportError as err:  # a broken plugin must not take `htcore run` down with it
            print(f"htcore: warning: subcommand {entry.name!r} unavailable: {err}", file=sys.stderr)
            continue
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `htcore` console script; returns the process exit code."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.argv = argv
    return run_command(f"htcore {args.command}", args.func, args, show_traceback=args.traceback)


if __name__ == "__main__":
    sys.exit(main())


__dir__ = public_dir(__name__)
