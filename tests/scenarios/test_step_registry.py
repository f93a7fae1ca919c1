"""Step kinds are registered once (issue 8): the loader, the runner and schema.json read the registry,
and the scenario runner's modules import each other without cycles."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from scenarios import registry
from scenarios.loader import ScenarioFileError, load_text
from scenarios.runner import step_kind

PACKAGE = Path(registry.__file__).parent


def test_schema_json_step_part_is_the_registrys():
    on_disk = json.loads(registry.SCHEMA_PATH.read_text(encoding="utf-8"))
    assert on_disk == registry.full_schema(on_disk), "run: python3 -m scenarios.registry"


def test_every_kind_has_a_runner_schema_and_doc():
    kinds = registry.kinds()
    assert {"request", "login", "connector", "advance_clock", "freeze_clock", "set_clock", "inject_fault",
            "clear_faults"} <= set(kinds)
    for kind in kinds.values():
        assert callable(kind.run) and kind.schema and all(kind.doc)


def test_step_modules_are_found_by_name():
    modules = registry.step_modules()
    assert modules[0] == "scenarios.steps" and "scenarios.connector_step" in modules
    assert all(m == "scenarios.steps" or m.endswith("_step") for m in modules)


def test_a_kind_registered_twice_from_two_modules_is_refused():
    def other(value, ctx):
        return None
    other.__module__ = "somewhere.else"
    with pytest.raises(ValueError, match="step kind 'request' is registered twice"):
        registry.register("request", schema={}, doc=("", ""))(other)


def test_runner_and_loader_use_the_registry():
    assert step_kind({"advance_clock": "1d"}) == "advance_clock"
    assert step_kind({"expect": {"status": 200}}) == "expect"
    with pytest.raises(ScenarioFileError) as error:
        load_text("name: x\nsteps:\n  - advance_clock: 1d\n    login: {}\n", "f.yaml")
    assert str(error.value) == "f.yaml:4: steps[0].login: a step has one action, this one has advance_clock, login"


def _imports(path: Path) -> set[str]:
    """Modules of the ``scenarios`` package that ``path`` imports (anywhere, function bodies too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = [node.module] if node.module else [a.name for a in node.names]
            found.update(n.split(".")[0] for n in names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("scenarios."):
            found.add(node.module.split(".")[1])
    return found


def test_no_import_cycles_in_scenarios():
    graph = {p.stem: _imports(p) & {q.stem for q in PACKAGE.glob("*.py")} for p in PACKAGE.glob("*.py")}

    def visit(module: str, trail: tuple[str, ...]) -> None:
        assert module not in trail, f"import cycle: {' -> '.join(trail + (module,))}"
        for imported in graph.get(module, ()):
            visit(imported, trail + (module,))
    for module in graph:
        visit(module, ())


def test_scenarios_readme_generated_tables_are_current():
    from scenarios import readme
    text = readme.README.read_text(encoding="utf-8")
    assert readme.render(text) == text, "run: python3 -m scenarios.readme"
