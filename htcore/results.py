"""Summaries of a sweep directory (`htcore.store.SweepStore`): final metrics by grid point with mean ± sd
over repeats, and per-step curves. Losses are MSE without ½.

Means and standard deviations are over the runs of a grid point whose status is "ok" (diverged and
failed runs are counted, not averaged); sd is the sample standard deviation (ddof = 1), NaN for fewer
than two runs.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from htcore import store
from theory.display import public_dir

__all__ = ["COUNTED", "SUMMARY_METRICS", "TABLE_METRICS", "SweepData", "format_summary", "load_sweep",
           "mean_sd", "status_counts", "step_curves", "summarize", "write_csv"]

SUMMARY_METRICS = ("train_loss", "test_loss", "network_loss", "kta", "sim", "sigma1", "alpha_hill",
                   "alpha_ks")
TABLE_METRICS = ("train_loss", "test_loss", "kta", "sim", "alpha_hill", "alpha_ks")
COUNTED = ("ok", "diverged", "failed")


@dataclass(frozen=True)
class SweepData:
    """A sweep read back: grid axes, index rows and per-run metrics (`key` → column → array)."""

    grid: list[str]
    runs: list[dict[str, Any]]
    metrics: dict[str, dict[str, np.ndarray]]

    def __repr__(self) -> str:
        return f"SweepData(grid={self.grid!r}, runs={len(self.runs)}, metrics for {len(self.metrics)} runs)"

    def point(self, run: dict[str, Any]) -> tuple:
        """The run's grid point: its values of the grid axes."""
        return tuple(run["config"][axis] for axis in self.grid)

    def points(self) -> dict[tuple, list[dict[str, Any]]]:
        """Runs by grid point, points sorted by value."""
        groups: dict[tuple, list[dict[str, Any]]] = {}
        for run in self.runs:
            groups.setdefault(self.point(run), []).append(run)
        return dict(sorted(groups.items()))


def load_sweep(root: str | Path) -> SweepData:
    """Read a sweep directory written by `htcore.sweep.run_sweep`."""
    with store.SweepStore.open_existing(root) as sweep:
        grid, runs, table = sweep.grid, sweep.runs(), sweep.read_metrics()
    metrics: dict[str, dict[str, np.ndarray]] = {}
    if table is not None:
        columns = {name: table.column(name).to_numpy() for name in table.column_names}
        keys = columns["key"]
        for key in dict.fromkeys(keys):
            rows = keys == key
            metrics[key] = {name: values[rows] for name, values in columns.items()}
    return SweepData(grid, runs, metrics)


def mean_sd(values: np.ndarray) -> tuple[float, float]:
    """Mean and sample sd (ddof = 1; NaN when fewer than 2 values; both NaN when empty)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return math.nan, math.nan
    sd = float(np.std(values, ddof=1)) if values.size > 1 else math.nan
    return float(np.mean(values)), sd


def summarize(data: SweepData, metrics: tuple[str, ...] = SUMMARY_METRICS) -> list[dict[str, Any]]:
    """One row per grid point: the axis values, run counts by status, the final probe step and, for
    each metric m, `m_mean` and `m_sd` of its value at the final probe over the point's ok runs."""
    rows = []
    for point, runs in data.points().items():
        ok = [data.metrics[r["key"]] for r in runs if r["status"] == "ok"]
        row: dict[str, Any] = dict(zip(data.grid, point))
        row.update({f"n_{s}": sum(r["status"] == s for r in runs) for s in COUNTED})
        row["final_step"] = int(ok[0]["step"][-1]) if ok else None
        for metric in metrics:
            row[f"{metric}_mean"], row[f"{metric}_sd"] = mean_sd([m[metric][-1] for m in ok])
        rows.append(row)
    return rows


def status_counts(data: SweepData) -> dict[str, int]:
    """Number of runs per status."""
    counts: dict[str, int] = {}
    for run in data.runs:
        counts[run["status"]] = counts.get(run["status"], 0) + 1
    return counts


def format_summary(data: SweepData, rows: list[dict[str, Any]],
                   metrics: tuple[str, ...] = TABLE_METRICS) -> str:
    """Status counts, then a fixed-width table of final metrics (mean ± sd) by grid point."""
    counts = ", ".join(f"{s} {n}" for s, n in status_counts(data).items())
    header = [*data.grid, "ok/div/fail", *metrics]
    table = [[_cell(row[a]) for a in data.grid]
             + ["/".join(str(row[f"n_{s}"]) for s in COUNTED)]
             + [_mean_sd_cell(row[f"{m}_mean"], row[f"{m}_sd"]) for m in metrics] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in table)) if table else len(h)
              for i, h in enumerate(header)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(header, widths))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in table]
    return "\n".join([f"runs: {len(data.runs)} ({counts})", *lines])


def _cell(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _mean_sd_cell(mean: float, sd: float) -> str:
    if math.isnan(mean):
        return "–"
    return f"{mean:.4g}" if math.isnan(sd) else f"{mean:.4g} ± {sd:.2g}"


def write_csv(path: str | Path, rows: list[dict[str, Any]]) -> Path:
    """Write the summary rows as CSV atomically (full precision, empty cells for missing values)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else [], lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _csv_value(v) for k, v in row.items()} for row in rows)
    return store.write_text(path, buffer.getvalue())


def _csv_value(value: Any) -> Any:
    """Floats with round-trip precision (repr), missing values (None, NaN) as empty cells."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(value) if isinstance(value, float) else value


def step_curves(data: SweepData, metric: str, **where: Any) -> dict[tuple, tuple[np.ndarray, ...]]:
    """Per grid point matching `where` (axis=value filters): (steps, mean, sd) of `metric` at every
    probe step over the point's ok runs."""
    unknown = sorted(set(where) - set(data.grid))
    if unknown:
        raise ValueError(f"{unknown[0]}: not a grid axis; axes: {', '.join(data.grid)}")
    curves = {}
    for point, runs in data.points().items():
        values = dict(zip(data.grid, point))
        ok = [data.metrics[r["key"]] for r in runs if r["status"] == "ok"]
        if not ok or any(values[k] != v for k, v in where.items()):
            continue
        stacked = np.stack([m[metric] for m in ok])
        stats = [mean_sd(column) for column in stacked.T]
        curves[point] = (ok[0]["step"], *(np.array(s) for s in zip(*stats)))
    return curves


__dir__ = public_dir(__name__)
