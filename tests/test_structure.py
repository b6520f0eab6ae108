"""The shape of portal/: features stand on the kernel and on the features below them,
never on each other in a circle; imports are written at the top of a module; and every
module can be read in one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "portal"
MAX_LINES = 300
# Where an import inside a function is fine: the app factory registers the features,
# and CLI commands and demo data reach across features on purpose.
LATE_IMPORTS_ALLOWED = ("portal", ".cli", ".demo")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """Every portal name an import statement brings in (relative imports resolved)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            parent = module.split(".") if is_package else module.split(".")[:-1]
            parent = parent[: len(parent) - (node.level - 1)]
            base = ".".join([*parent, base] if base else parent)
        return [base] + [f"{base}.{alias.name}" for alias in node.names]
    return []


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            for target in _imported(node, name, path.name == "__init__.py"):
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target.startswith("portal") and target != name:
                    edges[name].add(target)
    return edges


def _feature(module: str) -> str:
    return module.split(".")[1] if "." in module else module


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of modules (Tarjan), larger than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def test_no_import_cycle_runs_between_features():
    crossing = [g for g in _cycles(_graph()) if len({_feature(m) for m in g}) > 1]
    assert crossing == []


def test_the_cycle_check_finds_a_cycle_between_features():
    edges = {"portal.a.x": {"portal.b.y"}, "portal.b.y": {"portal.a.x"}, "portal.c": set()}
    assert _cycles(edges) == [["portal.a.x", "portal.b.y"]]


def test_no_portal_import_hides_inside_a_function():
    hidden = []
    for name, path in _modules().items():
        if name == "portal" or name.endswith(LATE_IMPORTS_ALLOWED[1:]):
            continue
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                targets = _imported(node, name, path.name == "__init__.py")
                if any(t.startswith("portal") for t in targets) or getattr(node, "level", 0):
                    hidden.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert hidden == []


def test_every_module_reads_in_one_sitting():
    long = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
