"""Print the README's performance table from a benchmark run, so that the table cannot drift.

    python -m benches.report [PATH]

PATH is the ratio table that benches/conftest.py writes at the end of every benchmark run
(default: .benchmarks/htcore-ratios.json, or $HTCORE_BENCH_RATIOS) or a pytest-benchmark JSON file
(`--benchmark-json=PATH`), whose `extra_info` carries the same ratios. Prints a Markdown table: one row
per recorded ratio, with its target and the absolute figures recorded beside it, then the load average
of the run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benches.conftest import RATIOS_JSON

#: Recorded extras shown beside a ratio: key → (label, format).
_EXTRAS = {
    "step_ms": ("step", "{:.0f} ms"),
    "gemms_ms": ("GEMMs", "{:.0f} ms"),
    "torch_ms": ("torch", "{:.0f} ms"),
    "probe_ms": ("probe", "{:.0f} ms"),
    "run_s": ("run", "{:.2f} s"),
    "gemms_s": ("GEMMs", "{:.2f} s"),
    "peak_mb": ("peak", "{:.0f} MB"),
    "seconds": ("", "{:.2f} s"),
    "ours_ms": ("htcore", "{:.1f} ms"),
    "powerlaw_s": ("powerlaw", "{:.2f} s"),
}


def load_rows(path: Path) -> tuple[list[dict], list[float] | None]:
    """Ratio rows (name, ratio, target, meaning and extras) and the load average, from either format."""
    data = json.loads(path.read_text())
    if "ratios" in data:
        return data["ratios"], data.get("load_average")
    rows = [{"name": b["name"], **b["extra_info"]} for b in data.get("benchmarks", [])
            if "ratio" in b.get("extra_info", {})]
    return rows, None


def format_row(row: dict) -> str:
    extras = [(label + " " if label else "") + fmt.format(row[key])
              for key, (label, fmt) in _EXTRAS.items() if isinstance(row.get(key), (int, float))]
    measured = f"{row['ratio']:.2f}" + (f" ({', '.join(extras)})" if extras else "")
    verdict = "✓" if row["ratio"] <= row["target"] else "✗"
    return f"| {row['name']} | {measured} | ≤ {row['target']:g} {verdict} |"


def format_table(rows: list[dict], load: list[float] | None) -> str:
    lines = ["| ratio | measured | target |", "|---|---|---|", *map(format_row, rows)]
    if load is not None:
        lines += ["", f"Load average at the end of the run: {load[0]:.1f} / {load[1]:.1f} / "
                      f"{load[2]:.1f} (1 / 5 / 15 min)."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benches.report", description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", default=str(RATIOS_JSON),
                        help=f"ratio table or pytest-benchmark JSON (default {RATIOS_JSON})")
    args = parser.parse_args(argv)
    path = Path(args.path)
    if not path.is_file():
        print(f"benches.report: error: no benchmark output at {path}; run "
              "`python -m pytest benches/bench_engine.py --benchmark-enable` first", file=sys.stderr)
        return 2
    rows, load = load_rows(path)
    if not rows:
        print(f"benches.report: error: {path} holds no ratio", file=sys.stderr)
        return 2
    print(format_table(rows, load))
    return 0


if __name__ == "__main__":
    sys.exit(main())
