"""getUpdated / getDeleted helpers over the REST replication resources (CON-SF-1, SPEC SF-REST-9).

The API answers ``INVALID_REPLICATION_DATE`` for a start more than 30 days
back or not a minute before the end, and ``EXCEEDED_ID_LIMIT`` past 600 000
ids. These helpers refuse the first two before calling (``ValueError``), walk
the window in minute-aligned slices (``step``, one day by default), halve a
slice that still hits the id limit, and merge the answers into one result of
the API's shape.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from .client import SalesforceClient
from .errors import SalesforceError

MAX_AGE = timedelta(days=30)
DEFAULT_STEP = timedelta(days=1)
MINUTE = timedelta(minutes=1)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def format_instant(moment: datetime) -> str:
    """``2024-05-06T10:20:00+00:00`` (requests URL-encodes the ``+``)."""
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def parse_sf_datetime(text: str) -> datetime:
    """``2013-05-08T21:20:00.000+0000`` → aware UTC datetime."""
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text).astimezone(timezone.utc)


Slice = tuple[datetime, datetime, dict]  # (start, end, the API's answer for that window)


def check_window(start: datetime, end: datetime, now: datetime,
                 max_age: timedelta = MAX_AGE) -> tuple[datetime, datetime]:
    """The minute-aligned ``(start, end)``, or ``ValueError`` for a window the API would refuse."""
    start, end, now = _minute(_utc(start)), _minute(_utc(end)), _utc(now)
    if start < _minute(now - max_age):
        raise ValueError(f"start {start.isoformat()} is more than {max_age.days} days ago; Salesforce only keeps "
                         f"{max_age.days} days of replication data (INVALID_REPLICATION_DATE)")
    if start >= end:
        raise ValueError("start must be at least one minute before end (seconds are ignored by the API)")
    return start, end


def _slices(start: datetime, end: datetime, step: timedelta) -> list[tuple[datetime, datetime]]:
    step = timedelta(minutes=max(int(step.total_seconds() // 60), 1))  # whole minutes, as the API reads them
    bounds, cursor = [], start
    while cursor < end:
        nxt = min(cursor + step, end)
        bounds.append((cursor, nxt))
        cursor = nxt
    return bounds


def _fetch(client: SalesforceClient, resource: str, start: datetime, end: datetime) -> list[Slice]:
    """One slice; on EXCEEDED_ID_LIMIT, its two halves (down to one minute)."""
    try:
        body = client.request("GET", resource, params={"start": format_instant(start),
                                                       "end": format_instant(end)}).json()
        return [(start, end, body)]
    except SalesforceError as error:
        if error.error_code != "EXCEEDED_ID_LIMIT" or end - start <= MINUTE:
            raise
    middle = _minute(start + (end - start) / 2)
    middle = max(middle, start + MINUTE)
    return _fetch(client, resource, start, middle) + _fetch(client, resource, middle, end)


def _walk(client: SalesforceClient, sobject: str, kind: str, start: datetime, end: datetime | None,
          now: datetime | None, step: timedelta) -> list[Slice]:
    now = _utc(now) if now is not None else datetime.now(timezone.utc)
    # the API drops the seconds of ``end``: by default end at the next minute so this minute's changes count
    start, end = check_window(start, end if end is not None else _minute(now) + MINUTE, now)
    pages = []
    for low, high in _slices(start, end, step):
        pages.extend(_fetch(client, f"sobjects/{sobject}/{kind}/", low, high))
    return pages


def _latest_covered(pages: list[Slice]) -> str:
    """The first slice that is not fully covered bounds the whole answer; else the last slice's value."""
    for _low, high, body in pages:
        covered = body.get("latestDateCovered")
        if covered and parse_sf_datetime(covered) < high:
            return covered
    return pages[-1][2]["latestDateCovered"]


def get_updated(client: SalesforceClient, sobject: str, start: datetime, end: datetime | None = None, *,
                now: datetime | None = None, step: timedelta = DEFAULT_STEP) -> dict[str, Any]:
    """``{"ids", "latestDateCovered"}`` for ``[start, end]``, ids once each, in order.

    ``end`` defaults to the minute after ``now`` (the caller's clock unless given).
    """
    pages = _walk(client, sobject, "updated", start, end, now, step)
    seen: dict[str, None] = {}
    for _low, _high, body in pages:
        seen.update(dict.fromkeys(body.get("ids", [])))
    return {"ids": list(seen), "latestDateCovered": _latest_covered(pages)}


def get_deleted(client: SalesforceClient, sobject: str, start: datetime, end: datetime | None = None, *,
                now: datetime | None = None, step: timedelta = DEFAULT_STEP) -> dict[str, Any]:
    """``{"deletedRecords", "earliestDateAvailable", "latestDateCovered"}``; each id once, latest deletion."""
    pages = _walk(client, sobject, "deleted", start, end, now, step)
    latest: dict[str, dict] = {}
    key: Callable[[dict], datetime] = lambda entry: parse_sf_datetime(entry["deletedDate"])  # noqa: E731
    for _low, _high, body in pages:
        for entry in body.get("deletedRecords", []):
            known = latest.get(entry["id"])
            if known is None or key(entry) >= key(known):
                latest[entry["id"]] = entry
    return {"deletedRecords": sorted(latest.values(), key=lambda e: (key(e), e["id"])),
            "earliestDateAvailable": pages[-1][2].get("earliestDateAvailable"),
            "latestDateCovered": _latest_covered(pages)}
