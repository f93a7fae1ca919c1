"""The Bulk API 2.0 job model (SPEC SF-REST-12): a job, its states and its wire shapes; no HTTP, no processing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import SalesforceError
from ..sobjects.render import sf_datetime

JOB_PREFIX = "750"
INGEST, QUERY = "ingest", "query"
CLASSIC = "classic"  # a Bulk API 1.0 job (.v1_jobs.V1Job), kept in the same table: one job id space
INGEST_OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
QUERY_OPERATIONS = ("query", "queryAll")
DELIMITERS = {"BACKQUOTE": "`", "CARET": "^", "COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "TAB": "\t"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
OPEN, UPLOAD_COMPLETE, IN_PROGRESS = "Open", "UploadComplete", "InProgress"
JOB_COMPLETE, FAILED, ABORTED = "JobComplete", "Failed", "Aborted"
PENDING = (UPLOAD_COMPLETE, IN_PROGRESS)
DELETABLE = (UPLOAD_COMPLETE, JOB_COMPLETE, ABORTED, FAILED)  # "Delete a Job" in the Bulk API 2.0 guide
ROWS_PER_BATCH = 10_000  # Bulk API 2.0 counts every 10 000 ingested records as one batch of the daily allocation


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
