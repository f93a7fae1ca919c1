"""The one list of step kinds: the loader, the runner and ``schema.json`` all read it.

A step kind is registered once, in its own module, with :func:`register`::

    @register("campaign", schema={"type": "object", ...}, doc=("value", "result"))
    def run_campaign(value, ctx):  # ctx: scenarios.context.RunContext
        return Result(...)

Modules are found by name: ``scenarios.steps`` (the built-in kinds) and every
``scenarios/*_step.py``. ``python -m scenarios.registry`` rewrites ``schema.json``'s step
part from the registry (a test checks the file is current).
"""
from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

SCHEMA_PATH = Path(__file__).with_name("schema.json")
STEP_KEYS = ("name", "expect", "save")  # keys of every step besides its one action


@dataclass(frozen=True)
class StepKind:
    """One action key of a step: how it runs and what its value may be."""

    name: str
    run: Callable[[Any, Any], Any]  # (value, RunContext) -> Result
    schema: dict  # JSON Schema of the value (may use "#/$defs/<name>" of ``defs``)
    defs: dict  # extra ``$defs`` the value's schema refers to
    doc: tuple[str, str]  # (value, result) for the README's step table
    defines: tuple[str, ...] = ()  # variables a step of this kind sets
    check: Callable[[Any], list[tuple[tuple, str]]] | None = None  # extra (sub-path, message) problems


_KINDS: dict[str, StepKind] = {}


def register(name: str, *, schema: dict, doc: tuple[str, str], defs: dict | None = None,
             defines: tuple[str, ...] = (), check: Callable[[Any], list[tuple[tuple, str]]] | None = None
             ) -> Callable[[Callable], Callable]:
    """Decorator: the function runs steps whose action key is ``name``."""
    def add(run: Callable) -> Callable:
        existing = _KINDS.get(name)
        if existing is not None and existing.run.__module__ != run.__module__:
            raise ValueError(f"step kind {name!r} is registered twice ({existing.run.__module__}, {run.__module__})")
        _KINDS[name] = StepKind(name, run, schema, dict(defs or {}), doc, tuple(defines), check)
        return run
    return add


def step_modules() -> list[str]:
    """``scenarios.steps`` and every ``scenarios.*_step`` module, sorted."""
    package = Path(__file__).parent
    found = sorted(m.name for m in pkgutil.iter_modules([str(package)]) if m.name.endswith("_step"))
    return [f"{__package__}.steps", *(f"{__package__}.{name}" for name in found)]


@lru_cache(maxsize=1)
def kinds() -> dict[str, StepKind]:
    """Every registered step kind by action key, in registration order."""
    for module in step_modules():
        importlib.import_module(module)
    return dict(_KINDS)


def actions() -> tuple[str, ...]:
    return tuple(kinds())


def kind_of(step: dict[str, Any]) -> StepKind | None:
    """The kind of a step (its first action key), None for an expect/save-only step."""
    return next((kind for name, kind in kinds().items() if name in step), None)


def step_schema() -> tuple[dict, dict]:
    """The ``$defs.step`` schema and the extra ``$defs`` it needs, derived from the registry."""
    properties: dict[str, Any] = {"name": {"type": "string"}}
    defs: dict[str, Any] = {}
    for kind in kinds().values():
        properties[kind.name] = kind.schema
        defs.update(kind.defs)
    properties["expect"] = {"$ref": "#/$defs/expect"}
    properties["save"] = {"$ref": "#/$defs/save"}
    step = {"type": "object", "additionalProperties": False, "minProperties": 1, "properties": properties}
    return step, defs


def full_schema(base: dict) -> dict:
    """``base`` (the scenario schema) with its step part replaced by the registry's."""
    schema = json.loads(json.dumps(base))
    step, defs = step_schema()
    schema["$defs"]["step"] = step
    schema["$defs"].update(defs)
    return schema


def main() -> int:
    """Rewrite ``schema.json`` so its step part matches the registry."""
    base = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    SCHEMA_PATH.write_text(json.dumps(full_schema(base), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {SCHEMA_PATH} ({len(kinds())} step kinds)")
    return 0


if __name__ == "__main__":
    from scenarios import registry as _registry  # the module the step kinds register into
    sys.exit(_registry.main())
