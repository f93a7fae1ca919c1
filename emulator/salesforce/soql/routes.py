"""SOQL over REST: ``/query``, ``/queryAll`` and queryMore locators (SPEC SF-REST-8).

Results come in batches (2000 by default; ``Sforce-Query-Options:
batchSize=200..2000``); the rest is kept as a cursor behind a root-relative
``nextRecordsUrl`` ``/services/data/vXX.X/query/01g…-2000``. Cursors expire
after 15 minutes without use and each user keeps at most 10 open, as in
Salesforce.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import g, request

from ...core.http import json_response
from ..blueprint import sf_blueprint
from ..errors import SalesforceError
from ..sobjects.recent import mark
from ..sobjects.records import OrgData
from ..sobjects.schema import Schema
from . import execute
from .explain import explain
from ..sobjects.store import ObjectStore

bp = sf_blueprint("salesforce_query", __name__)

DEFAULT_BATCH, MIN_BATCH, MAX_BATCH = 2000, 200, 2000
CURSOR_IDLE = timedelta(minutes=15)
CURSORS_PER_USER = 10
_BATCH_RE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


class OrgQueryContext:
    """A :class:`~.soql.QueryContext` over one org at one instant."""

    def __init__(self, data: OrgData, version: str, now: datetime) -> None:
        self.data = data
        self.schema: Schema = data.schema
        self.version = version
        self._now = now

    def store(self, sobject_name: str) -> ObjectStore:
        return self.data.store(sobject_name)

    def now(self) -> datetime:
        return self._now


@dataclass
class Cursor:
    records: list
    render: Callable[[dict], dict]
    total_size: int
    batch: int
    user_id: str
    last_used: datetime


def batch_size(header: str | None) -> int:
    match = _BATCH_RE.search(header or "")
    if not match:
        return DEFAULT_BATCH
    return max(MIN_BATCH, min(MAX_BATCH, int(match.group(1))))


def _page(cursor: Cursor, locator_id: str, position: int, version: str, resource: str) -> dict:
    end = position + cursor.batch
    body: dict = {"totalSize": cursor.total_size, "done": end >= len(cursor.records)}
    if not body["done"]:
        body["nextRecordsUrl"] = f"/services/data/{version}/{resource}/{locator_id}-{end}"
    body["records"] = [cursor.render(r) for r in cursor.records[position:end]]
    return body


def _open_cursor(data: OrgData, cursor: Cursor, locator_id: str, now: datetime) -> None:
    cursors = data.cursors
    for key in [k for k, c in cursors.items() if now >= c.last_used + CURSOR_IDLE]:
        del cursors[key]
    mine = sorted((c.last_used, k) for k, c in cursors.items() if c.user_id == cursor.user_id)
    while len(mine) >= CURSORS_PER_USER:
        del cursors[mine.pop(0)[1]]
    cursors[locator_id] = cursor


def _explain(version: str, soql: str):
    ctx = g.sf
    with ctx.backend.lock:
        ctx.records()
        return json_response(explain(soql, OrgQueryContext(ctx.data, version, ctx.backend.now())))


def _run(version: str, include_deleted: bool):
    ctx = g.sf
    if "explain" in request.args and "q" not in request.args:
        return _explain(version, request.args.get("explain") or "")
    soql = request.args.get("q")
    if not soql:
        raise SalesforceError(400, "MALFORMED_QUERY", "A query string has to be specified")
    with ctx.backend.lock:
        now = ctx.backend.now()
        ctx.records()  # applies the recycle-bin purge before reading
        result = execute(soql, OrgQueryContext(ctx.data, version, now), include_deleted=include_deleted)
        if result.for_ is not None:
            mark(ctx.data, ctx.session.user_id, result.sobject, result.records, result.for_, now)
        if result.is_count:
            return json_response({"totalSize": result.total_size, "done": True, "records": []})
        cursor = Cursor(result.records, result.render, result.total_size,
                        batch_size(request.headers.get("Sforce-Query-Options")), ctx.session.user_id, now)
        locator_id = ctx.backend.ids.new_id("01g")
        if len(result.records) > cursor.batch:
            _open_cursor(ctx.data, cursor, locator_id, now)
        resource = "queryAll" if include_deleted else "query"
        return json_response(_page(cursor, locator_id, 0, version, resource))


@bp.get("/<version>/query")
def query(version: str):
    return _run(version, include_deleted=False)


@bp.get("/<version>/queryAll")
def query_all(version: str):
    return _run(version, include_deleted=True)


@bp.get("/<version>/query/<locator>")
@bp.get("/<version>/queryAll/<locator>", endpoint="query_all_more")
def query_more(version: str, locator: str):
    ctx = g.sf
    locator_id, _, position = locator.rpartition("-")
    with ctx.backend.lock:
        now = ctx.backend.now()
        cursor = ctx.data.cursors.get(locator_id)
        if cursor is None or not position.isdigit() or now >= cursor.last_used + CURSOR_IDLE \
                or cursor.user_id != ctx.session.user_id or int(position) > len(cursor.records):
            raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        cursor.last_used = now
        resource = "queryAll" if request.path.split("/")[4] == "queryAll" else "query"
        body = _page(cursor, locator_id, int(position), version, resource)
        if body["done"]:
            del ctx.data.cursors[locator_id]
        return json_response(body)
