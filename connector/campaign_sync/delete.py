"""Delete objects in the CRM by primary key (sObject Collections, 200 ids per call, allOrNone off).

The ids come from the recipients linked to the object (optionally a selection of them) or
are given. Each call's results are written at once: deleted recipients are marked, a
refused id is a reject (e.g. ENTITY_IS_DELETED). Deleting is idempotent, so ids not
processed after a process error are simply deleted by the next run.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from connector.salesforce import SalesforceClient, SalesforceError
from connector.salesforce.collections import MAX_RECORDS, delete_many

from .db import transaction
from .errors import ConfigurationError
from .importer import Clock, utc_now
from .options import to_utc
from .outcome import Outcome, from_collection_errors, process_failure, store_rejects


@dataclass
class DeleteSpec:
    """Settings of one "Delete objects in the CRM" activity."""

    activity: str
    sobject: str
    recipients: list[int] | None = None
    ids: list[str] | None = None
    process_rejects: bool = False
    process_errors: bool = True


def _targets(conn: sqlite3.Connection, spec: DeleteSpec) -> list[tuple[int | None, str]]:
    if spec.ids is not None:
        return [(None, i) for i in spec.ids]
    query = ("SELECT id, crm_id FROM recipients WHERE lower(crm_object) = lower(?) AND crm_id IS NOT NULL "
             "AND crm_deleted IS NULL")
    params: list = [spec.sobject]
    if spec.recipients is not None:
        query += f" AND id IN ({','.join('?' * len(spec.recipients))})"
        params += list(spec.recipients)
    return [(r[0], r[1]) for r in conn.execute(query + " ORDER BY id", params)]


def run_delete(client: SalesforceClient, conn: sqlite3.Connection, spec: DeleteSpec,
               now: Clock = utc_now) -> Outcome:
    """Delete the targets; rejects and process errors are part of the outcome."""
    if spec.ids is not None and spec.recipients is not None:
        raise ConfigurationError("give either CRM ids or recipients to delete, not both")
    outcome = Outcome("delete", spec.activity)
    targets = _targets(conn, spec)
    for start in range(0, len(targets), MAX_RECORDS):
        chunk = targets[start:start + MAX_RECORDS]
        try:
            results = delete_many(client, [crm_id for _, crm_id in chunk])
        except SalesforceError as error:
            left = len(targets) - start
            return process_failure(conn, outcome, error, left, spec.process_errors,
                                   f"delete {spec.activity} stopped, {left} ids left for the next run")
        stamp = to_utc(now()).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        fresh = []
        with transaction(conn):
            for (recipient, crm_id), result in zip(chunk, results):
                outcome.processed += 1
                if result.get("success"):
                    outcome.deleted += 1
                    conn.execute("UPDATE recipients SET crm_deleted = ? WHERE lower(crm_object) = lower(?) "
                                 "AND crm_id = ?", (stamp, spec.sobject, crm_id))
                else:
                    reject = from_collection_errors(result.get("errors", []))
                    reject.recipient_id, reject.crm_id = recipient, crm_id
                    fresh.append(reject)
            if spec.process_rejects and fresh:
                store_rejects(conn, spec.activity, "delete", fresh)
        for reject in fresh:
            outcome.reject(reject)
    return outcome
