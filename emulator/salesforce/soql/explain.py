"""``GET /query?explain=<SOQL>``: the plan the emulator's planner really uses (SPEC SF-REST-14).

The first plan is the one :func:`~.planner.choose_plan` picks — ``Index``
(equality buckets or an ordered date index, with the rows it reads as
``cardinality``) or ``TableScan`` (every row of the object) — followed by the
table scan it beat, if any. ``relativeCost`` is the share of the object's rows
the plan reads (1.0 for a scan); filters on unindexed fields get the real
API's note.
"""
from __future__ import annotations

from .binder import Bound, Predicate
from .planner import choose_plan
from . import QueryContext, prepare

UNINDEXED = "Not considering filter for optimization because unindexed"


def _predicates(node: Bound | None) -> list[Predicate]:
    if node is None:
        return []
    if isinstance(node, Predicate):
        return [node]
    items = node.items if hasattr(node, "items") else [node.item]  # type: ignore[attr-defined]
    return [p for item in items for p in _predicates(item)]


def _plan(kind: str, fields: list[str], cardinality: int, total: int, sobject: str, notes: list[dict]) -> dict:
    return {"cardinality": cardinality, "fields": fields, "leadingOperationType": kind,
            "notes": notes, "relativeCost": 1.0 if kind == "TableScan" else round(cardinality / max(total, 1), 6),
            "sobjectCardinality": total, "sobjectType": sobject}


def explain(soql: str, ctx: QueryContext) -> dict:
    bound = prepare(soql, ctx)
    store = ctx.store(bound.sobject.name)
    plan = choose_plan(store, bound)
    total, name = len(store), bound.sobject.name
    indexed = set(store.equality) | set(store.ordered) | {"Id"}
    notes = [{"description": UNINDEXED, "fields": [p.path.field.name], "tableEnumOrId": name}
             for p in _predicates(bound.where) if p.path.hops or p.path.field.name not in indexed]
    scan = _plan("TableScan", [], total, total, name, notes)
    if plan.kind == "scan":
        return {"plans": [scan], "sourceQuery": soql}
    index = _plan("Index", [plan.index_field], plan.cardinality, total, name, notes)
    return {"plans": [index, scan], "sourceQuery": soql}

