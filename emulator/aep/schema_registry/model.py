"""The Schema Registry of one org and sandbox: tenant schemas and their resolved field trees (AEP-SR-1).

Pure state, no HTTP. Standard classes and field groups are data
(``xdm/standard.json``), shared by every sandbox; a tenant schema's
``allOf`` ``$ref``s name them, and its fields are the union of their trees.
"""
from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STANDARD_FILE = Path(__file__).with_name("xdm") / "standard.json"
TEXT_KEYS = frozenset({"title", "description"})


@functools.lru_cache(maxsize=1)
def standard_components() -> dict[str, dict[str, Any]]:
    """Standard XDM classes and field groups by ``$id``."""
    data = json.loads(STANDARD_FILE.read_text(encoding="utf-8"))
    return {c["$id"]: c for c in data["components"]}


def merge_properties(into: dict[str, Any], extra: dict[str, Any]) -> None:
    """Deep-merge ``extra``'s property tree into ``into`` (objects meeting at a path merge)."""
    for name, node in extra.items():
        mine = into.get(name)
        if isinstance(mine, dict) and mine.get("type") == "object" and node.get("type") == "object" \
                and "properties" in mine and "properties" in node:
            merge_properties(mine["properties"], node["properties"])
        else:
            into[name] = copy.deepcopy(node)


def without_text(node: Any) -> Any:
    """A property tree minus titles and descriptions (the ``-notext`` Accept variants)."""
    if isinstance(node, dict):
        return {k: without_text(v) for k, v in node.items() if k not in TEXT_KEYS}
    if isinstance(node, list):
        return [without_text(v) for v in node]
    return node


def refs_of(document: dict[str, Any]) -> list[str]:
    """The ``$ref``s of a schema's ``allOf`` (non-dict entries ignored: validation reports them)."""
    return [part["$ref"] for part in document.get("allOf") or [] if isinstance(part, dict) and "$ref" in part]


def find_node(properties: dict[str, Any], path: str) -> dict[str, Any] | None:
    """The node of a dotted path in a property tree; map nodes accept any key; None when absent."""
    node: dict[str, Any] | None = {"type": "object", "properties": properties}
    for part in path.split("."):
        if not part or node is None:
            return None
        if "properties" in node:
            node = node["properties"].get(part)
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            return None
    return node


@dataclass
class SchemaRegistry:
    """Tenant schemas of one sandbox by ``$id``, with ``meta:altId`` → ``$id``."""

    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    alt_ids: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def unknown_refs(refs: list[str]) -> list[str]:
        """The refs that are no standard class or field group."""
        known = standard_components()
        return [r for r in refs if r not in known]

    def add(self, document: dict[str, Any]) -> dict[str, Any]:
        self.schemas[document["$id"]] = document
        self.alt_ids[document["meta:altId"]] = document["$id"]
        return document

    def find(self, ref: str) -> dict[str, Any] | None:
        """A tenant schema by ``$id`` or ``meta:altId``; None when this sandbox has none."""
        found = self.schemas.get(ref)
        if found is None and ref in self.alt_ids:
            found = self.schemas.get(self.alt_ids[ref])
        return found

    def has_schema(self, ref: str) -> bool:
        return self.find(ref) is not None

    def properties(self, ref: str) -> dict[str, Any] | None:
        """The resolved field tree of a tenant schema (fresh copy), or None for an unknown id."""
        document = self.find(ref)
        if document is None:
            return None
        merged: dict[str, Any] = {}
        components = standard_components()
        for component_ref in refs_of(document):
            merge_properties(merged, components[component_ref]["properties"])
        return merged

    def path_problem(self, ref: str, path: str) -> str | None:
        """Why ``path`` cannot be a mapping destination in the schema, or None when it can."""
        properties = self.properties(ref)
        if properties is None:
            return f"The schema {ref} is not found."
        node = find_node(properties, path)
        if node is None:
            return f"The path {path} does not exist in schema {ref}."
        if node.get("type") == "object" and ("properties" in node or "additionalProperties" in node):
            return f"The path {path} in schema {ref} is an object, not a field."
        return None
