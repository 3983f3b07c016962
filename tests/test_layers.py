"""The structure reads one way, checked on the import graph of src/warden (every import, also inside
functions): no cycles, and nothing below the screening service imports it or anything above it."""

from __future__ import annotations

import ast
from pathlib import Path

import warden

SRC = Path(warden.__file__).resolve().parent
BELOW = ("warden.categories", "warden.errors", "warden.settings", "warden.detect", "warden.policy",
         "warden.decide", "warden.store")
ABOVE = ("warden.screening", "warden.enforce", "warden.review", "warden.runtime", "warden.api", "warden.cli")
# Shells may reach up (a CLI module builds the runtime).
SHELLS = {"warden.detect.cli", "warden.policy.cli"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                subs = {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules}
                targets |= subs or {base}
                if len(subs) < len(node.names):
                    targets.add(base)
        graph[name] = {t for t in (resolve(x) for x in targets if x.startswith("warden")) if t and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_there_are_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_nothing_below_the_screening_service_imports_it_or_above() -> None:
    upward = sorted(
        f"{name} -> {target}"
        for name, targets in _graph().items()
        if _within(name, BELOW) and name not in SHELLS
        for target in targets
        if _within(target, ABOVE)
    )
    assert upward == []


def test_the_graph_is_read() -> None:  # the checks above would pass vacuously on an empty graph
    graph = _graph()
    assert "warden.decide" in graph["warden.screening"] and "warden.screening" in graph["warden.runtime"]
    assert "warden.enforce.casework" in graph["warden.enforce.appeals"]
