"""What a suite's calibration depends on, as content hashes, so that a stale calibration is detected.

A suite's **fingerprint** is

* ``modules``: for every module of ``theory``, ``htcore`` and ``validation`` (and of the suite's own top
  package, for a suite kept elsewhere) that the suite's module reaches through its imports (static
  analysis of the source, :func:`module_closure`), a hash of its source tokens without comments,
  docstrings and blank lines (:func:`source_digest`): a comment, a docstring or a reflowed line does not
  change it, any other change of the code does (a check's name or reason string included) — except the
  drawing code of the report: module-level functions named ``figures`` or ``fig_*`` (they read a suite's
  results and never feed a check) are left out, so that redrawing a figure does not call for a new
  calibration;
* ``plan``: a hash of the suite's calibration tasks (module, function and parameters of each simulation,
  seeds included) for the profile;
* ``profile``: the fields every suite shares (:class:`validation.tasks.Profile`: name, calibration seeds)
  and the suite's own sizes for that profile (its ``SIZES[profile.name]``), so that changing one suite's
  sizes makes only that suite stale.

``python -m validation.calibrate`` records it per suite in the calibration file; ``htcore validate``
recomputes it before simulating and reports a suite whose fingerprint differs as *calibration stale*,
naming what changed (:func:`differences`).

The import closure follows ``import a.b``, ``from a import b`` (relative or not, at any depth in the
module, so imports inside functions count, except under ``if __name__ == "__main__":``), and attribute
access on an imported package that names a submodule (``theory.rmt``) or a name the package loads lazily
(a module-level dict ``_EXPORTS`` or ``_LAZY`` of name → submodule, PEP 562): ``theory.bbp_lr`` reaches
``theory.one_step``.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import io
import json
import tokenize
from collections.abc import Mapping
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from validation.tasks import Profile, sizes_for

#: The packages whose modules a fingerprint covers (numpy, scipy, … are out of its reach).
PACKAGES = ("theory", "htcore", "validation")
#: Module-level dicts of a package ``__init__`` mapping a lazily loaded name to its submodule.
LAZY_TABLES = ("_EXPORTS", "_LAZY")


def package_root(name: str) -> Path:
    """Directory of the top-level package `name` in this installation (found without importing it)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"package {name!r} not found")
    return Path(spec.origin).parent


def package_roots() -> dict[str, Path]:
    """Directory of each package of :data:`PACKAGES` in this installation (found without importing)."""
    return {name: package_root(name) for name in PACKAGES}


def module_path(name: str, roots: Mapping[str, Path]) -> Path | None:
    """Source file of module `name` under `roots` (``a/b.py`` or ``a/b/__init__.py``), else None."""
    top, *rest = name.split(".")
    if top not in roots:
        return None
    base = roots[top].joinpath(*rest)
    for candidate in (base.with_suffix(".py") if rest else None, base / "__init__.py"):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def _docstring_starts(tree: ast.AST) -> set[tuple[int, int]]:
    """(line, column) where each docstring of the module, its classes and functions starts."""
    starts = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                starts.add((first.value.lineno, first.value.col_offset))
    return starts


def is_drawing(name: str) -> bool:
    """A module-level function that only draws a report figure (``figures``, ``fig_*``): not fingerprinted."""
    return name == "figures" or name.startswith("fig_")


def _drawing_lines(tree: ast.Module) -> set[int]:
    """Source lines (decorators included) of the module-level drawing functions (:func:`is_drawing`)."""
    lines: set[int] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and is_drawing(node.name):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            lines.update(range(first, (node.end_lineno or node.lineno) + 1))
    return lines


def source_digest(text: str) -> str:
    """sha256 (16 hex digits) of the source's tokens, comments, docstrings, blank lines and drawing
    functions (:func:`is_drawing`) left out."""
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING}
    tree = ast.parse(text)
    docstrings, drawing = _docstring_starts(tree), _drawing_lines(tree)
    tokens = [f"{tok.type}:{tok.string}" for tok in tokenize.generate_tokens(io.StringIO(text).readline)
              if tok.type not in skip and not (tok.type == tokenize.STRING and tok.start in docstrings)
              and tok.start[0] not in drawing]
    return hashlib.sha256("\x00".join(tokens).encode()).hexdigest()[:16]


def _resolve(module: str, is_package: bool, level: int, target: str | None) -> str:
    """Absolute name of a (possibly relative) import ``from <level dots><target>`` inside `module`."""
    if level == 0:
        return target or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _lazy_table(tree: ast.Module) -> dict[str, str]:
    """The package's lazily loaded names (module-level ``_EXPORTS``/``_LAZY`` dict literals)."""
    table: dict[str, str] = {}
    for node in tree.body:
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) else [])
        if any(isinstance(t, ast.Name) and t.id in LAZY_TABLES for t in targets) and isinstance(node.value, ast.Dict):
            for key, value in zip(node.value.keys, node.value.values):
                if isinstance(key, ast.Constant) and isinstance(value, ast.Constant):
                    table[str(key.value)] = str(value.value)
    return table


def _is_main_guard(node: ast.AST) -> bool:
    """``if __name__ == "__main__":`` (what runs only as a script does not feed a validation run)."""
    test = getattr(node, "test", None)
    return (isinstance(node, ast.If) and isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
            and test.left.id == "__name__" and any(isinstance(c, ast.Constant) and c.value == "__main__"
                                                    for c in test.comparators))


def _walk_outside_main(tree: ast.AST):
    """Every node of `tree` except those under a module-level ``if __name__ == "__main__":``."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        todo.extend(child for child in ast.iter_child_nodes(node) if not _is_main_guard(child))


def _parse(path: Path) -> tuple[ast.Module, str]:
    """(tree, text) of a source file, cached while its modification time and size stay the same."""
    stat = path.stat()
    return _parse_cached(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=512)
def _parse_cached(path: Path, mtime_ns: int, size: int) -> tuple[ast.Module, str]:
    text = path.read_text(encoding="utf-8")
    return ast.parse(text), text


def _direct_imports(name: str, roots: Mapping[str, Path]) -> set[str]:
    """Modules of :data:`PACKAGES` that module `name` imports or reaches by attribute (module docstring)."""
    path = module_path(name, roots)
    if path is None:
        return set()
    tree, _ = _parse(path)
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    bound: dict[str, str] = {}  # local name → module it is bound to

    def known(module: str) -> bool:
        return module_path(module, roots) is not None

    for node in _walk_outside_main(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name)
                top = alias.name.split(".")[0]
                bound[alias.asname or top] = alias.name if alias.asname else top
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(name, is_package, node.level, node.module)
            found.add(base)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if known(sub):
                    found.add(sub)
                    bound[alias.asname or alias.name] = sub
    for node in _walk_outside_main(tree):
        if isinstance(node, ast.Attribute):
            chain = []
            inner: ast.AST = node
            while isinstance(inner, ast.Attribute):
                chain.append(inner.attr)
                inner = inner.value
            if isinstance(inner, ast.Name) and inner.id in bound:
                module = bound[inner.id]
                for attr in reversed(chain):
                    found.add(module)
                    lazy = _lazy_table(_parse(module_path(module, roots))[0]) if known(module) else {}
                    if known(f"{module}.{attr}"):
                        module = f"{module}.{attr}"
                    elif attr in lazy:
                        found.add(f"{module}.{lazy[attr]}")
                        break
                    else:
                        break
                found.add(module)
    closed = set()
    for module in found:
        parts = module.split(".")
        closed.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))  # importing a.b runs a/__init__
    return {m for m in closed if m.split(".")[0] in roots and known(m)}


def module_closure(name: str, roots: Mapping[str, Path] | None = None) -> list[str]:
    """Every module of :data:`PACKAGES` that module `name` reaches through imports, itself included."""
    roots = package_roots() if roots is None else roots
    seen, todo = set(), [name]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(_direct_imports(module, roots) - seen)
    return sorted(m for m in seen if module_path(m, roots) is not None)


def _digest_json(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def suite_profile(suite: ModuleType, profile: Profile) -> dict[str, Any]:
    """What a suite's fingerprint records of the profile: the shared fields and the suite's own sizes."""
    shared = asdict(profile)
    sizes = sizes_for(suite.SIZES, profile, suite.NAME)
    clash = shared.keys() & sizes.keys()
    if clash:
        raise ValueError(f"suite {suite.NAME!r}: sizes {sorted(clash)} clash with the profile's own fields")
    return json.loads(json.dumps({**shared, **sizes}))


def suite_fingerprint(suite: ModuleType, profile: Profile, roots: Mapping[str, Path] | None = None) -> dict:
    """The fingerprint of the suite module `suite` (module docstring) for `profile`: the code it reaches,
    its calibration tasks (``suite.plan(profile, "calibration")``) and its sizes."""
    roots = dict(package_roots() if roots is None else roots)
    top = suite.__name__.split(".")[0]
    if top not in roots:  # a suite outside the packages of PACKAGES: its own package counts too
        roots[top] = package_root(top)
    modules = {m: source_digest(_parse(module_path(m, roots))[1]) for m in module_closure(suite.__name__, roots)}
    tasks = [[t.module, t.function, t.params] for t in suite.plan(profile, "calibration")]
    return {"modules": modules, "plan": _digest_json(tasks), "profile": suite_profile(suite, profile)}


def differences(recorded: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """What changed between a recorded fingerprint and the current one, one phrase each (empty if none)."""
    changes = []
    old, new = dict(recorded.get("modules", {})), dict(current.get("modules", {}))
    changes += [f"{m} changed" for m in sorted(old.keys() & new.keys()) if old[m] != new[m]]
    changes += [f"{m} now used" for m in sorted(new.keys() - old.keys())]
    changes += [f"{m} no longer used" for m in sorted(old.keys() - new.keys())]
    old_profile, new_profile = recorded.get("profile", {}), current.get("profile", {})
    changes += [f"profile {k}: {old_profile.get(k)!r} → {new_profile.get(k)!r}"
                for k in sorted(old_profile.keys() | new_profile.keys()) if old_profile.get(k) != new_profile.get(k)]
    if recorded.get("plan") != current.get("plan") and not any(c.startswith("profile") for c in changes):
        changes.append("the calibration tasks (seeds or parameters) changed")
    return changes
