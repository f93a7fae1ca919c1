"""Bulk API 2.0 ingest: processing the uploaded CSV and the result files (SPEC SF-REST-12).

The upload is kept once, as uploaded; rows are read from it with :mod:`csv`,
streaming, when the job is processed and again when a result file is asked
for. Per row only the outcome is kept (a status byte, the record id, the
``sf__Error`` text of a failed row), so a million-row job costs a few bytes
per row on top of its records.

CSV semantics follow the Bulk API 2.0 guide: the header row holds field API
names (any case) or relationship columns ``[Type:]Relationship.IndexedField``
(``Account.ExtId__c``); an empty value leaves a field unset and ``#N/A``
sets it to null. Every row goes through :class:`~.records.Records` with the
REST validation; a row's failure becomes its ``sf__Error``:
``REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --``.
A header naming an unknown field fails the whole job with
``InvalidBatch : Field name not found : Foo__c`` (the real job errorMessage).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ...core.ids import IdSource, normalize_id
from .job import DELIMITERS, FAILED, JOB_COMPLETE, LINE_ENDINGS, Job
from ..errors import ErrorDetail, SalesforceError, ValidationFailure
from ..sobjects.records import MultipleMatches, OrgData, Records
from ..sobjects.schema import SObjectSchema

UNPROCESSED, CREATED, UPDATED, FAILED_ROW = 0, 1, 2, 3
NULL = "#N/A"  # a value that sets the field to null
UNDO_FLUSH = 1000  # bulk rows are never rolled back: drop the undo log every so many rows


@dataclass
class IngestResults:
    """Per-row outcome, in upload order: status byte, record id (or None), error text of failed rows."""

    status: bytearray = field(default_factory=bytearray)
    ids: list = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return len(self.status)

    def ok(self, record_id: str, created: bool) -> None:
        self.status.append(CREATED if created else UPDATED)
        self.ids.append(record_id)

    def fail(self, record_id: str | None, text: str) -> None:
        self.errors[len(self.status)] = text
        self.status.append(FAILED_ROW)
        self.ids.append(record_id or None)


class IngestTarget(Protocol):
    """What the ingest engine reads of a job (a Bulk API 2.0 ``Job`` or a Bulk API 1.0 ``V1Job``)."""

    object: str
    operation: str
    external_id_field: str | None
    created_by: str


class JobFailure(Exception):
    """The whole job fails: its state becomes Failed with this errorMessage."""


class RowFailure(Exception):
    """One row fails before it reaches the record service; ``args[0]`` is its sf__Error."""


def error_text(detail: ErrorDetail) -> str:
    """``CODE:message:Field1 Field2 --`` (``CODE:message:--`` when no field is named)."""
    fields = " ".join(detail.fields or [])
    return f"{detail.error_code}:{detail.message}:{fields} --" if fields else f"{detail.error_code}:{detail.message}:--"


def read_upload(job: Job) -> tuple[list[str] | None, Iterator[list[str]]]:
    """(header, data rows) of the upload, parsed lazily; blank lines are not rows."""
    stream = io.TextIOWrapper(io.BytesIO(job.upload or b""), encoding="utf-8", errors="replace", newline="")
    reader = csv.reader(stream, delimiter=DELIMITERS[job.column_delimiter])
    header = next(reader, None)
    return header, (row for row in reader if row)


# -- header --------------------------------------------------------------------------------
@dataclass
class Plan:
    """How the columns of an upload map to the object: plain fields and relationship lookups."""

    width: int
    plain: list[tuple[int, str]]  # (column, canonical field name)
    relations: list[tuple[int, str, SObjectSchema, Any]]  # (column, reference field, target object, key field)
    index: dict[str, int]  # canonical field name -> column


def plan_columns(data: OrgData, schema: SObjectSchema, header: list[str]) -> Plan:
    plan = Plan(len(header), [], [], {})
    for column, raw in enumerate(header):
        if "." not in raw:
            field_def = schema.field(raw)
            if field_def is None:
                raise JobFailure(f"InvalidBatch : Field name not found : {raw}")
            plan.plain.append((column, field_def.name))
            plan.index[field_def.name] = column
            continue
        left, _, key_name = raw.partition(".")
        type_name, _, rel_name = left.rpartition(":")
        ref = schema.relationship(rel_name)
        if ref is None:
            raise JobFailure(f"InvalidBatch : Unable to find relationship: {rel_name}")
        if type_name and len(ref.reference_to) < 2:
            raise JobFailure(f"InvalidBatch : type is not needed for non polymorphic foreign key references: "
                             f"{rel_name}")
        target_name = type_name or ref.reference_to[0]
        target = data.schema.get(target_name) if target_name in ref.reference_to or not type_name else None
        key = target.field(key_name) if target is not None else None
        if key is None or not (key.external_id or key.id_lookup or key.type == "id"):
            raise JobFailure(f"InvalidBatch : Field name not found : {raw}")
        plan.relations.append((column, ref.name, target, key))
    return plan


def _check_line_ending(job: Job) -> None:
    data = job.upload or b""
    end = data.find(b"\n")
    if end < 0:
        return
    crlf = end > 0 and data[end - 1:end] == b"\r"
    if crlf != (job.line_ending == "CRLF"):
        raise JobFailure(f"ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is "
                         f"{job.line_ending}")


# -- rows ----------------------------------------------------------------------------------
def _resolve(data: OrgData, target: SObjectSchema, key: Any, value: str) -> str:
    store = data.store(target.name)
    if key.type == "id":
        normalized = normalize_id(value)
        ids = {normalized} if normalized and store.get(normalized) is not None else set()
    else:
        ids = store.lookup(key.name, value)
        if ids is None:
            ids = {r["Id"] for r in store.scan() if r.get(key.name) == value}
    live = sorted(i for i in ids if not store.get(i)["IsDeleted"])
    if len(live) == 1:
        return live[0]
    problem = "not found" if not live else "matched more than one record"
    raise RowFailure(f"INVALID_FIELD:Foreign key external ID: {value} {problem} for field {key.name} in entity "
                     f"{target.name}:--")


def _payload(data: OrgData, plan: Plan, row: list[str], skip: str | None = None) -> dict:
    if len(row) != plan.width:
        if len(row) > plan.width:
            raise RowFailure(f"INVALID_FIELD:The row has {len(row)} values but the header row has {plan.width} "
                             "columns:--")
        row = row + [""] * (plan.width - len(row))
    payload: dict[str, Any] = {}
    for column, name in plan.plain:
        value = row[column]
        if value and name != skip:
            payload[name] = None if value == NULL else value
    for column, ref_name, target, key in plan.relations:
        value = row[column]
        if value:
            payload[ref_name] = None if value == NULL else _resolve(data, target, key, value)
    return payload


def _cell(plan: Plan, row: list[str], name: str) -> str:
    column = plan.index.get(name)
    return row[column] if column is not None and column < len(row) else ""


def _problem_text(problem: Exception, key: str | None) -> str:
    if isinstance(problem, RowFailure):
        return problem.args[0]
    if isinstance(problem, MultipleMatches):
        return (f"DUPLICATE_EXTERNAL_ID:{key}: more than one record found for external id field: "
                f"[{', '.join(problem.ids)}]:--")
    if isinstance(problem, (ValidationFailure, SalesforceError)):
        return error_text(problem.details[0])
    raise problem


def _insert(records: Records, data: OrgData, job: IngestTarget, plan: Plan, rows: Iterator[list[str]],
            results: IngestResults) -> None:
    def payloads() -> Iterator[dict]:
        # create_many takes one payload, then yields its outcome: outcomes are recorded in row order
        for row in rows:
            try:
                payload = _payload(data, plan, row)
            except RowFailure as failure:
                results.fail(None, failure.args[0])
                continue
            yield payload

    for record, failure in records.create_many(job.object, payloads()):
        if record is not None:
            results.ok(record["Id"], True)
        else:
            results.fail(None, error_text(failure.details[0]))


def _one_by_one(records: Records, data: OrgData, job: IngestTarget, plan: Plan, rows: Iterator[list[str]],
                results: IngestResults) -> None:
    key = job.external_id_field
    for row in rows:
        given = _cell(plan, row, "Id")
        try:
            if job.operation == "upsert":
                value = _cell(plan, row, key)
                if key == "Id" and value == NULL:
                    value = ""  # a blank or null Id inserts the row, as Salesforce does
                if not value and key != "Id" or value == NULL:
                    raise RowFailure(f"MISSING_ARGUMENT:{key} not specified:--")
                record, created = records.upsert(job.object, key, value,
                                                 _payload(data, plan, row, "Id" if key == "Id" else None))
                results.ok(record["Id"], created)
            elif job.operation == "update":
                record = records.update(job.object, given, _payload(data, plan, row, "Id"))
                results.ok(record["Id"], False)
            else:
                record = records.delete(job.object, given)
                if job.operation == "hardDelete":
                    data.store(job.object).purge(record["Id"])
                results.ok(record["Id"], False)
        except (RowFailure, ValidationFailure, SalesforceError) as problem:
            results.fail(given if job.operation != "upsert" else None, _problem_text(problem, key))
        if len(records.undo) > UNDO_FLUSH:
            records.undo.clear()


def apply_rows(job: IngestTarget, data: OrgData, ids: IdSource, at: datetime, header: list[str] | None,
               rows: Iterator[list[str]], results: IngestResults) -> None:
    """Apply rows of CSV cells to the org as of ``at``, outcomes into ``results`` in row order.

    The one ingest engine of both Bulk APIs: a Bulk API 2.0 job's upload and
    each Bulk API 1.0 batch (CSV as sent, JSON records turned into cells) go
    through it. Raises :class:`JobFailure` for what fails the whole upload.
    """
    if header is None:
        return
    schema = data.schema.get(job.object)
    if schema is None:
        raise JobFailure(f"InvalidJob : Unable to find object: {job.object}")
    plan = plan_columns(data, schema, header)
    records = Records(data, ids, at, job.created_by)
    step = _insert if job.operation == "insert" else _one_by_one
    step(records, data, job, plan, rows, results)


def process(job: Job, data: OrgData, ids: IdSource, at: datetime) -> None:
    """Apply the upload as of ``at``; the job ends JobComplete, or Failed with its errorMessage."""
    results = job.results = IngestResults()
    try:
        _check_line_ending(job)
        header, rows = read_upload(job)
        apply_rows(job, data, ids, at, header, rows, results)
        job.state = JOB_COMPLETE
    except JobFailure as failure:
        job.state, job.error_message = FAILED, failure.args[0]
    except csv.Error as exc:
        job.state, job.error_message = FAILED, f"ClientInputError : Failed to parse the CSV data: {exc}"
    job.processed = results.rows
    job.failed = len(results.errors)


# -- result files ----------------------------------------------------------------------------
SUCCESSFUL, FAILED_RESULTS, UNPROCESSED_RECORDS = "successfulResults", "failedResults", "unprocessedrecords"


def result_file(job: Job, which: str) -> str:
    """One result CSV: ``"sf__Id","sf__Created"`` / ``"sf__Id","sf__Error"`` + the original columns and values."""
    delimiter, ending = DELIMITERS[job.column_delimiter], LINE_ENDINGS[job.line_ending]
    out = io.StringIO()
    quoted = csv.writer(out, delimiter=delimiter, lineterminator=ending, quoting=csv.QUOTE_ALL)
    plain = csv.writer(out, delimiter=delimiter, lineterminator=ending)
    try:
        header, rows = read_upload(job)
    except csv.Error:
        header, rows = None, iter(())
    prefix = {SUCCESSFUL: f'"sf__Id"{delimiter}"sf__Created"', FAILED_RESULTS: f'"sf__Id"{delimiter}"sf__Error"'}
    if which in prefix:
        out.write(prefix[which] + (delimiter if header else ""))
    if header:
        plain.writerow(header)
    elif which in prefix:
        out.write(ending)
    results: IngestResults = job.results or IngestResults()
    status, ids, errors, done = results.status, results.ids, results.errors, results.rows
    try:
        for index, row in enumerate(rows):
            state = status[index] if index < done else UNPROCESSED
            if which == SUCCESSFUL and state in (CREATED, UPDATED):
                quoted.writerow([ids[index], "true" if state == CREATED else "false", *row])
            elif which == FAILED_RESULTS and state == FAILED_ROW:
                quoted.writerow([ids[index] or "", errors[index], *row])
            elif which == UNPROCESSED_RECORDS and state == UNPROCESSED:
                plain.writerow(row)
    except csv.Error:
        pass  # the job failed on the same bad line; what came before it is listed
    return out.getvalue()
