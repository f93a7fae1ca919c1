"""The package layout keeps its arrows pointing one way (issue 8): no import cycles, no upward imports."""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("crm_harness", "emulator", "scenarios", "connector", "fixtures")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[:len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    candidate = f"{target}.{alias.name}"
                    graph[name].add(candidate if candidate in modules else target)
            elif isinstance(node, ast.Import):
                graph[name].update(alias.name for alias in node.names)
    return graph


def _cycles(graph: dict[str, set[str]], modules: dict[str, Path]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in modules:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return cycles


def test_no_import_cycles():
    modules = _modules()
    assert _cycles(_imports(modules), modules) == []


def test_the_arrows_point_one_way():
    """connector never imports emulator; the core imports no service, no CLI and not the fixtures package."""
    modules = _modules()
    graph = _imports(modules)
    for name, targets in graph.items():
        if name.startswith("connector"):
            assert not any(t.startswith(("emulator", "scenarios", "crm_harness")) for t in targets), name
        if name.startswith("emulator.core"):
            assert not any(t.startswith(("emulator.salesforce", "emulator.aep", "emulator.app", "emulator.config",
                                         "fixtures", "scenarios", "crm_harness")) for t in targets), name
        if name.startswith("emulator"):
            assert not any(t.startswith(("scenarios", "crm_harness")) for t in targets), name
