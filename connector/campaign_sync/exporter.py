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
from itertools import chain
from dataclasses import dataclass, field
from operator import itemgetter
from datetime import timedelta
from typing import Any, Callable

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


class _Done:
    """The rows of a batch that came back done: their positions and CRM Ids, as two parallel lists."""

    __slots__ = ("positions", "ids")

    def __init__(self) -> None:
        self.positions: list[int] = []
        self.ids: list[Any] = []

    def add(self, position: int, crm_id: Any) -> None:
        self.positions.append(position)
        self.ids.append(crm_id)

    def __len__(self) -> int:
        return len(self.positions)


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
        # per operation, the last position read by this process: every row read is rejected, or sent in a batch
        # settled before the next read, so no pending row is at or below it unless a batch left rows without a
        # result or was aborted (then it is forgotten): the next read starts above it
        self.read: dict[str, int] = {}

    # -- payloads ------------------------------------------------------------------------------
    def _header(self, operation: str) -> list[str]:
        return (["Id"] if operation == "update" else []) + [m.remote for m in self.maps]

    def _columns(self) -> list[str]:
        """The local columns a row needs: the mapped ones, then the key column."""
        columns = [m.local for m in self.maps]
        if self.key and self.key != CRM_ID_KEY:
            columns.append(self.key)
        return columns

    def _payloads(self, operation: str, rows: list[journal.PendingRow],
                  cells: bool = False) -> tuple[list[journal.PendingRow], list[Any]]:
        """The rows that can be sent and their payloads; the others are rejected now.

        `rows` are the journal's (position, CRM Id, value…, present) tuples (:func:`journal.pending`). With `cells`,
        each payload is the row's CSV cells (a tuple of strings, in `_header` order) instead of a dict.
        """
        kept, payloads, rejected = [], [], []
        if None in map(itemgetter(-1), rows):  # a recipient deleted since the run started: nothing to send
            rejected = [(row, Reject("RECIPIENT_DELETED", f"recipient {row[0]} was deleted after the export started; "
                                                          "nothing was sent for it"))
                        for row in rows if row[-1] is None]
            rows = [row for row in rows if row[-1] is not None]
        plan = [(m.remote, index, self.types[m.remote], m.conversion) for index, m in enumerate(self.maps, start=2)]
        key_index = 2 + len(self.maps)  # a local key column comes after the mapped ones
        tz = self.tz
        # fields whose value goes out as it is read (export_value leaves it unchanged): their cells need no conversion
        plain = cells and all(conversion == "copy_paste" or field_type not in CONVERTED_TYPES
                              for _, _, field_type, conversion in plan)
        if plain and operation == "insert":
            # the usual bulk insert: the cells are the values read, as they are (a null or a number is written by
            # _cell, like every value that is not a string)
            kept, payloads = rows, list(map(itemgetter(slice(2, key_index)), rows))
            if set(map(type, chain.from_iterable(payloads))) - {str}:
                payloads = [tuple([value if type(value) is str else _cell(value) for value in payload])
                            for payload in payloads]
        else:
            for row in rows:
                payload: dict[str, Any] = {}
                if operation == "update":
                    key = row[1] if self.key == CRM_ID_KEY else row[key_index]
                    if not key:
                        rejected.append((row, Reject("MISSING_KEY", f"the primary key {self.key} has no value")))
                        continue
                    payload["Id"] = key
                if plain:
                    kept.append(row)
                    head = tuple([_cell(value) for value in payload.values()])  # the Id of an update
                    payloads.append(head + tuple([value if type(value) is str else _cell(value)
                                                  for value in row[2:key_index]]))
                    continue
                try:
                    for remote, index, field_type, conversion in plan:
                        payload[remote] = export_value(row[index], field_type, conversion, tz)
                except ConversionError as error:
                    rejected.append((row, Reject("CONVERSION_ERROR", str(error))))
                    continue
                kept.append(row)
                payloads.append(tuple([_cell(value) for value in payload.values()]) if cells else payload)
        if rejected:
            journal.reject_now(self.conn, self.run, [(row[0], r.error_symbol, r.error_message)
                                                     for row, r in rejected])
            for row, reject in rejected:
                self._count_reject(row[0], reject)  # a run's position is its recipient's id
        return kept, payloads

    def _count_reject(self, recipient_id: int, reject: Reject, crm_id: str | None = None) -> None:
        reject.recipient_id, reject.crm_id = recipient_id, crm_id
        self.outcome.processed += 1
        self.outcome.reject(reject)

    def _settle(self, batch: dict[str, Any], state: str, positions: list[int], done: _Done,
                rejected: list[tuple[int, Reject, str | None]]) -> None:
        """Record a batch's results. `done`: positions and CRM Ids; `rejected`: (position, reject, CRM Id);
        each position at most once. The batch's other positions get no result: they stay pending."""
        operation = batch["operation"]
        back: list[int] = []
        if len(done) + len(rejected) < len(positions):
            answered = set(done.positions).union(position for position, *_ in rejected)
            back = [position for position in positions if position not in answered]
        if back or state == "aborted":
            self.read.clear()  # rows to read again
        rejected = sorted(rejected, key=itemgetter(0))  # reported in journal order
        journal.settle(self.conn, self.run, batch, state, (done.positions, done.ids) if operation == "insert" else None,
                       [(p, r.error_symbol, r.error_message) for p, r, _ in rejected], back)
        self.outcome.processed += len(done)
        if operation == "insert":
            self.outcome.inserted += len(done)
        else:
            self.outcome.updated += len(done)
        for position, reject, crm_id in rejected:
            self._count_reject(position, reject, crm_id)  # a run's position is its recipient's id

    # -- bulk ----------------------------------------------------------------------------------
    def _bulk_results(self, job_id: str, which: str, header: list[str]) -> list[tuple[str | None, tuple]]:
        """(sf__Id for a successful result, sf__Error for a failed one; the sent columns' values) of each result row."""
        text = self.client.request("GET", f"jobs/ingest/{job_id}/{which}", headers={"Accept": "text/csv"}).text
        reader = csv.reader(io.StringIO(text, newline=""))
        columns = next(reader, [])
        wanted = "sf__Id" if which == "successfulResults" else "sf__Error"
        absent = None if which == "successfulResults" else ""
        extra = columns.index(wanted) if wanted in columns else None
        sent = [columns.index(name) for name in header] if set(header) <= set(columns) else None
        rows = filter(None, reader)  # without blank lines; each row's list is dropped once its cells are picked
        if extra is not None and sent:
            # the usual case: (found, sent cell…) picked as one tuple of strings per row, then split
            return [(picked[0], picked[1:]) for picked in map(itemgetter(extra, *sent), rows)]
        return [(values[extra] if extra is not None else absent, tuple([values[i] for i in sent or ()]))
                for values in rows]

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
            self._settle(batch, "aborted", positions, _Done(), [])
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
        done = _Done()
        rejected: list[tuple[int, Reject, str | None]] = []
        for kind, which in (("done", "successfulResults"), ("rejected", "failedResults")):
            answers = list(self._bulk_results(job_id, which, header))
            founds, keys = list(map(itemgetter(0), answers)), list(map(itemgetter(1), answers))
            del answers
            end = following + len(keys)
            if matcher is None and end <= count and keys == cells[following + 1:end + 1]:
                matched: list[int | None] = positions[following:end]  # all in order (the usual case): one comparison
                following = end
            else:
                matched = []
                for key in keys:
                    if matcher is None:
                        if following < count and cells[following + 1] == key:
                            matched.append(positions[following])
                            following += 1
                            continue
                        matcher = _Matcher(zip(positions[following:], cells[following + 1:]))
                    matched.append(matcher.take(key))
            if kind == "done" and None not in matched:
                done.positions.extend(matched)
                done.ids.extend(founds)
                continue
            for position, found, key in zip(matched, founds, keys):
                if position is None:
                    continue
                if kind == "done":
                    done.add(position, found)
                else:
                    rejected.append((position, parse_bulk_error(found),
                                     key[0] if operation == "update" and key else None))
        if info.get("state") == "JobComplete" and len(done) + len(rejected) < count:
            # every row was processed: a row whose result cannot be matched is reported, never sent again
            answered = set(done.positions).union(position for position, *_ in rejected)
            rejected.extend((position, Reject("UNRECONCILED", f"processed by bulk job {job_id} but its result "
                                              "could not be matched; check it in the CRM"), None)
                            for position in positions if position not in answered)
        del cells, matcher, founds, keys
        self._settle(batch, "done", positions, done, rejected)
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
    def _collections_batch(self, operation: str, rows: list[journal.PendingRow],
                           payloads: list[dict[str, Any]]) -> None:
        batch_id = f"collections-{uuid.uuid4().hex}"
        sent_at = (self.now() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        batch = {"id": batch_id, "operation": operation, "first_position": rows[0][0],
                 "last_position": rows[-1][0]}
        journal.mark_sent(self.conn, self.run, batch_id, "collections", operation, rows[0][0],
                          rows[-1][0], json.dumps(payloads), sent_at)
        send = create_many if operation == "insert" else update_many
        answers = send(self.client, self.run.sobject, payloads)
        done = _Done()
        rejected: list[tuple[int, Reject, str | None]] = []
        for row, payload, answer in zip(rows, payloads, answers):
            if answer.get("success"):
                done.add(row[0], answer.get("id") or payload.get("Id"))
            else:
                rejected.append((row[0], from_collection_errors(answer.get("errors", [])), payload.get("Id")))
        self._settle(batch, "done", [row[0] for row in rows], done, rejected)

    def _collections_reconcile(self, batch: dict[str, Any]) -> None:
        positions = journal.batch_positions(self.conn, self.run, batch)
        if batch["operation"] == "update" or not positions:
            self._settle(batch, "aborted", positions, _Done(), [])  # idempotent: resend
            return
        payloads = json.loads(batch["body"])
        fields = [m.remote for m in self.maps]
        soql = (f"SELECT Id, {', '.join(fields)} FROM {self.run.sobject} WHERE CreatedById = '{self._user_id()}' "
                f"AND CreatedDate >= {batch['sent_at']} ORDER BY CreatedDate, Id")
        known = journal.known_ids(self.conn, self.run)
        wanted: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for position, payload in zip(positions, payloads):
            wanted[tuple(_norm(payload.get(name)) for name in fields)].append(position)
        done = _Done()
        for record in self.client.query(soql):
            if record["Id"] in known:
                continue
            matches = wanted.get(tuple(_norm(record.get(name)) for name in fields))
            if matches:
                done.add(matches.pop(0), record["Id"])
        self._settle(batch, "done", positions, done, [])

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
        rows = journal.pending(self.conn, self.run, operation, self.batch_size, self._columns(),
                               self.read.get(operation))
        if not rows:
            return False
        self.read[operation] = rows[-1][0]
        bulk = self.run.mode == "bulk"
        kept, payloads = self._payloads(operation, rows, cells=bulk)
        del rows
        if not kept:
            return True
        if not bulk:
            self._collections_batch(operation, kept, payloads)
            return True
        positions = list(map(itemgetter(0), kept))
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
