"""The SOQL engine of the emulated Salesforce org (SPEC SF-REST-8).

``execute(soql, ctx)`` parses the text (:mod:`.parser`, a lark grammar),
checks it against the org's schema (:mod:`.binder`), compiles the WHERE tree
into closures (:mod:`.compiler`), finds the rows through the store's indexes
when a filter is selective (:mod:`.planner`) and returns a
:class:`QueryResult` whose rows the REST layer renders page by page.

Every failure, whatever the input, is a :class:`SalesforceError` (400):
MALFORMED_QUERY, INVALID_TYPE, INVALID_FIELD, INVALID_QUERY_FILTER_OPERATOR
or NUMBER_OUTSIDE_VALID_RANGE, with the real API's messages.
"""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from itertools import islice
from typing import Protocol

from ..errors import SalesforceError
from ..sobjects.schema import Schema
from ..sobjects.store import ObjectStore
from .binder import BoundQuery, bind
from .compiler import accessor
from .nodes import Query
from .parser import parse
from .planner import matching_rows, order_rows, page
from .result import QueryResult, make_flattener, make_renderer

__all__ = ["QueryContext", "QueryResult", "Query", "execute", "parse", "prepare"]


class QueryContext(Protocol):
    """What the engine needs from the org it queries."""

    schema: Schema
    version: str  # e.g. "v59.0", used in attribute urls

    def store(self, sobject_name: str) -> ObjectStore:
        """The store of an object, by canonical name."""
        ...

    def now(self) -> datetime:
        """The emulator clock (aware, UTC); date literals are computed from it."""
        ...


def prepare(soql: str, ctx: QueryContext) -> BoundQuery:
    """Parse and check a query against the org's schema without running it."""
    query = parse(soql)
    today = ctx.now().astimezone(timezone.utc).date()
    return bind(ctx.schema, query, today)


def execute(soql: str, ctx: QueryContext, include_deleted: bool = False) -> QueryResult:
    """Run a SOQL query; ``include_deleted`` (queryAll) keeps rows with IsDeleted = true."""
    try:
        return _execute(soql, ctx, include_deleted)
    except RecursionError:
        raise SalesforceError(400, "MALFORMED_QUERY", "Query is too complicated") from None


def _execute(soql: str, ctx: QueryContext, include_deleted: bool) -> QueryResult:
    bq = prepare(soql, ctx)
    query = bq.query
    name = bq.sobject.name
    start = query.offset or 0
    stop = None if query.limit is None else min(start + query.limit, sys.maxsize)
    rows, ordered = matching_rows(bq, ctx, include_deleted)
    if bq.is_count:
        count = sum(1 for _ in islice(rows, start, stop))
        return QueryResult(name, count, True, [])
    if bq.aggregates:
        matched = list(rows)
        row = {}
        for alias, path in bq.aggregates:
            get = accessor(path, ctx)
            row[alias] = sum(1 for r in matched if get(r) is not None)
        records = [row][start:stop]
        return QueryResult(name, len(records), False, records, aggregate=True,
                           columns=[alias for alias, _p in bq.aggregates],
                           _renderer=make_renderer(bq, ctx, ctx.version), _flattener=make_flattener(bq, ctx))
    if bq.order and not ordered:
        records = order_rows(rows, bq.order, ctx, start, stop)
    else:
        records = page(rows, start, stop)
    return QueryResult(name, len(records), False, records, columns=[p.dotted for p in bq.columns],
                       for_=query.for_, _renderer=make_renderer(bq, ctx, ctx.version), _flattener=make_flattener(bq, ctx))
