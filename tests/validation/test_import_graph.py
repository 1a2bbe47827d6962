"""validation/ imports only downward through its layers, and in no circle.

Layers, lowest first (validation/__init__.py describes them):

1. framework — tasks, calibration, checks, fingerprint, parallel, runner, report, options: names no suite;
2. suites — validation.suites and its modules (``_one_step_common`` included);
3. registry — validation.registry, the list of the suites;
4. tools — validation.calibrate, validation.power;
5. entry points — validation.cli, ``python -m validation.suites`` (validation.suites.__main__) and the
   studies (validation.studies).

A module may import from its own layer or a lower one. Every module of validation/ is parsed with `ast`
(never imported, tests/import_graph.py): imports at any depth, relative or absolute; the registry's module
names (it imports the suites on use) count as its imports. Every module must belong to a layer, so a new
module has to be placed. The rules are checked on synthetic packages too (mutation twins), so that an
upward import hidden in a function is really seen.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.import_graph import find_cycle, imported_names, module_names, write_package

VALIDATION_DIR = Path(__file__).resolve().parents[2] / "validation"

#: Layer → its modules: exact names, or "prefix.*" for every module below a package.
LAYERS: dict[str, tuple[str, ...]] = {
    "framework": ("validation", "validation.tasks", "validation.calibration", "validation.checks",
                  "validation.fingerprint", "validation.parallel", "validation.runner", "validation.report",
                  "validation.options"),
    "suites": ("validation.suites", "validation.suites.*"),
    "registry": ("validation.registry",),
    "tools": ("validation.calibrate", "validation.power"),
    "entry points": ("validation.cli", "validation.suites.__main__", "validation.studies", "validation.studies.*"),
}


def layer_of(module: str, layers: dict[str, tuple[str, ...]] = LAYERS) -> int | None:
    """Index of the layer of `module` (an exact name beats a "prefix.*" pattern), None if it has none."""
    names = list(layers)
    for i, name in enumerate(names):
        if module in layers[name]:
            return i
    for i, name in enumerate(names):
        if any(p.endswith(".*") and module.startswith(p[:-1]) for p in layers[name]):
            return i
    return None


def registry_entries(path: Path) -> list[str]:
    """The module names of the registry's ``SUITES`` tuple literal."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target = node.target if isinstance(node, ast.AnnAssign) else (node.targets[0] if isinstance(node, ast.Assign)
                                                                      else None)
        if isinstance(target, ast.Name) and target.id == "SUITES":
            return [e.value for e in node.value.elts]
    return []


def import_graph(root: Path, package: str, registry: str | None = None) -> dict[str, set[str]]:
    """Module → the modules of the package it imports (``from a import b`` of a submodule b counts as a.b)."""
    modules = module_names(root, package)
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for target, attr in imported_names(module, path):
            full = f"{target}.{attr}" if attr else target
            if full in modules:
                edges[module].add(full)
            elif target in modules:
                edges[module].add(target)
    if registry in modules:
        edges[registry] |= {m for m in registry_entries(modules[registry]) if m in modules}
    return edges


def upward(edges: dict[str, set[str]], layers: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    """(importer, imported) for every import of a higher layer's module."""
    return sorted((a, b) for a, targets in edges.items() for b in targets
                  if layer_of(b, layers) is not None and layer_of(a, layers) is not None
                  and layer_of(b, layers) > layer_of(a, layers))


# --------------------------------------------------------------------------- the real package


@pytest.fixture(scope="module")
def edges() -> dict[str, set[str]]:
    return import_graph(VALIDATION_DIR, "validation", registry="validation.registry")


def test_validation_import_graph_has_no_cycle(edges):
    cycle = find_cycle(edges)
    assert cycle is None, " → ".join(cycle)


def test_every_module_has_a_layer(edges):
    assert [m for m in edges if layer_of(m) is None] == []


def test_imports_only_go_down_the_layers(edges):
    assert upward(edges, LAYERS) == []


def test_the_framework_names_no_suite(edges):
    """No framework module imports a suite or the registry (the layers) nor holds a suite's name as a
    string (outside docstrings)."""
    from validation import registry

    suites = set(registry.names())
    framework = [m for m in edges if layer_of(m) == 0]
    for module in framework:
        tree = ast.parse(module_names(VALIDATION_DIR, "validation")[module].read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef)) and n.body
                      and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        named = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                 and id(n) not in docstrings and n.value in suites}
        assert named == set(), (module, named)


def test_the_graph_sees_the_layers(edges):
    """Non-vacuity: the edges that make the layering are there."""
    assert len(edges) >= 25, sorted(edges)
    assert "validation.registry" in edges["validation.cli"]
    assert "validation.runner" in edges["validation.cli"] and "validation.power" in edges["validation.cli"]
    assert {"validation.suites.spiked", "validation.suites.multi_step"} <= edges["validation.registry"]
    assert {"validation.registry", "validation.runner"} <= edges["validation.calibrate"]
    assert "validation.suites.multi_step" in edges["validation.power"]
    assert "validation.suites.bbp" in edges["validation.suites.multi_step"]
    assert "validation.suites._one_step_common" in edges["validation.suites.gd_one_step"]
    assert "validation.cli" in edges["validation.suites.__main__"]
    assert "validation.suites.bbp" in edges["validation.studies.measure_bbp"]
    assert {"validation.checks", "validation.tasks"} <= edges["validation.suites.spiked"]
    assert "validation.fingerprint" in edges["validation.calibration"]


# --------------------------------------------------------------------------- the rules, on synthetic packages

SYNTHETIC_LAYERS = {"low": ("pkg", "pkg.low"), "mid": ("pkg.mid", "pkg.sub.*"), "high": ("pkg.high",)}


@pytest.mark.parametrize("low", [
    "def f():\n    from pkg import high\n",
    "def f():\n    from .high import g\n",
    "import pkg.sub.a\n",
    "from .sub import a\n",
])
def test_an_upward_import_anywhere_is_found(tmp_path, low):
    root = write_package(tmp_path, {"low.py": low, "mid.py": "from . import low\n", "high.py": "import pkg.mid\n",
                                    "sub/__init__.py": "", "sub/a.py": "from ..low import x\n"})
    found = upward(import_graph(root, "pkg"), SYNTHETIC_LAYERS)
    assert [a for a, _ in found] == ["pkg.low"], found
    (root / "low.py").write_text("x = 1\n", encoding="utf-8")
    assert upward(import_graph(root, "pkg"), SYNTHETIC_LAYERS) == []


def test_registry_entries_are_edges_and_a_cycle_through_them_is_found(tmp_path):
    root = write_package(tmp_path, {"low.py": "", "mid.py": 'SUITES = ("pkg.sub.a", "pkg.sub.b")\n',
                                    "sub/__init__.py": "", "sub/a.py": "",
                                    "sub/b.py": "def f():\n    from pkg import mid\n"})
    edges = import_graph(root, "pkg", registry="pkg.mid")
    assert edges["pkg.mid"] == {"pkg.sub.a", "pkg.sub.b"}
    assert find_cycle(edges) is not None


def test_a_module_without_a_layer_is_reported():
    assert layer_of("validation.newthing") is None
    assert layer_of("validation.suites.newsuite") == 1 and layer_of("validation.suites.__main__") == 4
