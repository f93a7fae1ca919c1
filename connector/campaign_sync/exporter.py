"""Export to the CRM: insert, or update when the primary key is mapped; Bulk API 2.0 or Collections.

Resume design (the seed: "resume after an error without exporting a record twice and
without losing one"). The journal (:mod:`.journal`) records every row's intent before
anything is sent, then each batch before it is sent:

- **Bulk API 2.0**: the job is created first, its id is recorded with its rows as
  ``sent``, then the CSV is uploaded and the job closed. An interrupted run finds the job
  on Salesforce: still ``Open`` (never closed, so Salesforce never processes its data) → it
  is aborted and its rows are sent again; closed or finished → the run waits for it and
  reads its successful and failed results, which echo every column sent. Update results
  are matched on ``Id``; insert results on the row's content (identical rows are
  interchangeable). Nothing is ever sent twice.
- **Collections** (200 records per call): an interrupted update call is sent again
  (updates are idempotent: the same values are written, no record is created). An
  interrupted insert call is reconciled by querying back the records the session's user
  created since the call (``CreatedById``, ``CreatedDate``) with the same values, excluding
  Ids the journal already holds; only the rows not found are sent again. This relies on
  no one changing those new records in between; prefer Bulk mode when that may happen.

A failure that is not a reject (authentication, limits, retries exhausted, a failed job)
ends the run as a process error; its rows stay pending or sent for the next run.
"""
from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable

from connector.salesforce import NotFound, SalesforceClient, SalesforceError
from connector.salesforce.bulk2 import NULL, BulkJobTimeout, wait
from connector.salesforce.collections import create_many, update_many

from . import journal
from .db import transaction
from .conversions import ConversionError, export_value, zone
from .errors import ConfigurationError
from .fieldspec import FieldMap, parse_all
from .importer import Clock, utc_now
from .outcome import Outcome, Reject, from_collection_errors, parse_bulk_error, process_failure, store_rejects
from .remote import RemoteObject

MODES = ("bulk", "collections")
DEFAULT_BATCH = {"bulk": 100_000, "collections": 200}
CRM_ID_KEY = "crm_id"


class JobEndedBadly(SalesforceError):
    """A Bulk API job ended Failed or Aborted; its unprocessed rows stay for the next run."""


@dataclass
class ExportSpec:
    """Settings of one export activity (the seed's "Export to the CRM")."""

    activity: str
    sobject: str
    mapping: list[Any] = field(default_factory=list)
    key: str | None = None
    mode: str = "bulk"
    batch_size: int | None = None
    recipients: list[int] | None = None
    timezone: str | None = None
    process_rejects: bool = False
    process_errors: bool = True
    poll_interval: float = 2.0
    poll_timeout: float = 600.0
    sleep: Callable[[float], Any] = time.sleep


def _cell(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _csv(header: list[str], rows: list[journal.JournalRow]) -> tuple[bytes, list[tuple[str, ...]]]:
    """The CSV body and each row's cells (the key results are matched on)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    cells = [tuple(_cell(row.payload.get(name)) for name in header) for row in rows]
    writer.writerows(cells)
    return out.getvalue().encode("utf-8"), cells


def _plan_rows(conn: sqlite3.Connection, spec: ExportSpec, remote: RemoteObject,
               maps: list[FieldMap]) -> list[tuple[int, str, dict[str, Any] | None, tuple[str, str] | None]]:
    """Each recipient's operation and converted payload (or a conversion reject)."""
    tz = zone(spec.timezone)
    query = "SELECT id, crm_object, crm_id, data FROM recipients"
    params: list[Any] = []
    if spec.recipients is not None:
        query += f" WHERE id IN ({','.join('?' * len(spec.recipients))})"
        params = list(spec.recipients)
    planned = []
    for row in conn.execute(query + " ORDER BY id", params):
        data = json.loads(row["data"])
        key = None
        if spec.key == CRM_ID_KEY:
            key = row["crm_id"] if (row["crm_object"] or "").lower() == remote.name.lower() else None
        elif spec.key:
            key = data.get(spec.key)
        payload: dict[str, Any] = {"Id": key} if key else {}
        try:
            for m in maps:
                payload[m.remote] = export_value(data.get(m.local), remote.type_of(m.remote), m.conversion, tz)
        except ConversionError as error:
            planned.append((row["id"], "update" if key else "insert", None, ("CONVERSION_ERROR", str(error))))
            continue
        planned.append((row["id"], "update" if key else "insert", payload, None))
    return planned


class _Exporter:
    def __init__(self, client: SalesforceClient, conn: sqlite3.Connection, spec: ExportSpec, run: journal.Run,
                 outcome: Outcome, now: Clock) -> None:
        self.client, self.conn, self.spec, self.run, self.outcome, self.now = client, conn, spec, run, outcome, now
        self.batch_size = spec.batch_size or DEFAULT_BATCH[run.mode]

    # -- results -----------------------------------------------------------------------------
    def _settle(self, batch_id: str, state: str, rows: list[journal.JournalRow],
                results: dict[int, tuple[str, Any]]) -> None:
        """results: position -> ("done", crm_id) | ("rejected", Reject); rows without one go back to pending."""
        done, rejected, back = [], [], []
        for row in rows:
            found = results.get(row.position)
            if found is None:
                back.append(row.position)
            elif found[0] == "done":
                done.append((row.position, row.recipient_id, found[1]))
                self.outcome.processed += 1
                if row.operation == "insert":
                    self.outcome.inserted += 1
                else:
                    self.outcome.updated += 1
            else:
                reject: Reject = found[1]
                reject.recipient_id = row.recipient_id
                reject.crm_id = row.payload.get("Id")
                rejected.append((row.position, reject.error_symbol, reject.error_message))
                self.outcome.processed += 1
                self.outcome.reject(reject)
        journal.settle(self.conn, self.run, batch_id, state, done, rejected, back)

    # -- bulk --------------------------------------------------------------------------------
    def _header(self, operation: str) -> list[str]:
        return (["Id"] if operation == "update" else []) + [h for h in self.run.header if h != "Id"]

    def _bulk_results(self, job_id: str, which: str) -> list[dict[str, str]]:
        text = self.client.request("GET", f"jobs/ingest/{job_id}/{which}", headers={"Accept": "text/csv"}).text
        return list(csv.DictReader(io.StringIO(text, newline="")))

    def _bulk_reconcile(self, job_id: str, operation: str) -> None:
        rows = journal.batch_rows(self.conn, job_id)
        try:
            info = self.client.request("GET", f"jobs/ingest/{job_id}").json()
        except NotFound:
            info = {"id": job_id, "state": "Deleted"}
        if info.get("state") == "Open":
            # never closed: Salesforce will not process it; abort it and send its rows again
            self.client.request("PATCH", f"jobs/ingest/{job_id}", json={"state": "Aborted"})
            self._settle(job_id, "aborted", rows, {})
            return
        if info.get("state") == "Deleted":
            raise JobEndedBadly(404, "NOT_FOUND", f"bulk job {job_id} of this export no longer exists on "
                                                  "Salesforce; its rows cannot be reconciled")
        if info.get("state") not in ("JobComplete", "Failed", "Aborted"):
            info = wait(self.client, "ingest", job_id, self.spec.poll_interval, self.spec.poll_timeout,
                        self.spec.sleep)
        header = self._header(operation)
        by_content: dict[tuple[str, ...], list[int]] = defaultdict(list)
        _body, cells = _csv(header, rows)
        for row, cell in zip(rows, cells):
            by_content[cell].append(row.position)
        results: dict[int, tuple[str, Any]] = {}
        for kind, which in (("done", "successfulResults"), ("rejected", "failedResults")):
            for result in self._bulk_results(job_id, which):
                positions = by_content.get(tuple(result.get(name, "") for name in header))
                if not positions:
                    continue
                position = positions.pop(0)
                if kind == "done":
                    results[position] = ("done", result.get("sf__Id") or result.get("Id"))
                else:
                    results[position] = ("rejected", parse_bulk_error(result.get("sf__Error", "")))
        self._settle(job_id, "done", rows, results)
        if info.get("state") != "JobComplete":
            raise JobEndedBadly(400, info.get("state", "").upper() or "FAILED",
                                f"bulk job {job_id} ended {info.get('state')}: {info.get('errorMessage', '')}")

    def _bulk_batch(self, operation: str, rows: list[journal.JournalRow]) -> None:
        header = self._header(operation)
        body, _cells = _csv(header, rows)
        job = self.client.request("POST", "jobs/ingest", json={
            "object": self.run.sobject, "operation": operation, "contentType": "CSV", "lineEnding": "LF"}).json()
        journal.mark_sent(self.conn, self.run, job["id"], "bulk", operation, rows)
        self.client.request("PUT", f"jobs/ingest/{job['id']}/batches", data=body,
                            headers={"Content-Type": "text/csv"})
        self.client.request("PATCH", f"jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
        self._bulk_reconcile(job["id"], operation)

    # -- collections ------------------------------------------------------------------------------
    def _collections_batch(self, operation: str, rows: list[journal.JournalRow]) -> None:
        batch_id = f"collections-{uuid.uuid4().hex}"
        sent_at = (self.now() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        journal.mark_sent(self.conn, self.run, batch_id, "collections", operation, rows, sent_at)
        records = [dict(row.payload) for row in rows]
        send = create_many if operation == "insert" else update_many
        answers = send(self.client, self.run.sobject, records)
        results: dict[int, tuple[str, Any]] = {}
        for row, answer in zip(rows, answers):
            if answer.get("success"):
                results[row.position] = ("done", answer.get("id") or row.payload.get("Id"))
            else:
                results[row.position] = ("rejected", from_collection_errors(answer.get("errors", [])))
        self._settle(batch_id, "done", rows, results)

    def _collections_reconcile(self, batch: sqlite3.Row) -> None:
        rows = journal.batch_rows(self.conn, batch["id"])
        if batch["operation"] == "update" or not rows:
            self._settle(batch["id"], "aborted", rows, {})  # updates are idempotent: send them again
            return
        user_id = self._user_id()
        fields = self.run.header
        soql = (f"SELECT Id, {', '.join(fields)} FROM {self.run.sobject} WHERE CreatedById = '{user_id}' "
                f"AND CreatedDate >= {batch['sent_at']} ORDER BY CreatedDate, Id")
        known = journal.known_ids(self.conn, self.run)
        wanted: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for row in rows:
            wanted[tuple(_norm(row.payload.get(name)) for name in fields)].append(row.position)
        results: dict[int, tuple[str, Any]] = {}
        for record in self.client.query(soql):
            if record["Id"] in known:
                continue
            positions = wanted.get(tuple(_norm(record.get(name)) for name in fields))
            if positions:
                results[positions.pop(0)] = ("done", record["Id"])
        self._settle(batch["id"], "done", rows, results)

    def _user_id(self) -> str:
        token = self.client.token
        if token is not None and token.id:
            return token.id.rstrip("/").rsplit("/", 1)[-1]
        return self.client.userinfo()["user_id"]

    # -- the run -----------------------------------------------------------------------------------
    def resume(self) -> None:
        for batch in journal.sent_batches(self.conn, self.run):
            if batch["kind"] == "bulk":
                self._bulk_reconcile(batch["id"], batch["operation"])
            else:
                self._collections_reconcile(batch)

    def send_pending(self) -> None:
        for operation in ("update", "insert"):
            while rows := journal.pending(self.conn, self.run, operation, self.batch_size):
                if self.run.mode == "bulk":
                    self._bulk_batch(operation, rows)
                else:
                    self._collections_batch(operation, rows)


def _norm(value: Any) -> str:
    """Values compared when querying back: numbers by value, datetimes to the second."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value))
    text = str(value)
    if len(text) >= 19 and text[4] == "-" and text[10] == "T":
        return text[:19]
    return text


def _start(client: SalesforceClient, conn: sqlite3.Connection, spec: ExportSpec) -> journal.Run:
    if spec.mode not in MODES:
        raise ConfigurationError(f"unknown export mode {spec.mode!r} (bulk or collections)")
    if spec.batch_size is not None and not 1 <= spec.batch_size <= (200 if spec.mode == "collections" else 10**7):
        raise ConfigurationError(f"batch size {spec.batch_size} out of range for {spec.mode} mode")
    try:
        remote = RemoteObject.fetch(client, spec.sobject)
    except NotFound:
        raise ConfigurationError(f"unknown remote object {spec.sobject!r}") from None
    maps = [FieldMap(remote.field(m.remote, "mapped remote field")["name"], m.local, m.conversion)
            for m in parse_all(spec.mapping, unique="remote")]
    if not maps:
        raise ConfigurationError("an export needs at least one mapped field")
    if any(m.remote == "Id" for m in maps):
        raise ConfigurationError("map the primary key with `key`, not as a field")
    remote.check_writable([m.remote for m in maps], "insert")
    if spec.key:
        remote.check_writable([m.remote for m in maps], "update")
    rows = _plan_rows(conn, spec, remote, maps)
    return journal.start_run(conn, spec.activity, remote.name, spec.mode, [m.remote for m in maps], rows)


def run_export(client: SalesforceClient, conn: sqlite3.Connection, spec: ExportSpec,
               now: Clock = utc_now) -> Outcome:
    """Start (or resume) the activity's export; settings errors raise before anything is written."""
    outcome = Outcome("export", spec.activity)
    run = journal.running(conn, spec.activity)
    if run is not None and run.sobject.lower() != spec.sobject.lower():
        raise ConfigurationError(f"an interrupted export of {run.sobject} is pending for activity {spec.activity}; "
                                 "run it again with the same remote object to finish it")
    resumed = run is not None
    if run is None:
        try:
            run = _start(client, conn, spec)
        except SalesforceError as error:
            return process_failure(conn, outcome, error, 0, spec.process_errors,
                                   f"export {spec.activity} could not start, nothing written")
        for row in conn.execute("SELECT recipient_id, error_symbol, error_message FROM export_journal "
                                "WHERE run_id = ? AND state = 'rejected'", (run.id,)):
            outcome.processed += 1
            outcome.reject(Reject(row[1], row[2], [], row[0]))
    exporter = _Exporter(client, conn, spec, run, outcome, now)
    outcome.variables = {"runId": str(run.id), "resumed": "true" if resumed else "false", "mode": run.mode}
    try:
        exporter.resume()
        exporter.send_pending()
    except (SalesforceError, BulkJobTimeout) as error:
        pending = journal.unfinished(conn, run)
        return process_failure(conn, outcome, error, pending, spec.process_errors,
                               f"export {spec.activity} stopped, {pending} rows kept for the next run")
    if spec.process_rejects and outcome.rejects:
        with transaction(conn):
            store_rejects(conn, spec.activity, "export", outcome.rejects)
    journal.finish(conn, run)
    return outcome
