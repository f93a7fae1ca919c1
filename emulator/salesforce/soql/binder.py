"""Semantic checks: resolve a parsed query against the org's :class:`Schema`.

Object, relationship and field names are matched case-insensitively and
replaced by their canonical API names; every filter value is checked against
the field type and converted to the Python value stored records hold (ids to
their 18-character form, date literals to :class:`~.dates.DateRange`).
Errors use the real API's codes and messages (INVALID_TYPE, INVALID_FIELD,
INVALID_QUERY_FILTER_OPERATOR, MALFORMED_QUERY), pointing at the field.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Union

from ...core.ids import normalize_id
from ..sobjects.fields import FieldDef
from ..sobjects.schema import Schema, SObjectSchema
from . import diagnostics as diag
from .dates import date_range
from .logic import AllOf, AnyOf, Negation
from .nodes import Comparison, Condition, CountAll, CountField, FieldRef, Literal, Query, SubQuery
from .parser import decode_string

TEXT = frozenset({"string", "textarea", "email", "phone", "url", "picklist", "multipicklist"})
IDS = frozenset({"id", "reference"})
NUMBERS = frozenset({"int", "double", "currency", "percent"})
# field type -> (type word in messages, literal kinds accepted besides null)
_ACCEPTS: dict[str, tuple[str, frozenset[str]]] = {
    **{t: ("string", frozenset({"string"})) for t in TEXT},
    "id": ("id", frozenset({"string"})), "reference": ("id", frozenset({"string"})),
    "boolean": ("boolean", frozenset({"boolean"})),
    "int": ("integer", frozenset({"number"})),
    **{t: ("double", frozenset({"number"})) for t in ("double", "currency", "percent")},
    "date": ("date", frozenset({"date", "date_literal"})),
    "datetime": ("dateTime", frozenset({"datetime", "date_literal"})),
}
_ORDERING_OPS = frozenset({"<", "<=", ">", ">="})


@dataclass(frozen=True)
class Path:
    """A resolved field path: the reference fields to follow, then the field."""

    hops: tuple[tuple[FieldDef, SObjectSchema], ...]  # (reference field, object it points to)
    field: FieldDef
    names: tuple[str, ...]  # canonical: relationship names then the field name

    @property
    def dotted(self) -> str:
        return ".".join(self.names)


@dataclass(frozen=True)
class Predicate:
    """A type-checked comparison; ``values`` are stored-type values, None, or DateRange."""

    path: Path
    op: str
    values: tuple[Any, ...]
    pos: int


Bound = Union[Predicate, AllOf["Bound"], AnyOf["Bound"], Negation["Bound"]]


@dataclass
class ChildQuery:
    """A bound parent-to-child subquery: the rows of ``bound`` whose ``field`` holds the parent's Id."""

    relationship: str  # canonical relationship name, the key of the parent row (e.g. Contacts)
    field: str  # the child's reference field (e.g. AccountId)
    bound: "BoundQuery"


@dataclass
class BoundQuery:
    """A query checked against the schema, ready for the planner."""

    query: Query
    sobject: SObjectSchema
    columns: list[Path] = field(default_factory=list)
    children: list[ChildQuery] = field(default_factory=list)
    items: list[Path | ChildQuery] = field(default_factory=list)  # columns and subqueries, SELECT order
    aggregates: list[tuple[str, Path | None]] = field(default_factory=list)  # COUNT(field) [alias]
    is_count: bool = False
    where: Bound | None = None
    order: list[tuple[Path, bool, bool]] = field(default_factory=list)  # (path, descending, nulls first)


class Binder:
    """Checks one parsed query against a schema at a given ``today``."""

    def __init__(self, schema: Schema, query: Query, today: date, nested: bool = False) -> None:
        self.schema = schema
        self.query = query
        self.text = query.text
        self.today = today
        self.nested = nested  # binding a subquery: no subquery may appear inside it

    # -- names ---------------------------------------------------------------
    def resolve(self, ref: FieldRef, base: SObjectSchema) -> Path:
        parts = list(ref.path)
        if len(parts) > 1 and base.relationship(parts[0]) is None and parts[0].lower() == base.name.lower():
            parts = parts[1:]  # "Contact.Name FROM Contact": the object name as a qualifier
        obj, hops, names = base, [], []
        for part in parts[:-1]:
            ref_field = obj.relationship(part)
            target = self.schema.get(ref_field.reference_to[0]) if ref_field and ref_field.reference_to else None
            if ref_field is None or target is None:
                raise diag.no_such_relationship(self.text, ref.pos, part)
            hops.append((ref_field, target))
            names.append(ref_field.relationship_name)
            obj = target
        final = obj.field(parts[-1])
        if final is None:
            raise diag.no_such_column(self.text, ref.pos, parts[-1], obj.name)
        names.append(final.name)
        return Path(tuple(hops), final, tuple(names))

    # -- the whole query -----------------------------------------------------
    def bind(self, obj: SObjectSchema | None = None) -> BoundQuery:
        query = self.query
        obj = obj or self.schema.get(query.sobject)
        if obj is None:
            raise diag.invalid_type(self.text, query.sobject_pos, query.sobject)
        bound = BoundQuery(query, obj, is_count=query.is_count)
        self._bind_select(bound)
        if query.where is not None:
            bound.where = self._bind_condition(query.where, obj)
        for item in query.order_by:
            path = self.resolve(item.field, obj)
            if not _sortable(path.field):
                raise diag.invalid_field(self.text, item.field.pos,
                                         f"field '{path.field.name}' can not be sorted in a query call")
            bound.order.append((path, item.descending, item.effective_nulls_first))
        return bound

    def _bind_select(self, bound: BoundQuery) -> None:
        items = self.query.select
        plain = [i for i in items if isinstance(i, FieldRef)]
        counts = [i for i in items if isinstance(i, CountAll)]
        if counts and len(items) > 1:
            other = next(i for i in items if not isinstance(i, CountAll)) if len(counts) == 1 else counts[1]
            raise diag.malformed(self.text, other.pos, "COUNT() must be the only element in the SELECT list")
        seen: set[str] = set()
        expr = 0
        for item in items:
            if isinstance(item, FieldRef):
                path = self.resolve(item, bound.sobject)
                self._claim(seen, path.dotted, item.pos)
                bound.columns.append(path)
                bound.items.append(path)
            elif isinstance(item, SubQuery):
                child = self._bind_subquery(item, bound.sobject)
                self._claim(seen, child.relationship, item.pos)
                bound.children.append(child)
                bound.items.append(child)
            elif isinstance(item, CountField):
                path = self.resolve(item.field, bound.sobject)
                alias = item.alias
                if alias is None:
                    alias, expr = f"expr{expr}", expr + 1
                bound.aggregates.append((alias, path))
        if bound.children and (counts or bound.aggregates):
            raise diag.malformed(self.text, items[0].pos,
                                 "Aggregate relationships are not supported with aggregate queries")
        if bound.aggregates and plain:
            raise diag.malformed(self.text, plain[0].pos,
                                 f"Field must be grouped or aggregated: {plain[0].path[-1]}")

    def _claim(self, seen: set[str], name: str, pos) -> None:
        """A selected name may appear once (field names and relationship names are case-insensitive)."""
        key = name.lower()
        if key in seen:
            raise diag.malformed(self.text, pos, f"duplicate field selected: {name}")
        seen.add(key)

    def _bind_subquery(self, item: SubQuery, parent: SObjectSchema) -> ChildQuery:
        query = item.query(self.text)
        if self.nested:
            raise diag.malformed(self.text, item.pos, "SOQL statements cannot query aggregate relationships more "
                                                      "than 1 level away from the root entity object.")
        relation = parent.child_relationship(query.sobject)
        child_schema = self.schema.get(relation.child_sobject) if relation else None
        if relation is None or child_schema is None:
            raise diag.invalid_type(self.text, query.sobject_pos, query.sobject, relationship=True)
        bound = Binder(self.schema, query, self.today, nested=True).bind(child_schema)
        return ChildQuery(relation.relationship_name, relation.field, bound)

    # -- WHERE ---------------------------------------------------------------
    def _bind_condition(self, cond: Condition, obj: SObjectSchema) -> Bound:
        # Plain recursion is safe: the parser caps the nesting depth.
        if isinstance(cond, AllOf):
            return AllOf(tuple(self._bind_condition(c, obj) for c in cond.items))
        if isinstance(cond, AnyOf):
            return AnyOf(tuple(self._bind_condition(c, obj) for c in cond.items))
        if isinstance(cond, Negation):
            return Negation(self._bind_condition(cond.item, obj))
        return self._bind_comparison(cond, obj)

    def _bind_comparison(self, comp: Comparison, obj: SObjectSchema) -> Predicate:
        path = self.resolve(comp.field, obj)
        fdef = path.field
        if not _filterable(fdef):
            raise diag.invalid_field(self.text, comp.pos, f"field '{fdef.name}' can not be filtered in query call")
        literals = comp.value if isinstance(comp.value, tuple) else (comp.value,)
        op = comp.op
        if op in ("INCLUDES", "EXCLUDES") and fdef.type != "multipicklist":
            raise diag.filter_operator(self.text, comp.pos,
                                       "includes or excludes operator only valid on multipicklist field")
        if op in _ORDERING_OPS and fdef.type in ("boolean", "multipicklist"):
            raise diag.filter_operator(self.text, comp.pos, f"invalid operator on {fdef.type} field")
        values = tuple(self._coerce(lit, fdef, comp, like=op == "LIKE") for lit in literals)
        if op == "LIKE" and fdef.type not in TEXT - {"multipicklist"}:
            word = fdef.type if fdef.type == "multipicklist" else _ACCEPTS.get(fdef.type, (fdef.type,))[0]
            raise diag.filter_operator(self.text, comp.pos, f"invalid operator on {word} field")
        if op in ("INCLUDES", "EXCLUDES") and any(v is None for v in values):
            values = tuple(v for v in values if v is not None)
        return Predicate(path, op, values, comp.pos)

    def _coerce(self, lit: Literal, fdef: FieldDef, comp: Comparison, like: bool) -> Any:
        if lit.kind == "null":
            return None
        word, kinds = _ACCEPTS.get(fdef.type, ("string", frozenset({"string"})))
        if lit.kind not in kinds:
            quoted = "should be enclosed in quotes" if "string" in kinds else "should not be enclosed in quotes"
            raise diag.invalid_field(self.text, comp.pos, f"value of filter criterion for field '{fdef.name}' "
                                                          f"must be of type {word} and {quoted}")
        if lit.kind == "string":
            if like:
                return str(lit.value)  # raw: the compiler reads the LIKE escapes itself
            text = decode_string(str(lit.value))
            if fdef.type in IDS:
                normal = normalize_id(text)
                if normal is None:
                    raise diag.filter_operator(self.text, comp.pos, f"invalid ID field: {text}")
                return normal
            if text == "":
                return None  # Salesforce stores no empty strings: '' means null
            return text
        if lit.kind == "date_literal":
            name, n = lit.value  # type: ignore[misc]
            rng = date_range(name, n, self.today)
            return rng.as_datetimes() if fdef.type == "datetime" else rng
        return lit.value


def _filterable(fdef: FieldDef) -> bool:
    return fdef.filterable


def _sortable(fdef: FieldDef) -> bool:
    return _filterable(fdef) and fdef.type != "multipicklist"


def bind(schema: Schema, query: Query, today: date) -> BoundQuery:
    return Binder(schema, query, today).bind()

