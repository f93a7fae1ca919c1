"""Query results kept for queryMore (SPEC SF-REST-8): the org's query context and its cursors; no HTTP.

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

from ..sobjects.records import OrgData
from ..sobjects.schema import Schema
from ..sobjects.store import ObjectStore

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
    render: Callable[[dict], dict] | None  # None after a restart until :meth:`bind`
    total_size: int
    batch: int
    user_id: str
    last_used: datetime
    soql: str = ""
    version: str = ""

    def __reduce__(self) -> tuple:
        """Pickled (durable state) as its query and the ids of its rows, not as a renderer closure."""
        ids = self.records if self.render is None else [r["Id"] for r in self.records]  # unbound: ids already
        return _unbound_cursor, (ids, self.total_size, self.batch, self.user_id,
                                 self.last_used, self.soql, self.version)

    def bind(self, data: OrgData) -> None:
        """After a restart: bind the query again for its renderer and find the rows by id."""
        if self.render is not None:
            return
        from . import prepare
        from .result import make_renderer
        ctx = OrgQueryContext(data, self.version, self.last_used)
        bound = prepare(self.soql, ctx)
        self.render = make_renderer(bound, ctx, self.version)
        store = data.store(bound.sobject.name)
        self.records = [record for record in map(store.get, self.records) if record is not None]


def _unbound_cursor(ids: list, total_size: int, batch: int, user_id: str, last_used: datetime, soql: str,
                    version: str) -> Cursor:
    return Cursor(ids, None, total_size, batch, user_id, last_used, soql, version)


def batch_size(header: str | None) -> int:
    """The batch size asked in ``Sforce-Query-Options``, clamped to 200..2000."""
    match = _BATCH_RE.search(header or "")
    if not match:
        return DEFAULT_BATCH
    return max(MIN_BATCH, min(MAX_BATCH, int(match.group(1))))


def page(cursor: Cursor, locator_id: str, position: int, version: str, resource: str) -> dict:
    end = position + cursor.batch
    body: dict = {"totalSize": cursor.total_size, "done": end >= len(cursor.records)}
    if not body["done"]:
        body["nextRecordsUrl"] = f"/services/data/{version}/{resource}/{locator_id}-{end}"
    body["records"] = [cursor.render(r) for r in cursor.records[position:end]]
    return body


def open_cursor(data: OrgData, cursor: Cursor, locator_id: str) -> None:
    """Keep a cursor for queryMore; a user keeps at most ``CURSORS_PER_USER`` (the oldest go)."""
    cursors = data.cursors
    mine = sorted((c.last_used, k) for k, c in cursors.items() if c.user_id == cursor.user_id)
    while len(mine) >= CURSORS_PER_USER:
        del cursors[mine.pop(0)[1]]
    cursors[locator_id] = cursor


def expire_cursors(data: OrgData, now: datetime) -> None:
    """Drop cursors idle for ``CURSOR_IDLE`` (a time-driven transition, run by the backend's tick)."""
    cursors = data.cursors
    if cursors:
        for key in [k for k, c in cursors.items() if now >= c.last_used + CURSOR_IDLE]:
            del cursors[key]


def cursor_usable(cursor: Cursor | None, position: str, user_id: str, now: datetime) -> bool:
    """Whether a locator's cursor may serve ``position`` to this user now."""
    return (cursor is not None and position.isdigit() and now < cursor.last_used + CURSOR_IDLE
            and cursor.user_id == user_id and int(position) <= len(cursor.records))
