"""Parent-to-child subqueries: each parent row's children (SPEC SF-REST-8).

``(SELECT LastName FROM Contacts WHERE … ORDER BY … LIMIT n)`` in an Account
query renders, per Account, ``{"totalSize", "done", "records"}`` or ``null``
when there are no matching children. The children come from the equality
index the child's store keeps on its reference field (``Contact.AccountId``),
so each parent costs one dictionary lookup plus its own children, never a scan.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .binder import TEXT, ChildQuery
from .compiler import StoreSource, accessor, compile_conjunction
from .planner import _level_key, order_rows


def child_fetcher(child: ChildQuery, ctx: StoreSource, include_deleted: bool = False
                  ) -> Callable[[dict], list[dict]]:
    """``parent record -> its matching children`` (filtered, ordered, limited; stored records)."""
    bq = child.bound
    store = ctx.store(bq.sobject.name)
    store.ensure_index(child.field)
    records = store.records
    test = compile_conjunction([bq.where] if bq.where is not None else [], ctx)
    start = bq.query.offset or 0
    stop = None if bq.query.limit is None else start + bq.query.limit
    field, bucket = child.field, store.bucket
    sort = _sorter(child, ctx, start, stop)

    def fetch(parent: dict) -> list[dict]:
        ids: Any = bucket(field, parent["Id"])
        if not ids:
            return []
        rows = [records[ids]] if ids.__class__ is str else [records[i] for i in sorted(ids)]
        if not include_deleted:
            rows = [r for r in rows if not r["IsDeleted"]]
        if test is not None:
            rows = [r for r in rows if test(r)]
        if sort is not None:
            return sort(rows)
        return rows[start:stop]
    return fetch


def _sorter(child: ChildQuery, ctx: StoreSource, start: int, stop: int | None
            ) -> Callable[[list[dict]], list[dict]] | None:
    """ORDER BY … [OFFSET/LIMIT] of one parent's few children, its keys built once per query."""
    order = child.bound.order
    if not order:
        return None
    directions = {desc for _p, desc, _n in order}
    if len(directions) > 1:
        return lambda rows: order_rows(rows, order, ctx, start, stop)
    descending = directions.pop()
    keys = [_level_key(accessor(path, ctx), path.field.type in TEXT, desc, nulls, False)
            for path, desc, nulls in order]
    key = keys[0] if len(keys) == 1 else (lambda r: tuple(k(r) for k in keys))

    def sort(rows: list[dict]) -> list[dict]:
        try:
            rows.sort(key=key, reverse=descending)
        except TypeError:  # values of mixed types (bad data): the general path orders them as text
            return order_rows(rows, order, ctx, start, stop)
        return rows[start:stop]
    return sort


def child_renderer(child: ChildQuery, ctx: StoreSource, version: str,
                   render_child: Callable[[dict], dict]) -> Callable[[dict], dict | None]:
    """``parent record -> {"totalSize", "done", "records"}`` or None when it has no matching children."""
    fetch = child_fetcher(child, ctx)

    def render(parent: dict) -> dict | None:
        rows = fetch(parent)
        if not rows:
            return None
        return {"totalSize": len(rows), "done": True, "records": [render_child(r) for r in rows]}
    return render
