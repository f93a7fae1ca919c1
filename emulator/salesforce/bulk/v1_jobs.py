"""Bulk API 1.0 jobs and batches of one org (SPEC SF-REST-13): the model and its rules, no HTTP.

A job (``750…``) is created Open with an operation, an object and a
content type (JSON, CSV or XML); batches (``751…``) are added while it is
Open, each Queued and processed on the emulator clock by the same
time-driven transition as Bulk API 2.0 jobs (:func:`.jobs.advance_jobs`, run
by the backend's tick before each request): InProgress
while its time has not come, then Completed (or Failed with a
``stateMessage``). Ingest batches run through the Bulk API 2.0 ingest engine
(:func:`.ingest.apply_rows`), query batches through its query engine
(:func:`.query.run`). Closing a job stops new batches; aborting it leaves
unstarted batches NotProcessed. Jobs share ``OrgData.bulk_jobs`` (and the
job id space) with Bulk API 2.0 jobs, marked ``kind == CLASSIC``.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...core.errors import ApiError, ErrorFamily, register_family
from ...core.ids import IdSource, normalize_id
from ..sobjects.records import OrgData
from . import v1_format as fmt
from .ingest import IngestResults, JobFailure, apply_rows
from .job import CLASSIC, INGEST_OPERATIONS, JOB_PREFIX, QUERY_OPERATIONS
from .query import QueryFailure, csv_results, run

BATCH_PREFIX, RESULT_PREFIX = "751", "752"
OPEN, CLOSED, ABORTED, FAILED = "Open", "Closed", "Aborted", "Failed"
QUEUED, IN_PROGRESS, COMPLETED, NOT_PROCESSED = "Queued", "InProgress", "Completed", "NotProcessed"
BATCH_STATES = (QUEUED, IN_PROGRESS, COMPLETED, FAILED, NOT_PROCESSED)
CONCURRENCY = {"Parallel": "Parallel", "Serial": "Serial", 0: "Parallel", 1: "Serial", "0": "Parallel",
               "1": "Serial"}  # simple_salesforce sends 0/1
MAX_RECORDS = 10_000  # records per batch


class BulkV1Error(ApiError):
    """A Bulk API 1.0 error: ``exceptionCode``/``exceptionMessage``, JSON or XML as the call talks.

    XML unless ``as_json`` is set (the routes set it for JSON jobs and JSON requests).
    """

    def __init__(self, code: str, message: str, status: int = 400, as_json: bool = False) -> None:
        super().__init__(status)
        self.code, self.message = code, message
        self.as_json = as_json

    @property
    def content_type(self) -> str:  # type: ignore[override]
        return fmt.MEDIA[fmt.JSON_TYPE if self.as_json else fmt.XML_TYPE]

    def body(self) -> dict:
        return {"exceptionCode": self.code, "exceptionMessage": self.message}

    def payload(self) -> bytes:
        return fmt.error_document(self.code, self.message, self.as_json)[0]


# Errors no route raised under /services/async (an unknown resource, a fault) in Bulk API 1.0's XML shape.
register_family("/services/async", ErrorFamily("salesforce-bulk-v1", lambda status, code, message: BulkV1Error(
    code, message, status), {404: ("InvalidUrl", "The requested resource does not exist"),
                             405: ("InvalidUrl", "HTTP Method '{method}' not allowed. Allowed are {allowed}")},
    allow_options=False))


@dataclass
class V1Batch:
    """One batch: the request as sent and, once processed, its outcome."""

    id: str
    job_id: str
    created_at: datetime
    request: bytes
    state: str = QUEUED
    modstamp: datetime | None = None
    state_message: str | None = None
    processed: int = 0
    failed: int = 0
    processing_ms: int = 0
    results: Any = None  # IngestResults | QueryResults (CSV) | list[dict] (JSON/XML rendered rows)
    result_id: str | None = None
    job: V1Job | None = field(default=None, repr=False)

    def start(self, queued_at: datetime) -> None:
        if self.state == QUEUED:
            self.state, self.modstamp = IN_PROGRESS, queued_at

    def finish(self, data: OrgData, ids: IdSource, due: datetime, processing_ms: int) -> None:
        """Process the batch in one go, as of its due instant."""
        job = self.job
        self.modstamp, self.processing_ms, self.state = due, processing_ms, COMPLETED
        if job.operation in QUERY_OPERATIONS:
            self._query(data, ids, due)
            return
        results = self.results = IngestResults()
        try:
            header, rows = fmt.batch_rows(job.content_type, self.request)
            rows = list(rows)
            if len(rows) > MAX_RECORDS:
                raise JobFailure(f"ClientInputError : Exceeded number of records : {len(rows)}. Number of records "
                                 f"should be less than or equal to {MAX_RECORDS}")
            apply_rows(job, data, ids, due, header, iter(rows), results)
        except JobFailure as failure:
            self.state, self.state_message = FAILED, failure.args[0]
        except (fmt.FormatError, UnicodeError) as failure:
            self.state, self.state_message = FAILED, f"InvalidBatch : {failure}"
        except csv.Error as failure:
            self.state, self.state_message = FAILED, f"ClientInputError : Failed to parse the CSV data: {failure}"
        self.processed, self.failed = results.rows, len(results.errors)

    def _query(self, data: OrgData, ids: IdSource, due: datetime) -> None:
        job = self.job
        soql = self.request.decode("utf-8", errors="replace")
        try:
            bound, result = run(soql, job.operation, data, job.version, due)
            if bound.is_count or bound.aggregates:
                raise QueryFailure("InvalidBatch : Failed to process query: FUNCTIONALITY_NOT_ENABLED: Aggregate "
                                   "queries are not supported by Bulk API")
            if bound.sobject.name != job.object:
                raise QueryFailure(f"InvalidBatch : Failed to process query: The query object {bound.sobject.name} "
                                   f"does not match the job object {job.object}")
        except QueryFailure as failure:
            self.state, self.state_message = FAILED, failure.args[0]
            return
        if job.content_type == fmt.CSV_TYPE:
            self.results = csv_results(bound, result)
        else:
            temporal = [path for path in bound.columns if path.field.type in ("date", "datetime")]
            self.results = [result.render(record) for record in result.records]
            if job.content_type == fmt.JSON_TYPE:
                for row in self.results:
                    _epoch_fields(row, temporal)
        self.result_id = ids.new_id(RESULT_PREFIX)
        self.processed = len(result.records)

    def info(self) -> list[tuple[str, Any]]:
        fields: list[tuple[str, Any]] = [("id", self.id), ("jobId", self.job_id), ("state", self.state)]
        if self.state_message:
            fields.append(("stateMessage", self.state_message))
        fields += [("createdDate", self.created_at), ("systemModstamp", self.modstamp or self.created_at),
                   ("numberRecordsProcessed", self.processed), ("numberRecordsFailed", self.failed),
                   ("totalProcessingTime", self.processing_ms), ("apiActiveProcessingTime", self.processing_ms),
                   ("apexProcessingTime", 0)]
        return fields


def _epoch_fields(row: dict, temporal: list) -> None:
    for path in temporal:
        level: Any = row
        for ref_field, _target in path.hops:
            level = level.get(ref_field.relationship_name or ref_field.name) if isinstance(level, dict) else None
        if isinstance(level, dict) and level.get(path.field.name) is not None:
            level[path.field.name] = fmt.epoch_ms(level[path.field.name])


@dataclass
class V1Job:
    """One Bulk API 1.0 job and its batches, in the order they were added."""

    id: str
    operation: str
    object: str
    created_by: str
    created_at: datetime
    api_version: float
    content_type: str
    concurrency_mode: str = "Parallel"
    external_id_field: str | None = None
    state: str = OPEN
    modstamp: datetime | None = None
    batches: dict[str, V1Batch] = field(default_factory=dict)
    kind: str = CLASSIC

    @property
    def version(self) -> str:
        return f"v{self.api_version:.1f}"

    @property
    def is_query(self) -> bool:
        return self.operation in QUERY_OPERATIONS

    @property
    def as_json(self) -> bool:
        return self.content_type == fmt.JSON_TYPE

    def pending(self) -> list[V1Batch]:
        return [b for b in self.batches.values() if b.state in (QUEUED, IN_PROGRESS)]

    def info(self) -> list[tuple[str, Any]]:
        counts = {state: 0 for state in BATCH_STATES}
        processed = failed = processing = 0
        for batch in self.batches.values():
            counts[batch.state] += 1
            processed, failed = processed + batch.processed, failed + batch.failed
            processing += batch.processing_ms
        fields: list[tuple[str, Any]] = [("id", self.id), ("operation", self.operation), ("object", self.object),
                                         ("createdById", self.created_by), ("createdDate", self.created_at),
                                         ("systemModstamp", self.modstamp or self.created_at),
                                         ("state", self.state)]
        if self.external_id_field:
            fields.append(("externalIdFieldName", self.external_id_field))
        fields += [("concurrencyMode", self.concurrency_mode), ("contentType", self.content_type),
                   ("numberBatchesQueued", counts[QUEUED]), ("numberBatchesInProgress", counts[IN_PROGRESS]),
                   ("numberBatchesCompleted", counts[COMPLETED]), ("numberBatchesFailed", counts[FAILED]),
                   ("numberBatchesTotal", len(self.batches)), ("numberRecordsProcessed", processed),
                   ("numberRetries", 0), ("apiVersion", self.api_version), ("numberRecordsFailed", failed),
                   ("totalProcessingTime", processing), ("apiActiveProcessingTime", processing),
                   ("apexProcessingTime", 0)]
        return fields


class BulkV1Jobs:
    """The Bulk API 1.0 jobs of one org as seen by one call: a clock reading, the caller, the API version."""

    def __init__(self, data: OrgData, ids: IdSource, now: datetime, user_id: str, version: str) -> None:
        self.data, self.ids, self.user_id, self.version = data, ids, user_id, version
        self.now = now.replace(microsecond=0)

    # -- lookups ---------------------------------------------------------------------------------
    def job(self, job_id: str) -> V1Job:
        normalized = normalize_id(job_id)
        job = self.data.bulk_jobs.get(normalized) if normalized else None
        if job is None or job.kind != CLASSIC:
            raise BulkV1Error("InvalidJob", f"Invalid job id: {job_id}")
        return job

    def batch(self, job_id: str, batch_id: str) -> V1Batch:
        job = self.job(job_id)
        normalized = normalize_id(batch_id)
        batch = job.batches.get(normalized) if normalized else None
        if batch is None:
            raise BulkV1Error("InvalidBatch", f"Invalid batch id: {batch_id}")
        return batch

    # -- jobs ----------------------------------------------------------------------------------------
    def create(self, body: dict[str, Any]) -> V1Job:
        operation = body.get("operation")
        if operation not in INGEST_OPERATIONS + QUERY_OPERATIONS:
            raise BulkV1Error("InvalidJob", f"Invalid value for operation: {_shown(operation)}")
        name = body.get("object")
        schema = self.data.schema.get(name) if isinstance(name, str) and name else None
        if schema is None:
            raise BulkV1Error("InvalidJob", f"Unable to find object: {_shown(name)}")
        content_type = body.get("contentType", fmt.XML_TYPE)
        if not isinstance(content_type, str) or content_type not in fmt.MEDIA:
            raise BulkV1Error("InvalidJob", f"Invalid value for contentType: {_shown(content_type)}")
        mode = body.get("concurrencyMode", "Parallel")
        if isinstance(mode, bool) or not isinstance(mode, (str, int)) or mode not in CONCURRENCY:
            raise BulkV1Error("InvalidJob", f"Invalid value for concurrencyMode: {_shown(mode)}")
        external = None
        if operation == "upsert":
            given = body.get("externalIdFieldName")
            if not isinstance(given, str) or not given:
                raise BulkV1Error("InvalidJob", f"External ID was blank for {schema.name}. An External ID must be "
                                  "specified for upsert.")
            key = schema.field(given)
            if key is None or not (key.external_id or key.id_lookup or key.type == "id"):
                raise BulkV1Error("InvalidJob", f"Field name provided, {given} does not match an External ID for "
                                  f"{schema.name}")
            external = key.name
        if self.data.bulk_usage.current(self.now) >= self.data.org.config.daily_bulk_api_limit:
            raise _exceeded_quota()
        job = V1Job(self.ids.new_id(JOB_PREFIX), operation, schema.name, self.user_id, self.now,
                    float(self.version), content_type, CONCURRENCY[mode], external, modstamp=self.now)
        self.data.bulk_jobs[job.id] = job
        return job

    def change_state(self, job_id: str, body: dict[str, Any]) -> V1Job:
        job = self.job(job_id)
        target = body.get("state")
        if target not in (CLOSED, ABORTED):
            raise BulkV1Error("InvalidJobState", f"Invalid job state: {_shown(target)}; use Closed or Aborted")
        if job.state != OPEN and not (target == ABORTED and job.state == CLOSED):
            raise BulkV1Error("InvalidJobState", f"Unable to change the state of job {job.id} from {job.state} to "
                              f"{target}")
        job.state, job.modstamp = target, self.now
        if target == ABORTED:
            for batch in job.pending():
                batch.state, batch.modstamp = NOT_PROCESSED, self.now
        return job

    # -- batches ---------------------------------------------------------------------------------------
    def add_batch(self, job_id: str, raw: bytes) -> V1Batch:
        job = self.job(job_id)
        if job.state != OPEN:
            raise BulkV1Error("InvalidJobState", f"Job {job.id} is {job.state}: batches can only be added to an "
                              "Open job")
        if not raw.strip():
            raise BulkV1Error("InvalidBatch", "The batch is empty")
        if job.operation not in QUERY_OPERATIONS:
            try:
                fmt.check_batch(job.content_type, raw)
            except fmt.FormatError as problem:
                raise BulkV1Error(*problem.args) from None
        usage = self.data.bulk_usage
        if usage.current(self.now) >= self.data.org.config.daily_bulk_api_limit:
            raise _exceeded_quota()
        usage.used += 1
        batch = V1Batch(self.ids.new_id(BATCH_PREFIX), job.id, self.now, raw, modstamp=self.now, job=job)
        job.batches[batch.id] = batch
        self.data.bulk_pending.add(job.id)  # the backend's tick processes it when due
        return batch

    def result(self, job_id: str, batch_id: str) -> V1Batch:
        """A batch whose result can be read: processed (Completed, or Failed after some rows)."""
        batch = self.batch(job_id, batch_id)
        if batch.state not in (COMPLETED, FAILED) or batch.results is None:
            raise BulkV1Error("InvalidBatch", "Batch not completed")
        return batch

    def query_result(self, job_id: str, batch_id: str, result_id: str) -> V1Batch:
        batch = self.result(job_id, batch_id)
        if batch.result_id is None or normalize_id(result_id) != batch.result_id:
            raise BulkV1Error("InvalidBatch", f"Invalid result id: {result_id}")
        return batch


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def _exceeded_quota() -> BulkV1Error:
    return BulkV1Error("ExceededQuota", "The job or batch you tried to create exceeds the allowed number for the "
                       "past 24-hour period.")
