"""theory/ imports form a tree-like graph: no cycle between its modules, and nothing of htcore or validation.

Every module of theory/ is parsed with `ast` (never imported): every ``import``/``from … import`` at any
depth (inside functions too), relative or absolute, and ``importlib.import_module("…")``/``__import__("…")``
with a literal name. ``from theory import NAME`` of a name the package loads lazily (its ``_EXPORTS``
table, PEP 562) counts as an import of the submodule that defines NAME. The builder is checked on small
synthetic packages (mutation twins) so that a cycle held open by a function-level import, or an engine
import hidden in a function, is really seen.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

THEORY_DIR = Path(__file__).resolve().parents[2] / "theory"
FORBIDDEN = ("htcore", "validation")


def _module_names(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name → source file, for every .py file of the package below `root`."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _lazy_exports(init: Path) -> dict[str, str]:
    """The package's ``_EXPORTS`` dict literal: public name → submodule (PEP 562 lazy loading)."""
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in node.targets)
                and isinstance(node.value, ast.Dict)):
            return {k.value: v.value for k, v in zip(node.value.keys, node.value.values)
                    if isinstance(k, ast.Constant) and isinstance(v, ast.Constant)}
    return {}


def _imported_names(module: str, path: Path) -> list[tuple[str, str | None]]:
    """(absolute module name, imported attribute or None) for every import anywhere in the file."""
    is_package = path.name == "__init__.py"
    out: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out += [(target, alias.name) for alias in node.names]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and (isinstance(node.func, ast.Name) and node.func.id == "__import__"
                   or isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")):
            out.append((node.args[0].value, None))
    return out


def import_graph(root: Path, package: str) -> tuple[dict[str, set[str]], list[tuple[str, str]]]:
    """(intra-package edges module → imported modules, [(module, forbidden import)])."""
    modules = _module_names(root, package)
    lazy = _lazy_exports(root / "__init__.py") if (root / "__init__.py").is_file() else {}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    forbidden: list[tuple[str, str]] = []
    for module, path in modules.items():
        for target, attr in _imported_names(module, path):
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


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph as [m0, m1, …, m0], or None (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (found := visit(start)) is not None:
            return found
    return None


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


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    root.mkdir()
    for name, text in {"__init__.py": "", **files}.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_a_cycle_held_open_by_a_function_level_import_is_found(tmp_path):
    root = _package(tmp_path, {
        "a.py": "from .b import g\n",
        "b.py": "def g():\n    from .a import f\n    return f\n",
    })
    edges, _ = import_graph(root, "pkg")
    assert find_cycle(edges) in (["pkg.a", "pkg.b", "pkg.a"], ["pkg.b", "pkg.a", "pkg.b"])
    (root / "b.py").write_text("def g():\n    return 1\n", encoding="utf-8")
    assert find_cycle(import_graph(root, "pkg")[0]) is None


def test_absolute_dotted_and_lazy_imports_are_edges(tmp_path):
    root = _package(tmp_path, {
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
    "import validation.core as v\n",
    "import importlib\nM = importlib.import_module('htcore.kernels')\n",
])
def test_an_engine_import_anywhere_is_found(tmp_path, text):
    root = _package(tmp_path, {"a.py": text, "b.py": "import numpy\n"})
    forbidden = import_graph(root, "pkg")[1]
    assert [m for m, _ in forbidden] == ["pkg.a"]
