"""Connection specs as data (AEP-FS-1): shared by every org and sandbox."""
from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import jsonschema

SPECS_FILE = Path(__file__).resolve().parent.parent / "specs" / "connection_specs.json"


@functools.lru_cache(maxsize=1)
def _catalog() -> dict[str, Any]:
    return json.loads(SPECS_FILE.read_text(encoding="utf-8"))


def all_specs() -> list[dict]:
    return copy.deepcopy(_catalog()["connectionSpecs"])


def canonical_id(spec_id: str) -> str:
    """Seed 001 prints the Service Cloud id without its leading ``c``; both name the same spec."""
    return _catalog()["aliases"].get(spec_id, spec_id)


def find_spec(spec_id: str) -> dict | None:
    wanted = canonical_id(spec_id)
    return next((copy.deepcopy(s) for s in _catalog()["connectionSpecs"] if s["id"] == wanted), None)


def auth_problems(spec: dict, auth: Any) -> list[str]:
    """Why ``auth`` does not fit one of the spec's auth specs (empty when it fits)."""
    if not spec["authSpec"]:
        return []
    if not isinstance(auth, dict):
        return ["auth: an object with specName and params is required"]
    auth_spec = next((a for a in spec["authSpec"] if a["name"] == auth.get("specName")), None)
    if auth_spec is None:
        names = ", ".join(a["name"] for a in spec["authSpec"])
        return [f"auth.specName: {auth.get('specName')!r} is not one of {names}"]
    validator = jsonschema.Draft7Validator(auth_spec["spec"])
    return [f"auth.params{''.join(f'.{p}' for p in error.absolute_path)}: {error.message}"
            for error in sorted(validator.iter_errors(auth.get("params")), key=lambda e: list(e.absolute_path))]


def secret_params(spec: dict, spec_name: str | None) -> frozenset[str]:
    """The auth params declared ``format: password``: never returned in clear."""
    auth_spec = next((a for a in spec["authSpec"] if a["name"] == spec_name), None)
    if auth_spec is None:
        return frozenset()
    properties = auth_spec["spec"].get("properties", {})
    return frozenset(name for name, schema in properties.items() if schema.get("format") == "password")
