"""theory/ imports form a tree-like graph: no cycle between its modules, and nothing of htcore or validation.

Every module of theory/ is parsed with `ast` (never imported): every ``import``/``from … import`` at any
depth (inside functions too), relative or absolute, and ``importlib.import_module("…")``/``__import__("…")``
with a literal name. ``from theory import NAME`` of a name the package loads lazily (its ``_EXPORTS``
table, PEP 562) counts as an import of the submodule that defines NAME. The builder is checked on small
synthetic packages (mutation twins) so that a cycle held open by a function-level import, or an engine
import hidden in a function, is really seen.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.import_graph import find_cycle, imported_names, lazy_exports, module_names, write_package

THEORY_DIR = Path(__file__).resolve().parents[2] / "theory"
FORBIDDEN = ("htcore", "validation")


def import_graph(root: Path, package: str) -> tuple[dict[str, set[str]], list[tuple[str, str]]]:
    """(intra-package edges module → imported modules, [(module, forbidden import)])."""
    modules = module_names(root, package)
    lazy = lazy_exports(root / "__init__.py") if (root / "__init__.py").is_file() else {}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    forbidden: list[tuple[str, str]] = []
    for module, path in modules.items():
        for target, attr in imported_names(module, path):
            full = f"{target}.{attr}" if attr else target
            if target.split(".")[0] in FORBIDDEN or full.split(".")[0] in FORBIDDEN:
                forbidden.append((module, full))
            if full in modules:
                edges[module].add(full)
            elif target == package and attr in lazy:
                edges[module].add(f"{package}.{lazy[attr]}")
            elif target in modules:
                edges[module].add(target)
    return edges, forbidden


# --------------------------------------------------------------------------- the real package


def test_theory_import_graph_has_no_cycle():
    edges, _ = import_graph(THEORY_DIR, "theory")
    assert find_cycle(edges) is None, " → ".join(find_cycle(edges))


def test_theory_never_imports_htcore_or_validation():
    _, forbidden = import_graph(THEORY_DIR, "theory")
    assert forbidden == []


def test_the_graph_sees_the_shared_setup():
    """Non-vacuity: the edges that replaced the one_step ↔ spectrum circle are there, the old ones gone."""
    edges, _ = import_graph(THEORY_DIR, "theory")
    assert len(edges) >= 12, sorted(edges)
    assert {"theory.setup", "theory.spectrum"} <= edges["theory.one_step"]
    assert "theory.setup" in edges["theory.spectrum"]
    assert "theory.one_step" not in edges["theory.spectrum"]
    assert "theory.hill" in edges["theory.trajectory"]
    assert edges["theory"] == {"theory._validate"}


# --------------------------------------------------------------------------- the builder, on synthetic packages


def test_a_cycle_held_open_by_a_function_level_import_is_found(tmp_path):
    root = write_package(tmp_path, {
        "a.py": "from .b import g\n",
        "b.py": "def g():\n    from .a import f\n    return f\n",
    })
    edges, _ = import_graph(root, "pkg")
    assert find_cycle(edges) in (["pkg.a", "pkg.b", "pkg.a"], ["pkg.b", "pkg.a", "pkg.b"])
    (root / "b.py").write_text("def g():\n    return 1\n", encoding="utf-8")
    assert find_cycle(import_graph(root, "pkg")[0]) is None


def test_absolute_dotted_and_lazy_imports_are_edges(tmp_path):
    root = write_package(tmp_path, {
        "__init__.py": '_EXPORTS = {"f": "a"}\n',
        "a.py": "def f():\n    import pkg.c\n",
        "b.py": "from pkg import f\n",
        "c.py": "from . import b\n",
    })
    edges, _ = import_graph(root, "pkg")
    assert edges["pkg.a"] == {"pkg.c"} and edges["pkg.b"] == {"pkg.a"} and edges["pkg.c"] == {"pkg.b"}
    assert find_cycle(edges) is not None


@pytest.mark.parametrize("text", [
    "def f():\n    import htcore\n",
    "def f():\n    from htcore.spectral import esd\n",
    "import validation.tasks as v\n",
    "import importlib\nM = importlib.import_module('htcore.kernels')\n",
])
def test_an_engine_import_anywhere_is_found(tmp_path, text):
    root = write_package(tmp_path, {"a.py": text, "b.py": "import numpy\n"})
    forbidden = import_graph(root, "pkg")[1]
    assert [m for m, _ in forbidden] == ["pkg.a"]
