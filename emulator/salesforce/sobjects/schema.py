"""Per-org object schema: standard objects plus the org's custom fields."""
from __future__ import annotations

from dataclasses import dataclass, field

from .fields import FieldDef
from .standard_objects import ChildRelationship, standard_fields, standard_objects


@dataclass(frozen=True)
class _FieldPlans:
    names: tuple[str, ...]
    temporal: tuple[str, ...]
    required: tuple[str, ...]
    references: frozenset[str]
    unique: frozenset[str]
    defaults: dict
    compounds: tuple[tuple[str, tuple[str, ...]], ...]  # (address field, its component fields)


@dataclass
class SObjectSchema:
    """One sObject type: its metadata and fields (looked up case-insensitively)."""

    name: str
    label: str
    label_plural: str
    key_prefix: str
    custom: bool = False
    api_writable: bool = True
    fields: dict[str, FieldDef] = field(default_factory=dict)  # lower-case name -> FieldDef
    child_relationships: tuple[ChildRelationship, ...] = ()
    extra: dict = field(default_factory=dict)  # object-specific data tables from its JSON file
    # reference fields that parents' childRelationships point through (indexed for subqueries)
    child_reference_fields: set[str] = field(default_factory=set)

    def field(self, name: str) -> FieldDef | None:
        return self.fields.get(name.lower())

    def add_field(self, field_def: FieldDef) -> None:
        self.fields[field_def.name.lower()] = field_def
        self._plans = None

    def remove_field(self, name: str) -> FieldDef | None:
        self._plans = None
        return self.fields.pop(name.lower(), None)

    def _field_plans(self) -> _FieldPlans:
        """What the hot paths derive from the fields, computed once until the fields change."""
        plans = getattr(self, "_plans", None)
        if plans is None:
            fields = list(self.fields.values())
            plans = self._plans = _FieldPlans(
                names=tuple(f.name for f in fields),
                temporal=tuple(f.name for f in fields if f.type in ("date", "datetime")),
                required=tuple(f.name for f in fields if f.required),
                references=frozenset(f.name for f in fields if f.type == "reference"),
                unique=frozenset(f.name for f in fields if f.unique),
                # sparse: only fields with a default; a missing key reads as null everywhere (record.get)
                defaults={f.name: f.default for f in fields if f.default is not None},
                compounds=tuple((f.name, f.components) for f in fields if f.components))
        return plans

    def render_plan(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(every field name in describe order, the date/datetime ones)."""
        plans = self._field_plans()
        return plans.names, plans.temporal

    def compound_plan(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The compound (address) fields, read from their components when rendered."""
        return self._field_plans().compounds

    def child_relationship(self, name: str) -> ChildRelationship | None:
        """The child relationship called ``name`` (e.g. Contacts), case-insensitively."""
        lowered = name.lower()
        return next((c for c in self.child_relationships
                     if c.relationship_name and c.relationship_name.lower() == lowered), None)

    def required_names(self) -> tuple[str, ...]:
        """Fields a create must set, in describe order."""
        return self._field_plans().required

    def reference_names(self) -> frozenset[str]:
        return self._field_plans().references

    def unique_names(self) -> frozenset[str]:
        return self._field_plans().unique

    def blank_record(self) -> dict:
        """A new record holding the fields that have a default (a fresh dict; the rest read as null)."""
        return dict(self._field_plans().defaults)

    def custom_fields(self) -> list[FieldDef]:
        return [f for f in self.fields.values() if f.custom]

    def relationship(self, name: str) -> FieldDef | None:
        """The reference field whose relationship name is ``name`` (e.g. Account)."""
        lowered = name.lower()
        for f in self.fields.values():
            if f.relationship_name and f.relationship_name.lower() == lowered:
                return f
        return None

    def urls(self, version: str) -> dict:
        base = f"/services/data/{version}/sobjects/{self.name}"
        return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}

    def summary(self, version: str) -> dict:
        """The entry of this object in the global describe."""
        return {
            "activateable": False, "createable": self.api_writable, "custom": self.custom,
            "customSetting": False, "deletable": self.api_writable, "deprecatedAndHidden": False,
            "feedEnabled": False, "hasSubtypes": False, "isSubtype": False,
            "keyPrefix": self.key_prefix, "label": self.label, "labelPlural": self.label_plural,
            "layoutable": True, "mergeable": self.name in ("Account", "Contact", "Lead"),
            "mruEnabled": True, "name": self.name, "queryable": True, "replicateable": True,
            "retrieveable": True, "searchable": True, "triggerable": True, "undeletable": self.api_writable,
            "updateable": self.api_writable, "urls": self.urls(version),
        }

    def describe(self, version: str) -> dict:
        body = self.summary(version)
        body["fields"] = [f.describe() for f in self.fields.values()]
        body["childRelationships"] = [c.describe() for c in self.child_relationships]
        body["recordTypeInfos"] = []
        return body


class Schema:
    """All objects of one org, by case-insensitive name and by key prefix."""

    def __init__(self) -> None:
        self.objects: dict[str, SObjectSchema] = {}
        for name, std in standard_objects().items():
            obj = SObjectSchema(name, std.label, std.label_plural, std.key_prefix, api_writable=std.api_writable,
                                child_relationships=std.child_relationships, extra=std.extra)
            for f in standard_fields(name):
                obj.add_field(f)
            self.objects[name.lower()] = obj
        for obj in self.objects.values():
            for relation in obj.child_relationships:
                child = self.objects.get(relation.child_sobject.lower())
                if child is not None and relation.relationship_name:
                    child.child_reference_fields.add(relation.field)

    def get(self, name: str) -> SObjectSchema | None:
        return self.objects.get(name.lower()) if isinstance(name, str) else None

    def by_prefix(self, prefix: str) -> SObjectSchema | None:
        for obj in self.objects.values():
            if obj.key_prefix == prefix:
                return obj
        return None

    def all(self) -> list[SObjectSchema]:
        return sorted(self.objects.values(), key=lambda o: o.name)
