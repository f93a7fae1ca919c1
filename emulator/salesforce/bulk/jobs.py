"""Bulk API 2.0 jobs of one org (SPEC SF-REST-12): creation, transitions and progress on the clock; no HTTP.

Jobs live in ``OrgData.bulk_jobs`` (the model is :mod:`.job`), with the Bulk
API 1.0 jobs of :mod:`.v1_jobs` (one job id space; ``kind`` tells them
apart). State moves forward on the emulator clock in :func:`advance_jobs`,
for both APIs, which the backend's ``tick`` runs once per request before
dispatch: a job closed with
``UploadComplete`` (an ingest job) or created (a query job) is ``InProgress``
until ``OrgConfig.bulk_processing_seconds`` have passed, then it is
processed in one go, stamped with that due instant, and becomes
``JobComplete`` (or ``Failed``). With the default of 0 seconds the next
request finds it done; a Bulk API 1.0 batch likewise from when it was added.
Row processing is in :mod:`.ingest` and :mod:`.query`, shared by both APIs.

Request errors use the real codes and, where public sources show them, the
real texts: ``INVALIDJOB`` "InvalidJob : Unable to find object: X",
``API_ERROR`` "Invalid value: 'x' supplied for property: 'operation'",
``BULK_API_ERROR`` "Found multipe contents for job: <id>, …" (sic) on a
second upload; unknown jobs are 404 ``NOT_FOUND``.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from ...core.ids import IdSource, normalize_id
from ..errors import not_found
from ..sobjects.records import OrgData
from . import ingest, query as query_jobs
from .job import (ABORTED, CLASSIC, DELETABLE, DELIMITERS, INGEST, INGEST_OPERATIONS, JOB_PREFIX, LINE_ENDINGS,
                  OPEN, PENDING, QUERY, QUERY_OPERATIONS, ROWS_PER_BATCH, UPLOAD_COMPLETE, Job, bulk_error,
                  invalid_value)

LIST_PAGE = 1000  # Get All Jobs returns up to 1000 jobs per request


def advance_jobs(data: OrgData, ids: IdSource, now: datetime) -> None:
    """The time-driven transition of both Bulk APIs for one org, as of ``now`` (oldest work first).

    Work is due ``OrgConfig.bulk_processing_seconds`` after it was queued: a
    Bulk API 2.0 job once closed (``UploadComplete``) or created (query), a
    Bulk API 1.0 batch once added (:mod:`.v1_jobs`). Due work is processed in
    one go, stamped with its due instant; work not yet due shows
    ``InProgress``. Only jobs waiting in ``data.bulk_pending`` are looked at,
    so a tick with no pending job costs one emptiness check.
    """
    if not data.bulk_pending:
        return
    now = now.replace(microsecond=0)
    delay = timedelta(seconds=data.org.config.bulk_processing_seconds)
    processing_ms = int(delay.total_seconds() * 1000)
    waiting: list[tuple[datetime, str, Any]] = []
    for job_id in list(data.bulk_pending):
        job = data.bulk_jobs.get(job_id)
        batches = job.pending() if job is not None and job.kind == CLASSIC else None
        if batches:
            waiting.extend((batch.created_at, batch.id, batch) for batch in batches)
        elif batches is None and job is not None and job.state in PENDING:
            waiting.append((job.closed_at, job.id, job))
        else:
            data.bulk_pending.discard(job_id)
    waiting.sort(key=lambda item: (item[0], item[1]))
    for queued_at, _, work in waiting:
        due = queued_at + delay
        if now < due:
            work.start(queued_at)
            continue
        if not isinstance(work, Job):
            work.finish(data, ids, due, processing_ms)  # a Bulk API 1.0 batch
            continue
        data.bulk_pending.discard(work.id)
        work.processing_ms = processing_ms
        work.modstamp = due
        if work.kind == INGEST:
            ingest.process(work, data, ids, due)
            rows = work.results.rows if work.results is not None else 0
            data.bulk_usage.current(now)
            data.bulk_usage.used += max(1, math.ceil(rows / ROWS_PER_BATCH))
        else:
            query_jobs.process(work, data, due)


class BulkJobs:
    """The jobs of one org as seen by one call: a clock reading, the caller and the API version."""

    def __init__(self, data: OrgData, ids: IdSource, now: datetime, user_id: str, version: str) -> None:
        self.data = data
        self.ids = ids
        self.now = now.replace(microsecond=0)
        self.user_id = user_id
        self.version = version

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
        body, operation = _job_request(body, INGEST_OPERATIONS)
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
        body, operation = _job_request(body, QUERY_OPERATIONS)
        soql = body.get("query")
        if not isinstance(soql, str) or not soql.strip():
            raise invalid_value("query", soql if isinstance(soql, str) else None)
        sobject = query_jobs.check_query(soql, self.data, self.version, self.now)
        job = self._new(QUERY, operation, sobject, body, query=soql)
        job.state, job.closed_at = UPLOAD_COMPLETE, self.now
        self.data.bulk_pending.add(job.id)
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
            self.data.bulk_pending.add(job.id)
        else:
            self.data.bulk_pending.discard(job.id)
        return job

    def delete(self, kind: str, job_id: str) -> None:
        job = self.get(kind, job_id)
        if job.state not in DELETABLE:
            raise bulk_error("INVALIDJOBSTATE", f"Unable to delete job {job.id} in state {job.state}: a job can be "
                             f"deleted once it is {', '.join(DELETABLE)}")
        del self.data.bulk_jobs[job.id]
        self.data.bulk_pending.discard(job.id)


def _choice(body: dict, prop: str, options: dict, default: str) -> str:
    value = body.get(prop, default)
    if not isinstance(value, str) or value not in options:
        raise invalid_value(prop, value)
    return value


def _object_body(body: Any) -> dict:
    if not isinstance(body, dict):
        raise bulk_error("JSON_PARSER_ERROR", "The request body must be a JSON object")
    return body


def _job_request(body: Any, operations: tuple[str, ...]) -> tuple[dict, str]:
    """A job-creation body and its ``operation``, which must be one of ``operations``."""
    body = _object_body(body)
    operation = body.get("operation")
    if operation not in operations:
        raise invalid_value("operation", operation)
    return body, operation


def _offset(locator: str | None) -> int:
    if not locator:
        return 0
    digits = locator[3:] if locator.startswith("01g") else ""
    if not digits.isdigit():
        raise invalid_value("queryLocator", locator)
    return int(digits)
