"""Measure the scatter every validation tolerance uses, on seeds disjoint from the check seeds.

    python -m validation.calibrate [--profile quick full] [--only SUITE ...] [--workers N] [--out FILE] [--quiet]

For each profile, every suite's simulations are run with **calibration** seeds (``task_seed(…,
role="calibration")``, never equal to a check seed) and ``calibration_seeds`` seeds per simulation kind,
and the suites are evaluated with a recording :class:`validation.calibration.Calibration`: each check's
per-seed errors (or per-seed values, for calibrated bounds and the multi-step trajectory) go through the
same code as in a validation run, and their sample standard deviation is stored under the check's key
(with their mean, the bias measured on calibration seeds, for the record: bias allowances are stated
constants, and this is where they can be compared with a measurement that is not the judged one).
Nothing is judged here. The file (``validation/calibration.json`` by default, shipped with the package)
records per profile its shared fields, each suite's sizes, the number of seeds and the scatter of every
check, and per suite the date, code version, command, the suite's fingerprint (content hashes of the code
it reaches, its calibration tasks and its sizes: :mod:`validation.fingerprint`) and its check keys. ``htcore validate``
checks the file before simulating (exit 2 on a missing or non-finite entry), reports a suite whose
fingerprint no longer matches the code as *calibration stale* (exit 1 unless accepted), and cites each
suite's calibration in the report. Rerun it for every suite it names stale.
"""

from __future__ import annotations

import datetime
import json
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from types import ModuleType

from htcore import store
from htcore.cli import ArgParser
from validation import registry
from validation.calibration import CALIBRATION_FILE, Calibration, values_digest
from validation.fingerprint import package_roots, suite_fingerprint
from validation.options import add_workers
from validation.runner import code_version, evaluate, simulate
from validation.tasks import PROFILES, Profile, sizes_for

DEFAULT_OUT = Path(__file__).resolve().parent / CALIBRATION_FILE
FORMAT_VERSION = 3
COMMAND = "python -m validation.calibrate"


def suite_runs(profile: Profile, suites: Sequence[ModuleType], recorder: Calibration, date: str, wall_time: float,
               command: str) -> dict[str, dict]:
    """Per calibrated suite module: date, code version, command, wall time of the batch, the suite's
    fingerprint (:mod:`validation.fingerprint`), the check keys it recorded and the constants it measured."""
    roots, version = package_roots(), code_version()
    runs = {}
    for module in suites:
        suite = module.NAME
        runs[suite] = {"date": date, "code_version": version, "command": command, "batch_wall_time_s": wall_time,
                       "fingerprint": suite_fingerprint(module, profile, roots),
                       "keys": sorted(k for k in recorder.scatter if k.split("/")[0] == suite),
                       "constants": sorted(k for k in recorder.constants if k.split("/")[0] == suite)}
        runs[suite]["values"] = values_digest(runs[suite], recorder.scatter, recorder.mean, recorder.constants)
    return runs


def calibrate_profile(name: str, workers: int, progress: bool, only: tuple[str, ...] | None = None,
                      previous: dict | None = None, command: str = COMMAND) -> dict:
    """Scatter of every check of the suites in `only` (all of :mod:`validation.registry` by default) for
    profile `name`, with the metadata of the run; with `only`, the other suites' entries of `previous`
    are kept."""
    profile = PROFILES[name]
    suites = registry.select(only)
    sims = simulate(profile, suites, workers=workers, progress=progress, role="calibration")
    recorder = Calibration.recorder(name)
    evaluate(sims, recorder)
    kept = {"scatter": {}, "mean": {}, "constants": {}}
    if only and previous:
        kept = {part: {k: v for k, v in previous.get(part, {}).items() if k.split("/")[0] not in only}
                for part in kept}
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    runs = dict(previous.get("runs", {})) if only and previous else {}
    runs.update(suite_runs(profile, suites, recorder, date, round(sims.wall_time, 1), command))
    sizes = {k: v for k, v in previous.get("sizes", {}).items() if k in runs} if only and previous else {}
    sizes.update({module.NAME: sizes_for(module.SIZES, profile, module.NAME) for module in suites})
    return {"profile": asdict(profile), "sizes": json.loads(json.dumps(dict(sorted(sizes.items())))),
            "calibration_seeds": profile.calibration_seeds, "seed_role": "calibration",
            "runs": dict(sorted(runs.items())),
            "scatter": dict(sorted({**kept["scatter"], **recorder.scatter}.items())),
            "mean": dict(sorted({**kept["mean"], **recorder.mean}.items())),
            "constants": dict(sorted({**kept["constants"], **recorder.constants}.items()))}


def main(argv: Sequence[str] | None = None) -> int:
    parser = ArgParser(prog="python -m validation.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--profile", nargs="+", choices=sorted(PROFILES), default=sorted(PROFILES),
                        help="profiles to calibrate (default: all)")
    parser.add_argument("--only", nargs="+", choices=registry.names(), metavar="SUITE",
                        help="recalibrate only these suites, keeping the others' entries")
    add_workers(parser)
    parser.add_argument("--out", default=str(DEFAULT_OUT), help=f"calibration file (default {DEFAULT_OUT})")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    out = Path(args.out)
    data = json.loads(out.read_text()) if out.exists() else {}
    data.update({"version": FORMAT_VERSION, "command": COMMAND})
    profiles = data.setdefault("profiles", {})
    command = " ".join([COMMAND, *map(shlex.quote, sys.argv[1:] if argv is None else argv)])
    for name in args.profile:
        only = tuple(args.only) if args.only else None
        start = time.perf_counter()
        profiles[name] = calibrate_profile(name, args.workers, not args.quiet, only, profiles.get(name), command)
        print(f"{name}: {len(profiles[name]['scatter'])} scatter entries in {time.perf_counter() - start:.0f} s")
    store.write_text(out, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
