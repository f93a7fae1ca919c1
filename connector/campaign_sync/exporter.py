"""Export to the CRM: insert, or update when the primary key is mapped; Bulk API 2.0 or Collections.

Resume design (the seed: "resume after an error without exporting a record twice and
without losing one"). The journal (:mod:`.journal`) records every record's intent when
the run starts, then each batch with the exact body sent before it goes out:

- **Bulk API 2.0**: the job is created first; its id, the CSV and the rows it covers are
  recorded (the batch is ``sent``); then the CSV is uploaded and the job closed. An interrupted run finds the job
  on Salesforce: still ``Open`` (never closed, so Salesforce never processes its data) →
  it is aborted and its rows are sent again; closed or finished → the run waits for it and
  reads its successful and failed results, which echo every column sent, and matches them
  to the recorded CSV rows: by position while they come back in the order sent, by content
  from the first one that does not (identical rows are interchangeable); a processed row whose result
  cannot be matched is reported (``UNRECONCILED``), not sent again. Nothing is sent twice.
- **Collections** (200 records per call): an interrupted update call is sent again (updates
  are idempotent: the same values are written, no record is created). An interrupted insert
  call is reconciled by querying back the records the session's user created since the call
  (``CreatedById``, ``CreatedDate``) with the values recorded, excluding Ids the journal
  already holds; only the rows not found are sent again. This relies on no one changing
  those new records in between; prefer Bulk mode when that may happen.

A failure that is not a reject (authentication, limits, retries exhausted, a failed job)
ends the run as a process error; its rows stay pending or sent for the next run, which
resumes with the settings the run started with.
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
from operator import itemgetter
from datetime import timedelta
from typing import Any, Callable, Iterator

from connector.salesforce import NotFound, SalesforceClient, SalesforceError
from connector.salesforce.bulk2 import NULL, BulkJobTimeout, wait
from connector.salesforce.collections import create_many, update_many

from . import journal
from .conversions import BOOLEAN_TYPES, DATE_TYPES, DATETIME_TYPES, ConversionError, export_value, zone
from .db import transaction
from .errors import ConfigurationError
from .fieldspec import FieldMap, parse_all
from .importer import Clock, utc_now
from .outcome import Outcome, Reject, from_collection_errors, parse_bulk_error, process_failure, store_rejects
from .remote import RemoteObject

MODES = ("bulk", "collections")
DEFAULT_BATCH = {"bulk": 100_000, "collections": 200}
CRM_ID_KEY = "crm_id"
CONVERTED_TYPES = BOOLEAN_TYPES | DATE_TYPES | DATETIME_TYPES  # the field types export_value may change a value of


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
    if type(value) is str:
        return value
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _norm(value: Any) -> str:
    """Values compared when querying back: numbers by value, datetimes to the second."""
    if value is None or value == NULL:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value))
    text = str(value)
    if len(text) >= 19 and text[4] == "-" and text[10] == "T":
        return text[:19]
    return text


class _Matcher:
    """Result rows → the position of the sent row with the same cells (identical rows taken in order)."""

    def __init__(self, rows: Any) -> None:
        self.first: dict[tuple[str, ...], int] = {}
        self.more: dict[tuple[str, ...], list[int]] = {}
        for position, cells in rows:
            if cells in self.first:
                self.more.setdefault(cells, []).append(position)
            else:
                self.first[cells] = position

    def take(self, cells: tuple[str, ...]) -> int | None:
        position = self.first.pop(cells, None)
        if position is not None:
            later = self.more.get(cells)
            if later:
                self.first[cells] = later.pop(0)
        return position


class _Exporter:
    def __init__(self, client: SalesforceClient, conn: sqlite3.Connection, spec: ExportSpec, run: journal.Run,
                 outcome: Outcome, now: Clock) -> None:
        self.client, self.conn, self.spec, self.run, self.outcome, self.now = client, conn, spec, run, outcome, now
        settings = run.settings
        self.maps = [FieldMap(*m) for m in settings["mapping"]]
        self.types: dict[str, str] = settings["types"]
        self.key: str | None = settings["key"]
        self.tz = zone(settings["timezone"])
        self.batch_size = spec.batch_size or DEFAULT_BATCH[run.mode]

    # -- payloads ------------------------------------------------------------------------------
    def _header(self, operation: str) -> list[str]:
        return (["Id"] if operation == "update" else []) + [m.remote for m in self.maps]

    def _columns(self) -> list[str]:
        """The local columns a row needs: the mapped ones, then the key column."""
        columns = [m.local for m in self.maps]
        if self.key and self.key != CRM_ID_KEY:
            columns.append(self.key)
        return columns

    def _payloads(self, rows: list[journal.JournalRow],
                  cells: bool = False) -> tuple[list[journal.JournalRow], list[Any]]:
        """The rows that can be sent and their payloads; the others are rejected now.

        With `cells`, each payload is the row's CSV cells (a tuple of strings, in `_header` order) instead of a dict.
        """
        kept, payloads, rejected = [], [], []
        plan = [(m.remote, index, self.types[m.remote], m.conversion) for index, m in enumerate(self.maps)]
        key_index = len(self.maps)
        tz = self.tz
        # fields whose value goes out as it is read (export_value leaves it unchanged): their cells need no conversion
        plain = cells and all(conversion == "copy_paste" or field_type not in CONVERTED_TYPES
                              for _, _, field_type, conversion in plan)
        for row in rows:
            payload: dict[str, Any] = {}
            if row.operation == "update":
                key = row.crm_id if self.key == CRM_ID_KEY else row.values[key_index]
                if not key:
                    rejected.append((row, Reject("MISSING_KEY", f"the primary key {self.key} has no value")))
                    continue
                payload["Id"] = key
            values = row.values
            if plain:
                kept.append(row)
                head = tuple([_cell(value) for value in payload.values()])  # the Id of an update
                payloads.append(head + tuple([value if type(value) is str else _cell(value)
                                              for value in values[:key_index]]))
                continue
            try:
                for remote, index, field_type, conversion in plan:
                    payload[remote] = export_value(values[index], field_type, conversion, tz)
            except ConversionError as error:
                rejected.append((row, Reject("CONVERSION_ERROR", str(error))))
                continue
            kept.append(row)
            payloads.append(tuple([_cell(value) for value in payload.values()]) if cells else payload)
        if rejected:
            journal.reject_now(self.conn, self.run, [(row.position, r.error_symbol, r.error_message)
                                                     for row, r in rejected])
            for row, reject in rejected:
                self._count_reject(row.recipient_id, reject)
        return kept, payloads

    def _count_reject(self, recipient_id: int, reject: Reject, crm_id: str | None = None) -> None:
        reject.recipient_id, reject.crm_id = recipient_id, crm_id
        self.outcome.processed += 1
        self.outcome.reject(reject)

    def _settle(self, batch: dict[str, Any], state: str, positions: list[int], keys: dict[int, str | None],
                results: dict[int, tuple[str, Any]]) -> None:
        """results: position -> ("done", crm_id) | ("rejected", Reject); rows without one stay pending."""
        operation = batch["operation"]
        links, rejected, back, done = [], [], [], 0
        for position in positions:
            found = results.get(position)
            if found is None:
                back.append(position)
            elif found[0] == "done":
                done += 1
                if operation == "insert":
                    links.append((position, found[1]))
            else:
                rejected.append((position, found[1]))
        journal.settle(self.conn, self.run, batch, state, links,
                       [(p, r.error_symbol, r.error_message) for p, r in rejected], back)
        self.outcome.processed += done
        if operation == "insert":
            self.outcome.inserted += done
        else:
            self.outcome.updated += done
        for position, reject in rejected:
            self._count_reject(position, reject, keys.get(position))  # a run's position is its recipient's id

    # -- bulk ----------------------------------------------------------------------------------
    def _bulk_results(self, job_id: str, which: str, header: list[str]) -> Iterator[tuple[str | None, tuple]]:
        """(sf__Id for a successful result, sf__Error for a failed one; the sent columns' values) of each result row."""
        text = self.client.request("GET", f"jobs/ingest/{job_id}/{which}", headers={"Accept": "text/csv"}).text
        reader = csv.reader(io.StringIO(text, newline=""))
        columns = next(reader, [])
        wanted = "sf__Id" if which == "successfulResults" else "sf__Error"
        absent = None if which == "successfulResults" else ""
        extra = columns.index(wanted) if wanted in columns else None
        sent = [columns.index(name) for name in header] if set(header) <= set(columns) else None
        if sent and len(sent) == 1:
            index = sent[0]
            pick = lambda values: (values[index],)  # noqa: E731
        elif sent:
            pick = itemgetter(*sent)
        else:
            pick = lambda values: ()  # noqa: E731
        for values in reader:
            if values:
                yield (values[extra] if extra is not None else absent), pick(values)

    def _bulk_reconcile(self, batch: dict[str, Any], positions: list[int] | None = None,
                        cells: list[tuple[str, ...]] | None = None) -> None:
        job_id, operation = batch["id"], batch["operation"]
        if positions is None:
            positions = journal.batch_positions(self.conn, self.run, batch)
        try:
            info = self.client.request("GET", f"jobs/ingest/{job_id}").json()
        except NotFound:
            raise JobEndedBadly(404, "NOT_FOUND", f"bulk job {job_id} of this export no longer exists on "
                                                  "Salesforce; its rows cannot be reconciled") from None
        if info.get("state") == "Open":
            # never closed: Salesforce will not process it; abort it and send its rows again
            self.client.request("PATCH", f"jobs/ingest/{job_id}", json={"state": "Aborted"})
            self._settle(batch, "aborted", positions, {}, {})
            return
        if info.get("state") not in ("JobComplete", "Failed", "Aborted"):
            info = wait(self.client, "ingest", job_id, self.spec.poll_interval, self.spec.poll_timeout,
                        self.spec.sleep)
        if cells is None:
            cells = [tuple(values) for values in csv.reader(io.StringIO(batch["body"], newline=""))]
        header = list(cells[0])
        # Results usually come back in the order the rows were sent: match them by position while the
        # next result's cells are those of the next row sent; at the first that is not, match the rest by
        # content (identical rows are interchangeable, so both give the same answer).
        count = len(positions)
        following = 0  # rows [0, following) are matched in order
        matcher: _Matcher | None = None
        keys: dict[int, str | None] = {}
        results: dict[int, tuple[str, Any]] = {}
        for kind, which in (("done", "successfulResults"), ("rejected", "failedResults")):
            for found, key in self._bulk_results(job_id, which, header):
                if matcher is None:
                    if following < count and cells[following + 1] == key:
                        position = positions[following]
                        following += 1
                    else:
                        matcher = _Matcher(zip(positions[following:], cells[following + 1:]))
                        position = matcher.take(key)
                else:
                    position = matcher.take(key)
                if position is None:
                    continue
                if operation == "update":
                    keys[position] = key[0]
                results[position] = ("done", found) if kind == "done" else ("rejected", parse_bulk_error(found))
        if info.get("state") == "JobComplete":
            # every row was processed: a row whose result cannot be matched is reported, never sent again
            for position in positions:
                if position not in results:
                    results[position] = ("rejected", Reject("UNRECONCILED", f"processed by bulk job {job_id} but "
                                                            "its result could not be matched; check it in the CRM"))
        del cells, matcher
        self._settle(batch, "done", positions, keys, results)
        if info.get("state") != "JobComplete":
            raise JobEndedBadly(400, info.get("state", "").upper() or "FAILED",
                                f"bulk job {job_id} ended {info.get('state')}: {info.get('errorMessage', '')}")

    def _bulk_batch(self, operation: str, positions: list[int], cells: list[tuple[str, ...]]) -> None:
        """Send one job; `cells` are the CSV rows, header first (tuples of strings: the GC skips them)."""
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(cells)
        body = out.getvalue()
        job = self.client.request("POST", "jobs/ingest", json={
            "object": self.run.sobject, "operation": operation, "contentType": "CSV", "lineEnding": "LF"}).json()
        batch = {"id": job["id"], "operation": operation, "first_position": positions[0],
                 "last_position": positions[-1]}
        journal.mark_sent(self.conn, self.run, job["id"], "bulk", operation, positions[0], positions[-1], body)
        self.client.request("PUT", f"jobs/ingest/{job['id']}/batches", data=body.encode("utf-8"),
                            headers={"Content-Type": "text/csv"})
        self.client.request("PATCH", f"jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
        self._bulk_reconcile(batch, positions, cells)

    # -- collections ---------------------------------------------------------------------------
    def _collections_batch(self, operation: str, rows: list[journal.JournalRow],
                           payloads: list[dict[str, Any]]) -> None:
        batch_id = f"collections-{uuid.uuid4().hex}"
        sent_at = (self.now() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        batch = {"id": batch_id, "operation": operation, "first_position": rows[0].position,
                 "last_position": rows[-1].position}
        journal.mark_sent(self.conn, self.run, batch_id, "collections", operation, rows[0].position,
                          rows[-1].position, json.dumps(payloads), sent_at)
        send = create_many if operation == "insert" else update_many
        answers = send(self.client, self.run.sobject, payloads)
        results: dict[int, tuple[str, Any]] = {}
        for row, payload, answer in zip(rows, payloads, answers):
            if answer.get("success"):
                results[row.position] = ("done", answer.get("id") or payload.get("Id"))
            else:
                results[row.position] = ("rejected", from_collection_errors(answer.get("errors", [])))
        self._settle(batch, "done", [row.position for row in rows],
                     {row.position: payload.get("Id") for row, payload in zip(rows, payloads)}, results)

    def _collections_reconcile(self, batch: dict[str, Any]) -> None:
        positions = journal.batch_positions(self.conn, self.run, batch)
        if batch["operation"] == "update" or not positions:
            self._settle(batch, "aborted", positions, {}, {})  # idempotent: resend
            return
        payloads = json.loads(batch["body"])
        fields = [m.remote for m in self.maps]
        soql = (f"SELECT Id, {', '.join(fields)} FROM {self.run.sobject} WHERE CreatedById = '{self._user_id()}' "
                f"AND CreatedDate >= {batch['sent_at']} ORDER BY CreatedDate, Id")
        known = journal.known_ids(self.conn, self.run)
        wanted: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for position, payload in zip(positions, payloads):
            wanted[tuple(_norm(payload.get(name)) for name in fields)].append(position)
        results: dict[int, tuple[str, Any]] = {}
        for record in self.client.query(soql):
            if record["Id"] in known:
                continue
            matches = wanted.get(tuple(_norm(record.get(name)) for name in fields))
            if matches:
                results[matches.pop(0)] = ("done", record["Id"])
        self._settle(batch, "done", positions, {}, results)

    def _user_id(self) -> str:
        token = self.client.token
        if token is not None and token.id:
            return token.id.rstrip("/").rsplit("/", 1)[-1]
        return self.client.userinfo()["user_id"]

    # -- the run -------------------------------------------------------------------------------
    def resume(self) -> None:
        for row in journal.sent_batches(self.conn, self.run):
            batch = dict(row)
            if batch["kind"] == "bulk":
                self._bulk_reconcile(batch)
            else:
                self._collections_reconcile(batch)

    def _send_next(self, operation: str) -> bool:
        """Send the next batch of pending rows; False when none is left."""
        rows = journal.pending(self.conn, self.run, operation, self.batch_size, self._columns())
        if not rows:
            return False
        bulk = self.run.mode == "bulk"
        kept, payloads = self._payloads(rows, cells=bulk)
        del rows
        if not kept:
            return True
        if not bulk:
            self._collections_batch(operation, kept, payloads)
            return True
        positions = [row.position for row in kept]
        cells = payloads  # one tuple of strings per row, in _header order ("Id" first for an update)
        cells.insert(0, tuple(self._header(operation)))
        del kept, payloads  # the records are many: let them go before Salesforce processes the job
        self._bulk_batch(operation, positions, cells)
        return True

    def send_pending(self) -> None:
        for operation in ("update", "insert"):
            while self._send_next(operation):
                pass


def _start(client: SalesforceClient, conn: sqlite3.Connection, spec: ExportSpec) -> journal.Run:
    """Check the settings against describe, then write the run and its rows."""
    if spec.mode not in MODES:
        raise ConfigurationError(f"unknown export mode {spec.mode!r} (bulk or collections)")
    if spec.batch_size is not None and not 1 <= spec.batch_size <= (200 if spec.mode == "collections" else 10**7):
        raise ConfigurationError(f"batch size {spec.batch_size} out of range for {spec.mode} mode")
    zone(spec.timezone)
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
    settings = {"mapping": [[m.remote, m.local, m.conversion] for m in maps],
                "types": {m.remote: remote.type_of(m.remote) for m in maps}, "key": spec.key,
                "timezone": spec.timezone}
    return journal.start_run(conn, spec.activity, remote.name, spec.mode, settings, spec.key, spec.recipients)


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
