"""Replication windows: what sObject Get Updated and Get Deleted return (SPEC SF-REST-9); no HTTP.

``GET /services/data/vXX.X/sobjects/{T}/updated/?start=&end=`` and
``…/deleted/?start=&end=`` (the front dispatcher strips the trailing slash).

Rules, read on the emulator clock:

* ``start`` and ``end`` are ISO 8601 date-times with an offset (``Z`` or a
  URL-encoded ``+hh:mm``); their seconds are ignored (truncated to the minute);
* ``start`` older than the window (``updated_window_days`` /
  ``deletion_window_days``, 30 by default) or not before ``end`` → 400
  ``INVALID_REPLICATION_DATE``;
* more than :data:`MAX_IDS` ids → 400 ``EXCEEDED_ID_LIMIT``;
* ``/updated`` lists live records whose ``SystemModstamp`` (the field the real
  call uses) falls in ``[start, end]``, read from the store's ordered index;
* ``/deleted`` lists the org's deletion log in ``[start, end]`` for records
  still deleted (in the recycle bin or already purged from it after
  ``recycle_bin_days``), each id once with its latest deletion;
* ``latestDateCovered`` is ``end``, or the current minute when ``end`` is
  later (nothing after "now" can be covered yet); ``earliestDateAvailable``
  is the oldest instant the deletion log still covers.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from ...core.clock import parse_instant
from ..errors import SalesforceError
from ..sobjects.records import OrgData
from ..sobjects.store import ObjectStore

MAX_IDS = 600_000  # per call, as documented for both resources
REPLICATION_FIELD = "SystemModstamp"
_ISO_WITH_OFFSET = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$")


def replication_error(message: str) -> SalesforceError:
    return SalesforceError(400, "INVALID_REPLICATION_DATE", message)


def to_minute(moment: datetime) -> datetime:
    """The API ignores the seconds of start and end (12:30:15 → 12:30:00)."""
    return moment.replace(second=0, microsecond=0)


def parse_param(args: Mapping[str, str], name: str) -> datetime:
    """One date-time query parameter, truncated to the minute."""
    raw = args.get(name)
    if raw is None or not _ISO_WITH_OFFSET.match(raw.strip()):
        raise replication_error(f"{name} date is not in the correct format")
    try:
        return to_minute(parse_instant(raw))
    except (ValueError, OverflowError):
        raise replication_error(f"{name} date is not in the correct format") from None


def replication_window(args: Mapping[str, str], window_days: int, now: datetime) -> tuple[datetime, datetime]:
    """``(start, end)`` of a call, or INVALID_REPLICATION_DATE."""
    start, end = parse_param(args, "start"), parse_param(args, "end")
    if start < to_minute(now - timedelta(days=window_days)):
        raise replication_error(f"startDate cannot be more than {window_days} days ago")
    if start >= end:
        raise replication_error("endDate must be at least one minute greater than startDate")
    return start, end


def latest_date_covered(start: datetime, end: datetime, now: datetime) -> datetime:
    """``end``, or the current minute when ``end`` lies ahead (never before ``start``)."""
    return max(start, min(end, to_minute(now)))


def _check_id_limit(count: int) -> None:
    if count > MAX_IDS:
        raise SalesforceError(400, "EXCEEDED_ID_LIMIT",
                              f"record limit reached. cannot return more than {MAX_IDS} ids; choose start and end "
                              "dates that are closer together")


def updated_ids(store: ObjectStore, start: datetime, end: datetime) -> list[str]:
    """Live records whose SystemModstamp is in ``[start, end]``, oldest change first (ordered index)."""
    ids = store.range(REPLICATION_FIELD, start, True, end, True)
    if ids is None:  # pragma: no cover - every store indexes SystemModstamp
        raise SalesforceError(500, "UNKNOWN_EXCEPTION", f"{REPLICATION_FIELD} is not indexed")
    found: list[str] = []
    records = store.records
    for record_id in ids:
        if not records[record_id]["IsDeleted"]:
            found.append(record_id)
            if len(found) > MAX_IDS:
                _check_id_limit(len(found))
    return found


def deleted_entries(data: OrgData, sobject: str, start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """``(deletedDate, id)`` of records deleted in ``[start, end]`` and not undeleted since."""
    log: Iterable[tuple[datetime, str]] = data.deletions.get(sobject, ())
    store = data.store(sobject)
    latest: dict[str, datetime] = {}
    for when, record_id in log:
        if start <= when <= end:
            record = store.get(record_id)
            if record is None or record["IsDeleted"]:
                latest[record_id] = when
    _check_id_limit(len(latest))
    return sorted(((when, record_id) for record_id, when in latest.items()))
