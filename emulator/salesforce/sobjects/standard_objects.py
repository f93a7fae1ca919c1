"""Standard objects as data (SPEC SF-REST-2, SF-REST-15).

Each object is one JSON file under ``objects/`` holding what a real org's
describe gives for it (field names, labels, types, lengths, flags, picklist
values, compound fields, child relationships), taken from the Salesforce
Object Reference. This module only reads those files into :class:`FieldDef`
lists; nothing about a particular object is written in code here.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .fields import FieldDef, system_fields

OBJECTS_DIR = Path(__file__).with_name("objects")
LOAD_ORDER = ("Account", "Contact", "Lead", "User", "Opportunity", "Case")

# JSON key (describe's camelCase) -> FieldDef attribute
_KEYS = {
    "name": "name", "label": "label", "type": "type", "length": "length", "nillable": "nillable",
    "createable": "createable", "updateable": "updateable", "externalId": "external_id", "unique": "unique",
    "defaultValue": "default", "picklistValues": "picklist", "restrictedPicklist": "restricted_picklist",
    "referenceTo": "reference_to", "relationshipName": "relationship_name", "precision": "precision",
    "scale": "scale", "nameField": "name_field", "idLookup": "id_lookup",
    "defaultedOnCreate": "defaulted_on_create", "autoNumber": "auto_number",
    "compoundFieldName": "compound_field_name", "components": "components", "filterable": "filterable_flag",
    "digits": "digits",
}
_TUPLES = {"picklist", "reference_to", "components"}


@dataclass(frozen=True)
class ChildRelationship:
    """One entry of describe's ``childRelationships``: ``child_sobject.field`` points here."""

    child_sobject: str
    field: str
    relationship_name: str | None
    cascade_delete: bool = False

    def describe(self) -> dict:
        return {"cascadeDelete": self.cascade_delete, "childSObject": self.child_sobject,
                "deprecatedAndHidden": False, "field": self.field, "junctionIdListNames": [],
                "junctionReferenceTo": [], "relationshipName": self.relationship_name,
                "restrictedDelete": False}


@dataclass(frozen=True)
class StandardObject:
    name: str
    label: str
    label_plural: str
    key_prefix: str
    api_writable: bool
    fields: tuple[FieldDef, ...]
    child_relationships: tuple[ChildRelationship, ...]
    extra: dict  # object-specific data tables (e.g. Opportunity stages)


def field_from_json(entry: dict[str, Any]) -> FieldDef:
    kwargs = {}
    for key, value in entry.items():
        attr = _KEYS.get(key)
        if attr is None:
            raise ValueError(f"unknown field key {key!r} in {entry.get('name')}")
        kwargs[attr] = tuple(value) if attr in _TUPLES else value
    return FieldDef(**kwargs)


def _load(name: str) -> StandardObject:
    doc = json.loads((OBJECTS_DIR / f"{name.lower()}.json").read_text(encoding="utf-8"))
    known = {"name", "label", "labelPlural", "keyPrefix", "apiWritable", "fields", "childRelationships"}
    return StandardObject(
        doc["name"], doc["label"], doc["labelPlural"], doc["keyPrefix"], doc.get("apiWritable", True),
        tuple(field_from_json(f) for f in doc["fields"]),
        tuple(ChildRelationship(c["childSObject"], c["field"], c["relationshipName"], c.get("cascadeDelete", False))
              for c in doc.get("childRelationships", [])),
        {k: v for k, v in doc.items() if k not in known})


@functools.cache
def standard_objects() -> dict[str, StandardObject]:
    """Every standard object, by name, in load order (read once per process)."""
    return {name: _load(name) for name in LOAD_ORDER}


def standard_fields(name: str) -> list[FieldDef]:
    """System fields first, then the object's own, as describe lists them."""
    return system_fields() + list(standard_objects()[name].fields)
