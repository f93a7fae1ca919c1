"""Bulk API 2.0 jobs of one org (SPEC SF-REST-12): the job model and its state machine, no HTTP.

Jobs live in ``OrgData.bulk_jobs``, with the Bulk API 1.0 jobs of
:mod:`.v1_jobs` (one job id space, ``kind`` tells them apart). State moves
forward on the emulator clock in one place, :func:`tick`, for both APIs: a
job closed with ``UploadComplete`` (an ingest job) or created (a query job)
is ``InProgress`` until ``OrgConfig.bulk_processing_seconds`` have passed,
then it is processed in one go, stamped with that due instant, and becomes
``JobComplete`` (or ``Failed``); a Bulk API 1.0 batch likewise from when it
was added. With the default of 0 seconds the next read finds it done. Row
processing is in :mod:`.ingest` and :mod:`.query`, shared by both APIs.

Request errors use the real codes and, where public sources show them, the
real texts: ``INVALIDJOB`` "InvalidJob : Unable to find object: X",
``API_ERROR`` "Invalid value: 'x' supplied for property: 'operation'",
``BULK_API_ERROR`` "Found multipe contents for job: <id>, …" (sic) on a
second upload; unknown jobs are 404 ``NOT_FOUND``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ...core.ids import IdSource, normalize_id
from ..errors import SalesforceError, not_found
from ..sobjects.records import OrgData
from ..sobjects.render import sf_datetime

JOB_PREFIX = "750"
INGEST, QUERY = "ingest", "query"
CLASSIC = "classic"  # a Bulk API 1.0 job (bulk.v1_jobs.V1Job), kept in the same table: one job id space
INGEST_OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
QUERY_OPERATIONS = ("query", "queryAll")
DELIMITERS = {"BACKQUOTE": "`", "CARET": "^", "COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "TAB": "\t"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
OPEN, UPLOAD_COMPLETE, IN_PROGRESS = "Open", "UploadComplete", "InProgress"
JOB_COMPLETE, FAILED, ABORTED = "JobComplete", "Failed", "Aborted"
PENDING = (UPLOAD_COMPLETE, IN_PROGRESS)
DELETABLE = (UPLOAD_COMPLETE, JOB_COMPLETE, ABORTED, FAILED)  # "Delete a Job" in the Bulk API 2.0 guide
ROWS_PER_BATCH = 10_000  # Bulk API 2.0 counts every 10 000 ingested records as one batch of the daily allocation
LIST_PAGE = 1000  # Get All Jobs returns up to 1000 jobs per request


def bulk_error(code: str, message: str, status: int = 400) -> SalesforceError:
    return SalesforceError(status, code, message)


def invalid_value(prop: str, value: Any) -> SalesforceError:
    shown = "" if value is None else value
    return bulk_error("API_ERROR", f"Invalid value: '{shown}' supplied for property: '{prop}'")


@dataclass
class Job:
    """One Bulk API 2.0 job; ``results`` holds what processing left (see bulk_ingest/bulk_query)."""

    id: str
    kind: str
    operation: str
    object: str
    created_by: str
    created_at: datetime
    api_version: float
    line_ending: str = "LF"
    column_delimiter: str = "COMMA"
    external_id_field: str | None = None
    query: str | None = None
    state: str = OPEN
    modstamp: datetime | None = None
    closed_at: datetime | None = None
    upload: bytes | None = None
    processed: int = 0
    failed: int = 0
    processing_ms: int = 0
    error_message: str | None = None
    results: Any = None

    @property
    def job_type(self) -> str:
        return "V2Ingest" if self.kind == INGEST else "V2Query"

    @property
    def version(self) -> str:
        return f"v{self.api_version:.1f}"

    def start(self, closed_at: datetime) -> None:
        """Shown as InProgress while its processing time has not come."""
        if self.state == UPLOAD_COMPLETE:
            self.state, self.modstamp = IN_PROGRESS, closed_at

    def finish(self, data: OrgData, ids: IdSource, due: datetime, processing_ms: int) -> None:
        """Process the job in one go, as of its due instant."""
        self.processing_ms = processing_ms
        self.modstamp = due
        if self.kind == INGEST:
            from .ingest import process
            process(self, data, ids, due)
        else:
            from .query import process as run_query
            run_query(self, data, due)

    def _head(self) -> dict:
        body = {"id": self.id, "operation": self.operation, "object": self.object, "createdById": self.created_by,
                "createdDate": sf_datetime(self.created_at), "systemModstamp": sf_datetime(self.modstamp),
                "state": self.state}
        if self.external_id_field:
            body["externalIdFieldName"] = self.external_id_field
        body.update(concurrencyMode="Parallel", contentType="CSV", apiVersion=self.api_version)
        return body

    def created_info(self) -> dict:
        """The answer to the create call."""
        body = self._head()
        if self.kind == INGEST:
            body["contentUrl"] = f"services/data/{self.version}/jobs/ingest/{self.id}/batches"
        body.update(lineEnding=self.line_ending, columnDelimiter=self.column_delimiter)
        return body

    def changed_info(self) -> dict:
        """The answer to a state change (PATCH): the head fields only, as the real API sends."""
        return self._head()

    def summary(self) -> dict:
        """One entry of Get All Jobs."""
        body = self._head()
        body["jobType"] = self.job_type
        if self.kind == INGEST and self.state == OPEN:
            body["contentUrl"] = f"services/data/{self.version}/jobs/ingest/{self.id}/batches"
        body.update(lineEnding=self.line_ending, columnDelimiter=self.column_delimiter)
        return body

    def info(self) -> dict:
        """Get Job Info: the summary plus the processing figures."""
        body = self.summary()
        body["numberRecordsProcessed"] = self.processed
        if self.kind == INGEST:
            body["numberRecordsFailed"] = self.failed
        body.update(retries=0, totalProcessingTime=self.processing_ms)
        if self.kind == INGEST:
            body.update(apiActiveProcessingTime=self.processing_ms, apexProcessingTime=0)
        if self.error_message:
            body["errorMessage"] = self.error_message
        return body


class BulkJobs:
    """The jobs of one org as seen by one call: a clock reading, the caller and the API version."""

    def __init__(self, data: OrgData, ids: IdSource, now: datetime, user_id: str, version: str) -> None:
        self.data = data
        self.ids = ids
        self.now = now.replace(microsecond=0)
        self.user_id = user_id
        self.version = version
        self.advance()

    # -- lazy progress ---------------------------------------------------------------
    def advance(self) -> None:
        """Move every job and batch whose processing time has come to its outcome (see :func:`tick`)."""
        tick(self.data, self.ids, self.now)

    # -- lookups -----------------------------------------------------------------------
    def get(self, kind: str, job_id: str) -> Job:
        normalized = normalize_id(job_id)
        job = self.data.bulk_jobs.get(normalized) if normalized else None
        if job is None or job.kind != kind:
            raise not_found()
        return job

    def listing(self, kind: str, job_type: str | None, locator: str | None, path: str) -> dict:
        jobs = [j for j in self.data.bulk_jobs.values() if j.kind == kind]
        if job_type is not None:
            jobs = [j for j in jobs if j.job_type == job_type]
        start = _offset(locator)
        page = jobs[start:start + LIST_PAGE]
        done = start + LIST_PAGE >= len(jobs)
        return {"done": done, "records": [j.summary() for j in page],
                "nextRecordsUrl": None if done else f"{path}?queryLocator=01g{start + LIST_PAGE}"}

    # -- creation ------------------------------------------------------------------------
    def _new(self, kind: str, operation: str, sobject: str, body: dict, **extra: Any) -> Job:
        line_ending = _choice(body, "lineEnding", LINE_ENDINGS, "LF")
        delimiter = _choice(body, "columnDelimiter", DELIMITERS, "COMMA")
        if body.get("contentType", "CSV") != "CSV":
            raise invalid_value("contentType", body.get("contentType"))
        job = Job(self.ids.new_id(JOB_PREFIX), kind, operation, sobject, self.user_id, self.now,
                  float(self.version[1:]), line_ending, delimiter, modstamp=self.now, **extra)
        self.data.bulk_jobs[job.id] = job
        return job

    def create_ingest(self, body: Any) -> Job:
        body = _object_body(body)
        operation = body.get("operation")
        if operation not in INGEST_OPERATIONS:
            raise invalid_value("operation", operation)
        name = body.get("object")
        schema = self.data.schema.get(name) if isinstance(name, str) else None
        if schema is None:
            raise bulk_error("INVALIDJOB", f"InvalidJob : Unable to find object: {name if name else ''}")
        external = None
        if operation == "upsert":
            given = body.get("externalIdFieldName")
            key = schema.field(given) if isinstance(given, str) else None
            if key is None or not (key.external_id or key.id_lookup or key.type == "id"):
                raise bulk_error("INVALIDJOB", f"InvalidJob : Field name provided, {given or ''} does not match an "
                                 f"External ID for {schema.name}")
            external = key.name
        config = self.data.org.config
        if self.data.bulk_usage.current(self.now) >= config.daily_bulk_api_limit:
            raise bulk_error("EXCEEDEDQUOTA", "ExceededQuota : The job or batch you tried to create exceeds the "
                             "allowed number for the past 24-hour period.")
        return self._new(INGEST, operation, schema.name, body, external_id_field=external)

    def create_query(self, body: Any) -> Job:
        from .query import check_query
        body = _object_body(body)
        operation = body.get("operation")
        if operation not in QUERY_OPERATIONS:
            raise invalid_value("operation", operation)
        soql = body.get("query")
        if not isinstance(soql, str) or not soql.strip():
            raise invalid_value("query", soql if isinstance(soql, str) else None)
        sobject = check_query(soql, self.data, self.version, self.now)
        job = self._new(QUERY, operation, sobject, body, query=soql)
        job.state, job.closed_at = UPLOAD_COMPLETE, self.now
        return job

    # -- transitions ------------------------------------------------------------------------
    def upload(self, job_id: str, data: bytes) -> None:
        job = self.get(INGEST, job_id)
        if job.state != OPEN:
            raise bulk_error("INVALIDJOBSTATE", f"Unable to upload data to job {job.id}: the job is in state "
                             f"{job.state}; data can only be uploaded while it is Open")
        if job.upload is not None:
            raise bulk_error("BULK_API_ERROR", f"Found multipe contents for job: <{job.id[:15]}>, please 'Close' / "
                             "'Abort' / 'Delete' the current Job then create a new Job and make sure you only do "
                             "'PUT' once on a given Job.")
        job.upload = data

    def change_state(self, kind: str, job_id: str, body: Any) -> Job:
        job = self.get(kind, job_id)
        target = _object_body(body).get("state")
        allowed = (UPLOAD_COMPLETE, ABORTED) if kind == INGEST else (ABORTED,)
        if target not in allowed:
            raise bulk_error("INVALIDJOBSTATE", f"Invalid job state: {target}; use one of {', '.join(allowed)}")
        sources = (OPEN,) if target == UPLOAD_COMPLETE else (OPEN, *PENDING)
        if job.state not in sources:
            raise bulk_error("INVALIDJOBSTATE", f"Unable to change the state of job {job.id} from {job.state} to "
                             f"{target}")
        job.state, job.modstamp = target, self.now
        if target == UPLOAD_COMPLETE:
            job.closed_at = self.now
        return job

    def delete(self, kind: str, job_id: str) -> None:
        job = self.get(kind, job_id)
        if job.state not in DELETABLE:
            raise bulk_error("INVALIDJOBSTATE", f"Unable to delete job {job.id} in state {job.state}: a job can be "
                             f"deleted once it is {', '.join(DELETABLE)}")
        del self.data.bulk_jobs[job.id]


def tick(data: OrgData, ids: IdSource, now: datetime) -> None:
    """The time-driven transition of both Bulk APIs for one org, as of ``now``.

    Work is due ``OrgConfig.bulk_processing_seconds`` after it was queued: a
    Bulk API 2.0 job once closed (``UploadComplete``) or created (query), a
    Bulk API 1.0 batch once added. Due work is processed oldest first, each
    stamped with its due instant; work not yet due is shown ``InProgress``.
    """
    now = now.replace(microsecond=0)  # jobs and batches are stamped in whole seconds
    delay = timedelta(seconds=data.org.config.bulk_processing_seconds)
    waiting: list[tuple[datetime, str, Any]] = [(j.closed_at, j.id, j) for j in data.bulk_jobs.values()
                                                 if j.state in PENDING]
    for job in data.bulk_jobs.values():
        if job.kind == CLASSIC:
            waiting.extend((b.created_at, b.id, b) for b in job.pending())
    waiting.sort(key=lambda item: (item[0], item[1]))
    for queued_at, _, work in waiting:
        due = queued_at + delay
        if now < due:
            work.start(queued_at)
            continue
        work.finish(data, ids, due, int(delay.total_seconds() * 1000))
        if isinstance(work, Job) and work.kind == INGEST:
            rows = work.results.rows if work.results is not None else 0
            data.bulk_usage.current(now)
            data.bulk_usage.used += max(1, math.ceil(rows / ROWS_PER_BATCH))


def _choice(body: dict, prop: str, options: dict, default: str) -> str:
    value = body.get(prop, default)
    if not isinstance(value, str) or value not in options:
        raise invalid_value(prop, value)
    return value


def _object_body(body: Any) -> dict:
    if not isinstance(body, dict):
        raise bulk_error("JSON_PARSER_ERROR", "The request body must be a JSON object")
    return body


def _offset(locator: str | None) -> int:
    if not locator:
        return 0
    digits = locator[3:] if locator.startswith("01g") else ""
    if not digits.isdigit():
        raise invalid_value("queryLocator", locator)
    return int(digits)
