"""Query results and their Salesforce JSON rows.

The engine returns raw stored records; the REST layer renders only the page
it sends, with :meth:`QueryResult.render`::

    {"attributes": {"type": "Contact", "url": "/services/data/v59.0/sobjects/Contact/003…"},
     "Id": "003…", "Account": {"attributes": {...}, "Name": "Acme"}, "Email": null}

Fields come in SELECT order under their canonical API names; the fields of one
relationship are grouped in one nested object placed where the relationship
first appears, and a missing parent renders as ``null``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..sobjects.render import attributes, compound_value, json_value
from .binder import BoundQuery, ChildQuery
from .children import child_renderer
from .compiler import StoreSource, accessor


@dataclass
class _Level:
    """The fields to render for one object of a row (the row itself or a parent)."""

    sobject: str
    entries: list[tuple[str, Any]] = field(default_factory=list)  # (key, field name | _Relation)


@dataclass
class _Relation:
    ref_field: str
    records: dict[str, dict]
    level: _Level


@dataclass
class _Children:
    render: Callable[[dict], dict | None]  # parent record -> the subquery's result or None


def _render_plan(bq: BoundQuery, ctx: StoreSource, version: str) -> _Level:
    root = _Level(bq.sobject.name)
    for path in bq.items or bq.columns:
        if isinstance(path, ChildQuery):
            render_child = make_renderer(path.bound, ctx, version)
            root.entries.append((path.relationship, _Children(child_renderer(path, ctx, version, render_child))))
            continue
        level = root
        for ref_field, target in path.hops:
            key = ref_field.relationship_name or ref_field.name
            relation = next((r for k, r in level.entries if k == key and isinstance(r, _Relation)), None)
            if relation is None:
                relation = _Relation(ref_field.name, ctx.store(target.name).records, _Level(target.name))
                level.entries.append((key, relation))
            level = relation.level
        level.entries.append((path.field.name, path.field.components or path.field.name))
    return root


def _render_level(record: dict, level: _Level, version: str) -> dict:
    body: dict[str, Any] = {"attributes": attributes(level.sobject, record.get("Id"), version)}
    for key, what in level.entries:
        if isinstance(what, _Relation):
            parent_id = record.get(what.ref_field)
            parent = what.records.get(parent_id) if parent_id is not None else None
            body[key] = None if parent is None else _render_level(parent, what.level, version)
        elif what.__class__ is tuple:
            body[key] = compound_value(record, what)
        elif isinstance(what, _Children):
            body[key] = what.render(record)
        else:
            body[key] = json_value(record.get(what))
    return body


def make_renderer(bq: BoundQuery, ctx: StoreSource, version: str) -> Callable[[dict], dict]:
    if bq.aggregates:
        def aggregate(row: dict) -> dict:
            return {"attributes": {"type": "AggregateResult"}, **row}
        return aggregate
    plan = _render_plan(bq, ctx, version)
    return lambda record: _render_level(record, plan, version)


def make_flattener(bq: BoundQuery, ctx: StoreSource) -> Callable[[dict], dict]:
    """``record -> {"Id": …, "Account.Name": …}`` (JSON values), e.g. for Bulk API CSV."""
    getters: list[tuple[str, Callable[[dict], Any]]] = [(p.dotted, accessor(p, ctx)) for p in bq.columns
                                                        if not p.field.components]
    if bq.aggregates:
        return lambda row: dict(row)
    return lambda record: {name: json_value(get(record)) for name, get in getters}


def _never_render(record: dict) -> dict:  # pragma: no cover - placeholder default
    raise ValueError("this QueryResult has no renderer")


@dataclass
class QueryResult:
    """The outcome of one SOQL query.

    ``records`` are the matched stored records after ORDER BY/OFFSET/LIMIT (not
    rendered); for ``COUNT()`` it is empty and ``total_size`` is the count; for
    aggregate queries (``COUNT(Id)``) it holds one synthetic row such as
    ``{"expr0": 42}`` and ``aggregate`` is True.
    """

    sobject: str
    total_size: int
    is_count: bool
    records: list[dict]
    aggregate: bool = False
    columns: list[str] = field(default_factory=list)  # dotted canonical names, SELECT order
    for_: str | None = None  # FOR VIEW / FOR REFERENCE: the caller stamps and lists the rows as recent
    _renderer: Callable[[dict], dict] = field(default=_never_render, repr=False, compare=False)
    _flattener: Callable[[dict], dict] = field(default=dict, repr=False, compare=False)

    def render(self, record: dict) -> dict:
        """One Salesforce JSON row: attributes, then the selected fields."""
        return self._renderer(record)

    def flat(self, record: dict) -> dict:
        """One row as ``{"Id": …, "Account.Name": …}`` with JSON values."""
        return self._flattener(record)

