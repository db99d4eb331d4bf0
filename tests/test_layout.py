"""The import structure of the tree, read from the source (AST), not from running it.

- no import cycle between modules of ``provenance/`` and ``cli/`` (imports inside functions
  count: they only hide a cycle);
- no module imports another module's private (``_name``) names;
- every import runs down the data flow: a stage never imports a later stage (LAYERS);
- the library never imports click, and never prints or exits.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lower numbers are earlier in the data flow; a module may import its own layer or lower ones.
LAYERS = {
    "provenance._version": 0,
    "provenance.errors": 0,
    "provenance.documents": 0,
    "provenance.options": 0,
    "provenance.progress": 0,
    "provenance.read": 1,
    "provenance.text": 2,
    "provenance.signatures": 3,
    "provenance.similarity": 4,
    "provenance.passages": 5,
    "provenance.trace": 6,
    "provenance.stores": 7,
    "provenance.scan": 8,
    "provenance.dedup": 8,
    "provenance.index": 8,
    "provenance.render": 9,
    "provenance.spark": 10,
    "provenance.spark.templates": 10,  # scan's templates and road to its passages, on Spark
    "provenance": 11,  # the package face re-exports everything
    "provenance_cli": 12,
}


def _modules() -> dict[str, Path]:
    found = {}
    for base, package in ((ROOT / "provenance", "provenance"), (ROOT / "cli", "provenance_cli")):
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([package, *parts])] = path
    return found


MODULES = _modules()


def _layer(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in LAYERS:
            return LAYERS[key]
    raise AssertionError(f"{module} has no layer in tests/test_layout.py LAYERS; add it")


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    is_package = MODULES[module].name == "__init__.py"
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import of ours in ``module``."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            names = [a.name for a in node.names]
            # "from package import submodule" imports the submodule
            subs = [n for n in names if f"{target}.{n}" in MODULES]
            out += [(f"{target}.{n}", [], node.lineno) for n in subs]
            rest = [n for n in names if n not in subs]
            if rest:
                out.append((target, rest, node.lineno))
    return [(t, names, line) for t, names, line in out
            if t.split(".")[0] in ("provenance", "provenance_cli", "cli")]


def _target_module(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


GRAPH = {m: sorted({_target_module(t) for t, _, _ in _imports(m)} - {None, m}) for m in MODULES}


def test_no_import_cycle():
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in GRAPH[m]:
            # a package's __init__ re-exporting its own modules is not a cycle with them
            if n.startswith(m + ".") or m.startswith(n + ".") and MODULES[n].name == "__init__.py":
                continue
            if state.get(n) == 1:
                cycle = stack[stack.index(n):] + [n]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in MODULES:
        if m not in state:
            visit(m)


def test_no_private_name_is_imported_from_another_module():
    bad = [f"{MODULES[m].relative_to(ROOT)}:{line} takes {names} from {t}"
           for m in MODULES for t, names, line in _imports(m)
           if _target_module(t) != m and any(n.startswith("_") and not n.startswith("__")
                                             for n in names)]
    assert not bad, "\n".join(bad)


def test_imports_run_down_the_data_flow():
    bad = []
    for m in MODULES:
        for t, _, line in _imports(m):
            target = _target_module(t)
            if target is None or target == m or target.startswith("provenance_cli"):
                continue
            if _layer(target) > _layer(m):
                bad.append(f"{MODULES[m].relative_to(ROOT)}:{line} imports {target} "
                           f"(layer {_layer(target)} > {_layer(m)})")
    assert not bad, "\n".join(bad)


def test_the_cli_is_imported_as_provenance_cli():
    bad = [f"{m}:{line}" for m in MODULES for t, _, line in _imports(m) if t.split(".")[0] == "cli"]
    assert not bad


def test_the_library_never_prints_exits_or_imports_click():
    bad = []
    for m, path in MODULES.items():
        if not m.startswith("provenance.") and m != "provenance":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id in ("print", "exit", "quit"):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} calls {node.func.id}")
            if isinstance(node, ast.Attribute) and node.attr == "exit" and \
                    isinstance(node.value, ast.Name) and node.value.id == "sys":
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} calls sys.exit")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""]
                if any(n.split(".")[0] == "click" for n in names):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} imports click")
    assert not bad, "\n".join(bad)
