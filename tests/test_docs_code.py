"""Every ```python block of README.md and docs/*.md runs, and the README's generated benchmark table is current.

The blocks of one file run in order in one namespace (a later block may use an earlier block's names), in a
subprocess with matplotlib's Agg backend, inside a temporary directory (so figures a block saves land there),
with this checkout first on the import path. Blocks are written at small sizes so that all of them take
seconds. A block that is not meant to run uses another fence: ```console or ```bash for shell commands,
```text for output or pseudo-code, ```toml for files. No python block is skipped.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)

#: Runs the blocks given as JSON on stdin ([[first line in the file, code], ...]) in one namespace; on an
#: error prints which block (by its line in the file) failed, with the traceback, and exits 1.
RUNNER = r"""
import json, sys, traceback
import matplotlib
matplotlib.use("Agg")
blocks = json.load(sys.stdin)
namespace = {"__name__": "__main__"}
for line, code in blocks:
    try:
        exec(compile(code, f"{sys.argv[1]}:{line}", "exec"), namespace)
    except BaseException:
        print(f"block at {sys.argv[1]} line {line} failed:", file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
    print(f"ok: block at line {line}", flush=True)
"""


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """(line of the first code line, code) of each ```python block of `path`, in order."""
    text = path.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in FENCE.finditer(text)]


def files_with_blocks() -> list[Path]:
    return [p for p in DOC_FILES if python_blocks(p)]


def test_the_fence_pattern_finds_blocks():
    assert python_blocks(ROOT / "README.md"), "README.md has no ```python block: the tour lost its code"


@pytest.mark.parametrize("path", files_with_blocks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_python_blocks_run(path, tmp_path):
    blocks = python_blocks(path)
    env = {**os.environ, "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(path.relative_to(ROOT))], input=json.dumps(blocks),
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert proc.returncode == 0, f"{path.name}:\n{proc.stdout}\n{proc.stderr}"
    assert proc.stdout.count("ok: block") == len(blocks)


def test_readme_benchmark_table_is_generated_from_docs_performance():
    from benches import report

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    performance = (ROOT / report.PERFORMANCE_MD).read_text(encoding="utf-8")
    assert readme.count(report.README_BEGIN) == 1 and readme.count(report.README_END) == 1
    block = readme[readme.index(report.README_BEGIN):readme.index(report.README_END) + len(report.README_END)]
    assert block == report.headline_block(performance), \
        "README benchmark table out of date: run python -m benches.report --sync-readme"


def test_benchmark_sync_writes_the_docs_table_from_a_run(tmp_path):
    """--sync-readme PATH rewrites docs/performance.md's table from a ratio file, then the README's rows."""
    from benches import report

    for name in ("README.md", str(report.PERFORMANCE_MD)):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text((ROOT / name).read_text(encoding="utf-8"), encoding="utf-8")
    rows = [{"name": name, "ratio": 0.5, "target": 1.0, "step_ms": 10.0} for name in report.HEADLINE]
    run = tmp_path / "ratios.json"
    run.write_text(json.dumps({"load_average": [1.0, 1.0, 1.0], "ratios": rows}))
    assert report.main(["--sync-readme", str(run), "--root", str(tmp_path)]) == 0
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert readme.count("| 0.50 (step 10 ms) | ≤ 1 ✓ |") == len(report.HEADLINE)
    assert report.main(["--sync-readme", "--root", str(tmp_path)]) == 0  # idempotent, from the docs alone
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == readme


def test_readme_stays_a_front_door():
    """At most 250 lines; no line over 200 characters outside tables and generated blocks."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines: move detail into docs/"
    long = [i + 1 for i, line in enumerate(lines)
            if len(line) > 200 and not line.startswith(("|", "Committed reports:", "<!--", "!["))]
    assert not long, f"README.md lines over 200 characters: {long}"
