"""The validation report: report.md (summary + a table per suite), results.json and PNG figures.

Every file is written atomically through ``htcore.store``. The figures are the suites' own (each suite
module's ``figures(data)``, :mod:`validation.suites`), drawn with the matplotlib object API
(``matplotlib.figure.Figure``, no pyplot state); the header describes each suite's sizes in its own words
(its ``describe``). This module names no suite.

Open targets (never gating) are judged by their measured error alone (:func:`open_target_verdict`);
``python -m validation.report --sync-readme`` regenerates the README's validation results from the
committed reports (:func:`readme_block`).
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict
from pathlib import Path

from matplotlib.figure import Figure

from htcore import store
from validation.checks import K_SIGMA, Check
from validation.runner import Validation
from validation.tasks import sizes_for


def _num(x: float) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:.4g}"


def _status(passed: bool) -> str:
    return "PASS" if passed else "**FAIL**"


def summary_rows(v: Validation) -> list[list[str]]:
    """One row per suite: gating checks passed/total, open targets, worst gating check (first failure or
    largest error/tolerance)."""
    rows = []
    for s in v.suites:
        w = s.worst()
        gating = s.gating
        passed = sum(c.passed for c in gating)
        rows.append([s.name, f"{passed}/{len(gating)}", str(len(s.open_targets)), w.name if w else "–",
                     _num(w.error) if w else "–", _tolerance(w) if w else "–", _status(s.passed)])
    return rows


# --------------------------------------------------------------------------- open targets
# An open target is judged by its measured error alone: "within target" only when |error| ≤ target, never
# from the K-standard-error allowance a gating check gets (with it, a 5.5 % error would "meet" a 3 % target).

#: Verdicts of an open target (:func:`open_target_verdict`).
WITHIN_TARGET = "within target"
STILL_OPEN = "open"


def open_target_value(c: Check) -> float:
    """The number the theory should reach: the bias of a comparison (its error must not exceed it), the
    limit of a bound (``Judge.bound``: the check's tolerance)."""
    return c.bias if c.comparison else c.tolerance


def open_target_se(c: Check) -> float:
    """Standard error of the measured error: for a comparison the one its tolerance uses,
    ``(tolerance − bias)/K`` (= calibrated scatter/√seeds for an ordinary comparison; the control-variate
    SE of finite_size); for a bound the sd/√seeds of the simulated values. nan when unknown."""
    if c.comparison:
        se = (c.tolerance - c.bias) / K_SIGMA
    else:
        se = c.sim_sd / math.sqrt(c.seeds) if c.seeds > 0 else math.nan
    return se if math.isfinite(se) else math.nan


def open_target_verdict(c: Check) -> str:
    """:data:`WITHIN_TARGET` iff the measured error itself is within the target (``error ≤ target``, or
    ``≥`` for a lower bound), else :data:`STILL_OPEN`. The standard error plays no part."""
    target = open_target_value(c)
    if not (math.isfinite(c.error) and math.isfinite(target)):
        return STILL_OPEN
    within = c.error >= target if c.relation == "≥" else c.error <= target
    return WITHIN_TARGET if within else STILL_OPEN


def _prediction(c: Check) -> str:
    """The predicted value, or "–" for a bound (whose limit is not a prediction; it is the tolerance)."""
    return _num(c.prediction) if c.comparison else "–"


def open_target_rows(v: Validation) -> list[list[str]]:
    """One row per open target (:data:`OPEN_HEADER`): suite, quantity, prediction, simulation, measured
    error ± its standard error, error kind, target, verdict from the error alone, why it is still open."""
    rows = []
    for s in v.suites:
        for c in s.open_targets:
            target = _num(open_target_value(c)) + (f" ({c.target})" if c.target else "")
            rows.append([s.name, c.name, _prediction(c), f"{_num(c.sim_mean)} ± {_num(c.sim_sd)} ({c.seeds} seeds)",
                         f"{_num(c.error)} ± {_num(open_target_se(c))}", c.error_kind, target,
                         open_target_verdict(c), c.why_open or "–"])
    return rows


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured markdown table."""
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(header), "|" + "---|" * len(header)] + [line(r) for r in rows])


OPEN_TARGETS_NOTE = (
    "Quantities the theory does not yet predict within the tolerance it should (never gating). Target: the "
    "number the theory should reach (a bias for a comparison, the limit for a bound). Measured error ± SE: the "
    "standard error is the one the check's tolerance uses, (tolerance − bias)/3 (calibrated scatter/√seeds), "
    "or for a bound the sd/√seeds of the simulated values. Verdict from the error alone: \"within target\" "
    "only when the measured error is within the target, else \"open\" (no 3-SE allowance). Why open: what "
    "the theory lacks, or why the row does not gate.")
SUMMARY_HEADER = ["suite", "gating checks passed", "open targets", "worst check", "error", "tolerance", "status"]
OPEN_HEADER = ["suite", "quantity", "prediction", "simulation mean ± sd", "measured error ± SE", "error kind",
               "target", "verdict", "why open"]
CHECK_HEADER = ["check", "prediction", "simulation mean ± sd", "seeds", "error", "error kind", "bias",
                "scatter (calibrated)", "tolerance", "status", "reason"]


def _tolerance(c: Check) -> str:
    return _num(c.tolerance) if c.relation == "≤" else f"≥ {_num(c.tolerance)}"


def _check_row(c: Check) -> list[str]:
    status = _status(c.passed) if c.gating else f"open target: {open_target_verdict(c)}"
    reason = c.reason + (f" — open: {c.why_open}" if not c.gating and c.why_open else "")
    return [c.name, _prediction(c), f"{_num(c.sim_mean)} ± {_num(c.sim_sd)}", f"{c.seeds} check", _num(c.error),
            c.error_kind, _num(c.bias), _num(c.scatter), _tolerance(c), status, reason]


def suite_sizes(v: Validation) -> dict[str, dict]:
    """Each suite module's sizes for the run's profile, by suite name (suites without a module: none)."""
    return {name: sizes_for(module.SIZES, v.profile, name) for name, module in v.modules.items()}


def header_lines(v: Validation) -> list[str]:
    """What produced the report: profile, each suite's sizes and seeds, calibration, code version, wall time."""
    p = v.profile
    gating = [c for s in v.suites for c in s.gating]
    passed = sum(c.passed for c in gating)
    calibration = v.calibration.describe() if v.calibration is not None else "none"
    sizes = "; ".join(f"{name}: {v.modules[name].describe(s)}" for name, s in suite_sizes(v).items())
    return [f"# htcore validate — {p.name} profile: {_status(v.passed)} ({passed}/{len(gating)} gating checks)", "",
            f"Code: {v.code_version}. Sizes and check seeds: {sizes or '–'}. {v.workers} worker(s), wall time "
            f"{v.wall_time:.0f} s. Losses are MSE without ½ (c_L = 2).", "",
            f"Check seeds: `task_seed(suite, i, role=\"check\")`; tolerances use the scatter of the {calibration} "
            "(`validation/calibration.json`, seeds with role \"calibration\", disjoint from the check seeds).", "",
            "Tolerance policy: a comparison passes iff |mean over check seeds of the per-seed error| ≤ bias + "
            "3·(calibrated scatter)/√seeds; the bias is a constant of the check, the same in every profile. "
            "Error kinds: `|mean rel|`/`|mean abs|` relative to the simulation or absolute; bounds (`mean ≤ bound`, "
            "`min ≥ bound`, …) compare a statistic of the simulation (error column) with a limit (their prediction "
            "column is –). Open targets are reported with their measured error and do not change the exit code "
            "(docs/validation.md).", ""]


def markdown(v: Validation) -> str:
    """report.md: header, summary table, open targets, then one table per suite."""
    head = header_lines(v) + ["## Summary", "", markdown_table(SUMMARY_HEADER, summary_rows(v)), "",
                              "## Open targets", "", OPEN_TARGETS_NOTE, "",
                              markdown_table(OPEN_HEADER, open_target_rows(v)), ""]
    if v.detection_limits is not None:
        head += ["## Detection limits", "",
                 "Smallest perturbation of one prediction (both signs) that makes these simulations fail the "
                 "validation (`python -m validation.power`).", "",
                 markdown_table(["perturbed prediction", "detection limit"], [list(r) for r in v.detection_limits]), ""]
    head += calibration_lines(v)
    body = []
    for s in v.suites:
        stale = v.stale.get(s.name)
        note = ([f"**Calibration stale** (judged anyway, `--accept-stale-calibration`): {'; '.join(stale)}. "
                 "Every row of this suite uses a scatter measured on other code.", ""] if stale else [])
        rows = [_check_row(c) + (["calibration stale"] if stale else []) for c in s.checks]
        header = CHECK_HEADER + (["calibration"] if stale else [])
        body += [f"## {s.name}", "", *note, markdown_table(header, rows), ""]
    return "\n".join(head + body)


def calibration_lines(v: Validation) -> list[str]:
    """Per suite: when and from which code its calibration was made, and whether it is stale."""
    if v.calibration is None:
        return []
    runs = v.calibration.runs()
    rows = [[s.name, runs.get(s.name, {}).get("date", "?"), runs.get(s.name, {}).get("code_version", "?"),
             "**stale**: " + "; ".join(v.stale[s.name]) if s.name in v.stale else "matches the code"]
            for s in v.suites]
    return ["## Calibration", "", f"The {v.calibration.describe()}; each suite's fingerprint (content hashes of "
            "the code it reaches, its calibration tasks and its sizes) is compared with the code before "
            "simulating.", "", markdown_table(["suite", "calibrated", "code then", "fingerprint"], rows), ""]


def results_json(v: Validation) -> dict:
    """Every number: profile, calibration, code version, checks and each suite's data (per-seed values)."""
    calibration = None if v.calibration is None else {"profile": v.calibration.profile, **v.calibration.meta}
    return {"profile": {**asdict(v.profile), "sizes": suite_sizes(v)}, "passed": v.passed, "workers": v.workers,
            "wall_time_s": v.wall_time, "code_version": v.code_version, "calibration": calibration,
            "detection_limits": None if v.detection_limits is None else dict(v.detection_limits),
            "suites": {s.name: {"passed": s.passed, "checks": [c.to_dict() for c in s.checks], "data": s.data}
                       for s in v.suites}}


# --------------------------------------------------------------------------- figures


def figures(v: Validation) -> dict[str, Figure]:
    """Every figure of the suites that ran, by file name: each distinct ``figures`` function of their
    modules, called once (suites that share a figure list the same function) with every suite's data."""
    data = {s.name: s.data for s in v.suites}
    out: dict[str, Figure] = {}
    for draw in dict.fromkeys(module.figures for module in v.modules.values()):
        out.update(draw(data))
    return out


def write_report(v: Validation, out: str | Path) -> list[Path]:
    """Write report.md, results.json and the figures into `out` (atomically); returns the paths."""
    out = Path(out)
    written = [store.write_text(out / "report.md", markdown(v)),
               store.write_json(out / "results.json", results_json(v))]
    return written + [store.write_figure(out / name, fig) for name, fig in figures(v).items()]


# --------------------------------------------------------------------------- README block from the committed reports
# The README's validation results (pass counts, detection limits, the full run's summary and open targets) are
# generated from the committed reports, never typed: after the reports are regenerated, run
#     python -m validation.report --sync-readme
# (tests/validation/test_docs_numbers.py fails while the README block differs from what this produces).

#: The committed reports (relative to the repository root), by profile.
COMMITTED_REPORTS = {"quick": "docs/validation-report-quick.md", "full": "docs/validation-report-full.md"}
README_BEGIN = ("<!-- validation-results: generated by `python -m validation.report --sync-readme` from "
                "docs/validation-report-quick.md and docs/validation-report-full.md; do not edit by hand -->")
README_END = "<!-- /validation-results -->"

_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_NUMBER = re.compile(r"[-+−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
_WHERE = re.compile(r"(?:,\s*|\s+at\s+)(η = [\d.]+·η_c|d = \d+|step \d+)")


def _cells(line: str) -> list[str]:
    return [c.strip().replace("\\|", "|") for c in _CELL_SPLIT.split(line.strip())[1:-1]]


def report_tables(text: str) -> dict[str, list[dict[str, str]]]:
    """Section title (the text after ``## ``; "" before the first) → rows of the section's first markdown
    table, each a dict by header cell."""
    tables: dict[str, list[dict[str, str]]] = {}
    section, lines = "", text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.lstrip().startswith("|") and section not in tables:
            header = _cells(line)
            block = []
            i += 2  # header and separator
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                block.append(dict(zip(header, _cells(lines[i]))))
                i += 1
            tables[section] = block
            continue
        i += 1
    return tables


def report_facts(text: str) -> dict[str, str]:
    """Profile, status, gating checks passed/total, code version, workers and wall time from a report's header
    ("?" for what the header does not say)."""
    facts = dict.fromkeys(("profile", "status", "passed", "total", "code", "workers", "wall_time"), "?")
    head = re.search(r"^# htcore validate — (\S+) profile: \**(PASS|FAIL)\**\s*\((\d+)/(\d+) gating checks\)", text,
                     re.MULTILINE)
    if head:
        facts.update(zip(("profile", "status", "passed", "total"), head.groups()))
    code = re.search(r"^Code: (.*?)\. ", text, re.MULTILINE)
    if code:
        facts["code"] = code.group(1)
    run = re.search(r"(\d+) worker\(s\), wall time (\d+) s", text)
    if run:
        facts["workers"], facts["wall_time"] = run.groups()
    return facts


def _leading_number(cell: str) -> float:
    m = _NUMBER.match(cell.strip().replace("−", "-"))
    return float(m.group(0)) if m else math.nan


def _column(row: dict[str, str], prefix: str) -> str:
    """The cell whose header starts with `prefix` ("" if none): headers may carry a suffix (" ± SE")."""
    return next((v for k, v in row.items() if k.startswith(prefix)), "")


def _where(values: list[str]) -> str:
    """``["η = 12·η_c", "η = 30·η_c"]`` → ``"η = 12, 30·η_c"``; ``["step 2", "step 5"]`` → ``"step 2, 5"``."""
    if not values:
        return "–"
    parts = [re.fullmatch(r"(η = |d = |step )([\d.]+)(·η_c)?", v) for v in values]
    if all(parts) and len({(p.group(1), p.group(3)) for p in parts}) == 1:
        return parts[0].group(1) + ", ".join(p.group(2) for p in parts) + (parts[0].group(3) or "")
    return ", ".join(values)


def open_target_families(rows: list[dict[str, str]]) -> list[list[str]]:
    """The rows of a report's "Open targets" table grouped by (suite, quantity without its η / d / step):
    suite, open target, where, target, measured error (range), rows within target (error alone ≤ target)."""
    groups: dict[tuple[str, str], list[tuple[str, dict[str, str]]]] = {}
    for row in rows:
        name = row.get("quantity", "")
        where = _WHERE.findall(name)
        groups.setdefault((row.get("suite", ""), _WHERE.sub("", name)), []).append((where[0] if where else "", row))
    out = []
    for (suite, family), members in groups.items():
        errors = [(_leading_number(_column(r, "measured error")), _column(r, "measured error").split(" ± ")[0])
                  for _, r in members]
        finite = sorted((e for e in errors if math.isfinite(e[0])), key=lambda e: e[0])
        error = "–" if not finite else finite[0][1] if len(finite) == 1 else f"{finite[0][1]} … {finite[-1][1]}"
        targets = [_leading_number(_column(r, "target")) for _, r in members]
        target_text = sorted({_num(t) if math.isfinite(t) else _column(r, "target")
                              for t, (_, r) in zip(targets, members)})
        judged = [(e, t, "≥" in r.get("error kind", "")) for (e, _), t, (_, r) in zip(errors, targets, members)
                  if math.isfinite(e) and math.isfinite(t)]
        within = sum(e >= t if lower else e <= t for e, t, lower in judged)
        count = f"{within} of {len(members)}" if len(judged) == len(members) else "–"
        out.append([suite, family, _where([w for w, _ in members if w]), ", ".join(target_text), error, count])
    return out


def readme_block(quick: str, full: str) -> str:
    """The README's generated validation results (between :data:`README_BEGIN` and :data:`README_END`) from
    the texts of the committed quick and full reports."""
    texts = {"quick": quick, "full": full}
    facts = {p: report_facts(t) for p, t in texts.items()}
    tables = {p: report_tables(t) for p, t in texts.items()}
    runs = "; ".join(f"**{p}** profile {f['status']}, {f['passed']}/{f['total']} gating checks (code {f['code']}, "
                     f"{f['workers']} worker(s), wall time {f['wall_time']} s, [report]({COMMITTED_REPORTS[p]}))"
                     for p, f in facts.items())
    limits = {p: {r.get("perturbed prediction", ""): r.get("detection limit", "–")
                  for r in tables[p].get("Detection limits", [])} for p in texts}
    names = list(dict.fromkeys([*limits["quick"], *limits["full"]]))
    limit_rows = [[n, limits["quick"].get(n, "–"), limits["full"].get(n, "–")] for n in names]
    summary = tables["full"].get("Summary", [])
    summary_header = list(summary[0]) if summary else SUMMARY_HEADER
    family_header = ["suite", "open target", "at", "target", "measured error", "rows within target"]
    lines = [README_BEGIN, f"Committed reports: {runs}.", "",
             "Detection limits (each report's table \"Detection limits\"):", "",
             markdown_table(["perturbed prediction", "quick detects", "full detects"], limit_rows), "",
             "Summary of the full run:", "",
             markdown_table(summary_header, [[r.get(h, "") for h in summary_header] for r in summary]), "",
             ("Open targets of the full run, grouped (the report's table \"Open targets\" gives every row with its "
              "standard error and why it is open; a row is within target only when its measured error itself is):"), "",
             markdown_table(family_header, open_target_families(tables["full"].get("Open targets", []))),
             README_END]
    return "\n".join(lines)


def readme_with_block(readme: str, block: str) -> str:
    """`readme` with the text from :data:`README_BEGIN` to :data:`README_END` (inclusive) replaced by `block`."""
    start, end = readme.find(README_BEGIN), readme.find(README_END)
    if start < 0 or end < start:
        raise ValueError("README has no generated validation-results block (markers README_BEGIN/README_END)")
    return readme[:start] + block + readme[end + len(README_END):]


def sync_readme(root: str | Path = ".") -> bool:
    """Rewrite the README's generated block from the committed reports under `root`; True if it changed."""
    root = Path(root)
    texts = {p: (root / path).read_text(encoding="utf-8") for p, path in COMMITTED_REPORTS.items()}
    readme = (root / "README.md").read_text(encoding="utf-8")
    updated = readme_with_block(readme, readme_block(texts["quick"], texts["full"]))
    if updated != readme:
        store.write_text(root / "README.md", updated)
    return updated != readme


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m validation.report",
                                     description="regenerate the README's validation results from the committed "
                                                 "reports")
    parser.add_argument("--sync-readme", action="store_true", required=True,
                        help="rewrite the README block between the markers from "
                             + ", ".join(COMMITTED_REPORTS.values()))
    parser.add_argument("--root", default=".", help="repository root (default: the current directory)")
    args = parser.parse_args()
    print("README.md updated" if sync_readme(args.root) else "README.md already up to date")
