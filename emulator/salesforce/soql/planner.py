"""Choose how to find the rows of a bound query, then order, offset and limit them.

When the top-level WHERE is a conjunction holding an indexable predicate the
candidates come from the store's indexes instead of a scan (SPEC SF-REST-8):

* ``Id = x`` / ``Id IN (...)`` and ``F = x`` / ``F IN (...)`` on any field the
  store indexes for equality (``store.lookup`` is not None: Email, external
  ids, unique fields);
* ranges or equality on LastModifiedDate / SystemModstamp / CreatedDate
  (``store.range``), with every bound on that field merged.

The most selective candidate set wins; only the other conjuncts are then
evaluated. ``ORDER BY`` on an ordered-index field with a ``LIMIT`` walks the
index in order and stops early; other ``ORDER BY … LIMIT`` use a heap
(``heapq.nsmallest``) rather than sorting everything.
"""
from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import Any

from ..sobjects.store import ORDERED_INDEX_FIELDS, ObjectStore
from .binder import TEXT, AllOf, Bound, BoundQuery, Path, Predicate
from .compiler import StoreSource, accessor, compile_conjunction
from .dates import DateRange

Bounds = tuple[Any, bool, Any, bool]  # low, low inclusive, high, high inclusive
_RANGE_OPS = frozenset({"=", "<", "<=", ">", ">="})


# -- candidate discovery ---------------------------------------------------------
def _conjuncts(where: Bound | None) -> list[Bound]:
    if where is None:
        return []
    return list(where.items) if isinstance(where, AllOf) else [where]


def _equality_ids(store: ObjectStore, pred: Predicate) -> set[str] | None:
    if pred.path.hops or pred.op not in ("=", "IN") or not pred.values:
        return None
    if any(v is None or isinstance(v, DateRange) for v in pred.values):
        return None
    ids: set[str] = set()
    for value in pred.values:
        found = store.lookup(pred.path.field.name, value)
        if found is None:
            return None
        ids |= found
    return ids


def _pred_bounds(pred: Predicate) -> Bounds | None:
    if pred.path.hops or pred.op not in _RANGE_OPS or pred.path.field.name not in ORDERED_INDEX_FIELDS:
        return None
    value = pred.values[0]
    if isinstance(value, DateRange):
        low, high = value.low, value.high
        return {"=": (low, True, high, False), "<": (None, True, low, False), "<=": (None, True, high, False),
                ">": (high, True, None, True), ">=": (low, True, None, True)}[pred.op]
    if not isinstance(value, datetime):
        return None
    return {"=": (value, True, value, True), "<": (None, True, value, False), "<=": (None, True, value, True),
            ">": (value, False, None, True), ">=": (value, True, None, True)}[pred.op]


def _merge(a: Bounds, b: Bounds) -> Bounds:
    low, low_inc = a[0], a[1]
    if b[0] is not None and (low is None or b[0] > low or (b[0] == low and not b[1])):
        low, low_inc = b[0], b[1]
    high, high_inc = a[2], a[3]
    if b[2] is not None and (high is None or b[2] < high or (b[2] == high and not b[3])):
        high, high_inc = b[2], b[3]
    return low, low_inc, high, high_inc


def _slice(store: ObjectStore, name: str, bounds: Bounds) -> tuple[list, int, int] | None:
    """Positions of ``bounds`` in the ordered index (as ``store.range`` computes them)."""
    entries = getattr(store, "ordered", {}).get(name)
    if entries is None:
        return None
    low, low_inc, high, high_inc = bounds
    if low is None:
        start = 0
    else:
        start = bisect.bisect_left(entries, (low, "")) if low_inc else bisect.bisect_right(entries, (low, "\uffff"))
    if high is None:
        stop = len(entries)
    else:
        stop = bisect.bisect_right(entries, (high, "\uffff")) if high_inc else bisect.bisect_left(entries, (high, ""))
    return entries, start, max(start, stop)


def _range_ids(store: ObjectStore, name: str, bounds: Bounds, descending: bool) -> Iterable[str]:
    if descending:
        sliced = _slice(store, name, bounds)
        if sliced is None:
            return reversed(list(store.range(name, *bounds) or ()))
        entries, start, stop = sliced
        return (entries[i][1] for i in range(stop - 1, start - 1, -1))
    return store.range(name, *bounds) or ()


class Plan:
    """Where the rows come from: a scan, a set of ids, or an ordered-index walk."""

    def __init__(self, kind: str, remaining: list[Bound], ids: Iterable[str] = (),
                 ordered: bool = False, index_field: str | None = None, cardinality: int = 0) -> None:
        self.kind = kind  # "scan" | "ids" | "range"
        self.remaining = remaining
        self.ids = ids
        self.ordered = ordered  # rows already come in ORDER BY order
        self.index_field = index_field  # the index the rows come from (None for a scan)
        self.cardinality = cardinality  # rows the plan reads at most (what /query?explain reports)


def choose_plan(store: ObjectStore, bq: BoundQuery) -> Plan:
    conjuncts = _conjuncts(bq.where)
    best: tuple[int, str, Any, list[Bound]] | None = None
    ranges: dict[str, tuple[Bounds, list[Bound]]] = {}
    for pred in conjuncts:
        if not isinstance(pred, Predicate):
            continue
        ids = _equality_ids(store, pred)
        if ids is not None and (best is None or len(ids) < best[0]):
            best = (len(ids), "ids", ids, [pred])
        bounds = _pred_bounds(pred) if store.range(pred.path.field.name) is not None else None
        if bounds is not None:
            name = pred.path.field.name
            merged, used = ranges.get(name, ((None, True, None, True), []))
            ranges[name] = (_merge(merged, bounds), [*used, pred])
    for name, (bounds, used) in ranges.items():
        sliced = _slice(store, name, bounds)
        size = len(store) if sliced is None else sliced[2] - sliced[1]
        if best is None or size < best[0]:
            best = (size, "range", (name, bounds), used)

    order_field = None
    if len(bq.order) == 1 and not bq.order[0][0].hops and bq.order[0][0].field.name in ORDERED_INDEX_FIELDS:
        order_field = bq.order[0][0].field.name
    descending = bool(bq.order) and bq.order[0][1]
    limited = bq.query.limit is not None and not bq.is_count and not bq.aggregates

    if best is not None and best[1] == "range" and order_field == best[2][0] and limited:
        name, bounds = best[2]
        return Plan("range", _without(conjuncts, best[3]), _range_ids(store, name, bounds, descending), True,
                    name, best[0])
    if best is None:
        if order_field is not None and limited and store.range(order_field) is not None:
            return Plan("range", conjuncts, _range_ids(store, order_field, (None, True, None, True), descending), True,
                        order_field, len(store))
        return Plan("scan", conjuncts, cardinality=len(store))
    if best[1] == "ids":
        return Plan("ids", _without(conjuncts, best[3]), sorted(best[2]), index_field=best[3][0].path.field.name,
                    cardinality=best[0])
    name, bounds = best[2]
    return Plan("range", _without(conjuncts, best[3]), _range_ids(store, name, bounds, False), False, name, best[0])


def _without(items: list[Bound], used: list[Bound]) -> list[Bound]:
    return [c for c in items if not any(c is u for u in used)]


# -- execution ---------------------------------------------------------------------
def _rows(store: ObjectStore, plan: Plan, include_deleted: bool) -> Iterator[dict]:
    if plan.kind == "scan":
        return store.scan(include_deleted)
    get = store.records.get
    rows = (r for r in map(get, plan.ids) if r is not None)
    if include_deleted:
        return rows
    return (r for r in rows if not r["IsDeleted"])


def matching_rows(bq: BoundQuery, ctx: StoreSource, include_deleted: bool) -> tuple[Iterator[dict], bool]:
    """Rows satisfying WHERE, and whether they already come in ORDER BY order."""
    store = ctx.store(bq.sobject.name)
    plan = choose_plan(store, bq)
    rows = _rows(store, plan, include_deleted)
    test = compile_conjunction(plan.remaining, ctx)
    return (rows if test is None else filter(test, rows)), plan.ordered


def _level_key(get: Callable[[dict], Any], fold: bool, descending: bool, nulls_first: bool,
               safe: bool) -> Callable[[dict], tuple]:
    null = (0,) if nulls_first != descending else (2,)
    present = 2 if null == (0,) else 0

    def key(record: dict) -> tuple:
        value = get(record)
        if value is None:
            return null
        if fold and isinstance(value, str):
            value = value.casefold()
        return (present, type(value).__name__, str(value)) if safe else (present, value)
    return key


def order_rows(rows: Iterable[dict], order: list[tuple[Path, bool, bool]], ctx: StoreSource,
               start: int, stop: int | None) -> list[dict]:
    """ORDER BY, then [start:stop]; a heap when a LIMIT bounds the output."""
    rows = list(rows)
    getters = [(accessor(path, ctx), path.field.type in TEXT, desc, nulls) for path, desc, nulls in order]
    for safe in (False, True):  # values of mixed types (bad data) fall back to a text ordering
        try:
            return _sorted(rows, getters, safe, start, stop)
        except TypeError:
            if safe:
                raise
    return rows  # pragma: no cover


def _sorted(rows: list[dict], getters: list, safe: bool, start: int, stop: int | None) -> list[dict]:
    keys = [_level_key(g, fold, desc, nulls, safe) for g, fold, desc, nulls in getters]
    directions = {desc for _g, _f, desc, _n in getters}
    if len(directions) == 1:
        descending = directions.pop()
        key = keys[0] if len(keys) == 1 else (lambda r: tuple(k(r) for k in keys))
        if stop is not None and stop < len(rows):
            pick = heapq.nlargest if descending else heapq.nsmallest
            return pick(stop, rows, key=key)[start:stop]
        return sorted(rows, key=key, reverse=descending)[start:stop]
    ordered = list(rows)
    for key, (_g, _f, desc, _n) in reversed(list(zip(keys, getters))):
        ordered.sort(key=key, reverse=desc)
    return ordered[start:stop]


def page(rows: Iterable[dict], start: int, stop: int | None) -> list[dict]:
    return list(islice(rows, start, stop))
