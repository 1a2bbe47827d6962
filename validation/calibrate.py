"""Measure the scatter every validation tolerance uses, on seeds disjoint from the check seeds.

    python -m validation.calibrate [--profile quick full] [--only SUITE ...] [--workers N] [--out FILE] [--quiet]

For each profile, every suite's simulations are run with **calibration** seeds (``task_seed(…,
role="calibration")``, never equal to a check seed) and ``calibration_seeds`` seeds per simulation kind,
and the suites are evaluated with a recording :class:`validation.core.Calibration`: each check's
per-seed errors (or per-seed values, for calibrated bounds and the multi-step trajectory) go through the
same code as in a validation run, and their sample standard deviation is stored under the check's key
(with their mean, the bias measured on calibration seeds, for the record: bias allowances are stated
constants, and this is where they can be compared with a measurement that is not the judged one).
Nothing is judged here. The file (``validation/calibration.json`` by default, shipped with the package)
records per profile the sizes, the number of seeds, the date, the code version and the scatter of every
check; ``htcore validate`` reads it and cites it in the report. Rerun it when a suite's sizes, grid or
checks change (a check without a calibrated scatter stops the validation with a clear error).
"""

from __future__ import annotations

import datetime
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from htcore import store
from validation import SUITES
from validation.core import CALIBRATION_FILE, PROFILES, Calibration
from validation.runner import code_version, evaluate, simulate

DEFAULT_OUT = Path(__file__).resolve().parent / CALIBRATION_FILE
FORMAT_VERSION = 1


def calibrate_profile(name: str, workers: int, progress: bool, only: tuple[str, ...] | None = None,
                      previous: dict | None = None) -> dict:
    """Scatter of every check of the suites in `only` (all by default) for profile `name`, with the
    metadata of the run; with `only`, the other suites' entries of `previous` are kept."""
    profile = PROFILES[name]
    sims = simulate(profile, only=only, workers=workers, progress=progress, role="calibration")
    recorder = Calibration.recorder(name)
    evaluate(sims, recorder)
    kept = {"scatter": {}, "mean": {}}
    if only and previous:
        kept = {part: {k: v for k, v in previous.get(part, {}).items() if k.split("/")[0] not in only}
                for part in kept}
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    runs = dict(previous.get("runs", {})) if only and previous else {}
    runs.update({suite: {"date": date, "code_version": code_version()} for suite in sims.outputs})
    return {"sizes": asdict(profile), "calibration_seeds": profile.calibration_seeds, "seed_role": "calibration",
            "date": date, "code_version": code_version(), "wall_time_s": round(sims.wall_time, 1), "runs": runs,
            "scatter": dict(sorted({**kept["scatter"], **recorder.scatter}.items())),
            "mean": dict(sorted({**kept["mean"], **recorder.mean}.items()))}


def main(argv: Sequence[str] | None = None) -> int:
    from htcore.cli import ArgParser
    from validation.cli import positive_int

    parser = ArgParser(prog="python -m validation.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--profile", nargs="+", choices=sorted(PROFILES), default=sorted(PROFILES),
                        help="profiles to calibrate (default: all)")
    parser.add_argument("--only", nargs="+", choices=SUITES, metavar="SUITE",
                        help="recalibrate only these suites, keeping the others' entries")
    parser.add_argument("--workers", type=positive_int, default=os.cpu_count() or 1)
    parser.add_argument("--out", default=str(DEFAULT_OUT), help=f"calibration file (default {DEFAULT_OUT})")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    out = Path(args.out)
    data = json.loads(out.read_text()) if out.exists() else {}
    data.update({"version": FORMAT_VERSION, "command": "python -m validation.calibrate"})
    profiles = data.setdefault("profiles", {})
    for name in args.profile:
        only = tuple(args.only) if args.only else None
        profiles[name] = calibrate_profile(name, args.workers, not args.quiet, only, profiles.get(name))
        print(f"{name}: {len(profiles[name]['scatter'])} scatter entries in {profiles[name]['wall_time_s']} s")
    store.write_text(out, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
