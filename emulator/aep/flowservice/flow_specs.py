"""flowSpecs as data (AEP-FS-4), shared by every org and sandbox, and validation against their schemas.

A flow's ``scheduleParams``, ``transformations[].params``, ``options`` and a
run's ``params`` are validated with ``jsonschema`` against the flowSpec's own
draft-07 schemas, after coercing values to the type the schema gives (numeric
strings where it says integer, ``0`` where it says string: what the seed and
aepp send).
"""
from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema

FLOW_SPECS_FILE = Path(__file__).resolve().parent.parent / "specs" / "flow_specs.json"
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


@functools.lru_cache(maxsize=1)
def _catalog() -> dict[str, Any]:
    return json.loads(FLOW_SPECS_FILE.read_text(encoding="utf-8"))


def all_specs() -> list[dict]:
    return copy.deepcopy(_catalog()["flowSpecs"])


def find(spec_id: str) -> dict | None:
    """The flowSpec (shared, not a copy: callers must not change it)."""
    return next((s for s in _catalog()["flowSpecs"] if s["id"] == spec_id), None)


def coerce(value: Any, schema: Any) -> Any:
    """``value`` with numbers-as-strings and strings-as-numbers turned into the schema's type."""
    if not isinstance(schema, dict):
        return value
    kind = schema.get("type")
    if kind == "integer" and isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    if kind == "number" and isinstance(value, str):
        try:
            return float(value) if not _INTEGER.fullmatch(value) else int(value)
        except ValueError:
            return value
    if kind == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict) and isinstance(schema.get("properties"), dict):
        properties = schema["properties"]
        return {k: coerce(v, properties.get(k)) for k, v in value.items()}
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [coerce(v, schema["items"]) for v in value]
    return value


@functools.lru_cache(maxsize=64)
def _validator(schema_json: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(schema_json))


def problems(value: Any, schema: dict, prefix: str) -> list[tuple[str, str]]:
    """(JSON path, message) for each way ``value`` breaks ``schema``, first path first."""
    validator = _validator(json.dumps(schema, sort_keys=True))
    found = []
    for error in sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path]):
        path = prefix + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        found.append((path, error.message))
    return found
