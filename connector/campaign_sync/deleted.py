"""Import of objects deleted in the CRM between a start and an end date, both included (getDeleted).

Salesforce serves deletions at most 30 days old: a start further back is refused here,
with a clear error, before any call (the limit is on the deletion's age, not on the
width of the period). A date-only end includes that whole day. The deletions are written
to ``crm_deleted`` and mark the matching recipients, in one transaction.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from connector.salesforce import NotFound, SalesforceClient, SalesforceError
from connector.salesforce.replication import MAX_AGE, get_deleted, parse_sf_datetime

from .dates import parse_user_date
from .db import transaction
from .errors import ConfigurationError, DeletionWindowError
from .importer import Clock, utc_now
from .options import to_utc
from .outcome import Outcome, process_failure

MINUTE = timedelta(minutes=1)


@dataclass
class DeletedSpec:
    """Settings of one "Import of objects deleted in the CRM" activity."""

    activity: str
    sobject: str
    start: Any
    end: Any = None
    process_errors: bool = True


def window(spec: DeletedSpec, now: datetime) -> tuple[datetime, datetime, datetime]:
    """(start, inclusive end, API end) of the period, checked against the 30-day limit."""
    start, _ = parse_user_date(spec.start, "start date")
    if spec.end is None or spec.end == "":
        end_inclusive = now
    else:
        end, date_only = parse_user_date(spec.end, "end date")
        end_inclusive = end + timedelta(days=1) - timedelta(microseconds=1) if date_only else end
    oldest = now - MAX_AGE
    if start.replace(second=0, microsecond=0) < oldest.replace(second=0, microsecond=0):
        raise DeletionWindowError(f"start date {start:%Y/%m/%d %H:%M:%S} is more than {MAX_AGE.days} days ago: "
                                  f"Salesforce cannot retrieve objects deleted before {oldest:%Y/%m/%d %H:%M:%S}")
    if end_inclusive < start:
        raise DeletionWindowError(f"end date {end_inclusive:%Y/%m/%d %H:%M:%S} is before start date "
                                  f"{start:%Y/%m/%d %H:%M:%S}")
    api_end = min(end_inclusive.replace(second=0, microsecond=0) + MINUTE, now.replace(second=0, microsecond=0)
                  + MINUTE)
    return start, end_inclusive, max(api_end, start.replace(second=0, microsecond=0) + MINUTE)


def run_deleted_import(client: SalesforceClient, conn: sqlite3.Connection, spec: DeletedSpec,
                       now: Clock = utc_now) -> Outcome:
    """Read the deletions of the period and record them locally."""
    outcome = Outcome("deleted", spec.activity)
    current = to_utc(now())
    start, end_inclusive, api_end = window(spec, current)
    outcome.variables = {"start": start.isoformat(), "end": end_inclusive.isoformat()}
    try:
        answer = get_deleted(client, spec.sobject, start.replace(second=0, microsecond=0), api_end, now=current)
    except NotFound:
        raise ConfigurationError(f"unknown remote object {spec.sobject!r}") from None
    except SalesforceError as error:
        return process_failure(conn, outcome, error, 0, spec.process_errors,
                               f"import of deleted {spec.sobject} failed, nothing written")
    entries = [(e["id"], e["deletedDate"]) for e in answer["deletedRecords"]
               if start <= parse_sf_datetime(e["deletedDate"]) <= end_inclusive]
    outcome.rows_read = len(entries)
    with transaction(conn):
        conn.executemany("INSERT INTO crm_deleted (crm_object, crm_id, deleted_date) VALUES (?, ?, ?) "
                         "ON CONFLICT (crm_object, crm_id) DO UPDATE SET deleted_date = excluded.deleted_date",
                         ((spec.sobject, crm_id, when) for crm_id, when in entries))
        cursor = conn.executemany("UPDATE recipients SET crm_deleted = ? WHERE lower(crm_object) = lower(?) "
                                  "AND crm_id = ?", ((when, spec.sobject, crm_id) for crm_id, when in entries))
        outcome.deleted = cursor.rowcount
    outcome.processed = len(entries)
    return outcome
