"""Bulk API 2.0 over a `SalesforceClient`: ingest and query jobs (CON-SF-1, SPEC SF-REST-12).

`ingest` loads CSV text (or rows) into one object: it creates a job per
upload of at most 100 MB (the real API takes exactly one upload per job, and
at most 150 MB once base64-encoded), closes it with `UploadComplete`, polls
until the job is `JobComplete`, `Failed` or `Aborted`, and collects the
successful, failed and unprocessed rows of every job::

    result = ingest(client, "Contact", "insert", "FirstName,LastName\\nAda,Lovelace\\n")
    result.successful[0]["sf__Id"], result.failed  # [{"sf__Error": "REQUIRED_FIELD_MISSING:…", …}]

`query` runs a query job and yields its rows (dicts of strings, CSV has no
null) page by page, following `Sforce-Locator` until it is "null".

Polling sleeps through an injectable `sleep` and counts time as the sum of
the intervals it asked for, so a test can pass a no-op (or one that moves a
frozen emulator clock) and still reach the timeout deterministically.
Request errors raise the client's typed `SalesforceError`.
"""
from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Union

from .client import SalesforceClient

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
TERMINAL = ("JobComplete", "Failed", "Aborted")
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
NULL = "#N/A"  # the Bulk API's explicit null

CsvInput = Union[str, bytes, Iterable[dict]]
Sleep = Callable[[float], Any]


class BulkJobTimeout(TimeoutError):
    """A job was still running when the timeout ran out; `job` is its last info."""

    def __init__(self, job: dict[str, Any]) -> None:
        super().__init__(f"bulk job {job.get('id')} still {job.get('state')}")
        self.job = job


class BulkJobFailed(RuntimeError):
    """A query job ended Failed or Aborted; `job` is its info (with `errorMessage`)."""

    def __init__(self, job: dict[str, Any]) -> None:
        super().__init__(f"bulk job {job.get('id')} ended {job.get('state')}: {job.get('errorMessage', '')}")
        self.job = job


@dataclass
class IngestResult:
    """What every job of one `ingest` call did, rows in the order the API returned them."""

    jobs: list[dict[str, Any]] = field(default_factory=list)
    successful: list[dict[str, str]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    unprocessed: list[dict[str, str]] = field(default_factory=list)

    @property
    def job_ids(self) -> list[str]:
        return [job["id"] for job in self.jobs]

    @property
    def number_records_processed(self) -> int:
        return sum(int(job.get("numberRecordsProcessed", 0)) for job in self.jobs)

    @property
    def number_records_failed(self) -> int:
        return sum(int(job.get("numberRecordsFailed", 0)) for job in self.jobs)

    @property
    def job_errors(self) -> list[str]:
        """`errorMessage` of the jobs that ended Failed (e.g. "InvalidBatch : Field name not found : X")."""
        return [job.get("errorMessage", "") for job in self.jobs if job.get("state") == "Failed"]


# -- CSV ------------------------------------------------------------------------------------
def _cell(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _table(data: CsvInput) -> tuple[list[str], Iterator[list[str]]]:
    """(header, rows) from CSV text or from dicts (header: keys in first-seen order; None -> #N/A)."""
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    if isinstance(data, str):
        reader = csv.reader(io.StringIO(data, newline=""))
        header = next(reader, None)
        if header is None:
            raise ValueError("the CSV has no header row")
        return header, (row for row in reader if row)
    records = list(data)
    header = list(dict.fromkeys(key for record in records for key in record))
    if not header:
        raise ValueError("no rows to load")
    return header, ([_cell(r[k]) if k in r else "" for k in header] for r in records)


class _Echo:
    """File-like target of `csv.writer`: `write` hands the text back, so `writerow` returns the row's CSV line."""

    @staticmethod
    def write(text: str) -> str:
        return text


def chunks(data: CsvInput, line_ending: str = "LF", max_bytes: int = MAX_UPLOAD_BYTES) -> Iterator[bytes]:
    """CSV bodies of at most `max_bytes`, each with the header row; a row is never split.

    Text that fits is sent as given (its line endings must match `line_ending`);
    larger text and rows are written anew with `line_ending`.
    """
    if isinstance(data, (str, bytes)):
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if len(raw) <= max_bytes:
            yield raw
            return
    header, rows = _table(data)
    writer = csv.writer(_Echo(), lineterminator=LINE_ENDINGS[line_ending])
    head = writer.writerow(header)
    lines, size = [head], len(head.encode("utf-8"))
    for row in rows:
        line = writer.writerow(row)
        grown = len(line.encode("utf-8"))
        if len(lines) > 1 and size + grown > max_bytes:
            yield "".join(lines).encode("utf-8")
            lines, size = [head], len(head.encode("utf-8"))
        lines.append(line)
        size += grown
    if len(lines) > 1:
        yield "".join(lines).encode("utf-8")


def _parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


# -- jobs -----------------------------------------------------------------------------------------
def wait(client: SalesforceClient, kind: str, job_id: str, poll_interval: float = 2.0, timeout: float = 600.0,
         sleep: Sleep = time.sleep) -> dict[str, Any]:
    """Poll `jobs/{kind}/{job_id}` until the job reaches a final state; its last info."""
    waited = 0.0
    while True:
        info = client.request("GET", f"jobs/{kind}/{job_id}").json()
        if info.get("state") in TERMINAL:
            return info
        if waited >= timeout:
            raise BulkJobTimeout(info)
        sleep(poll_interval)
        waited += poll_interval


def _results(client: SalesforceClient, job_id: str, which: str) -> list[dict[str, str]]:
    return _parse(client.request("GET", f"jobs/ingest/{job_id}/{which}", headers={"Accept": "text/csv"}).text)


def ingest(client: SalesforceClient, sobject: str, operation: str, data: CsvInput,
           external_id_field: str | None = None, *, line_ending: str = "LF", poll_interval: float = 2.0,
           timeout: float = 600.0, sleep: Sleep = time.sleep,
           max_upload_bytes: int = MAX_UPLOAD_BYTES) -> IngestResult:
    """Load `data` with `operation` (insert, update, upsert, delete, hardDelete) into `sobject`."""
    body: dict[str, Any] = {"object": sobject, "operation": operation, "contentType": "CSV",
                            "lineEnding": line_ending}
    if external_id_field:
        body["externalIdFieldName"] = external_id_field
    result = IngestResult()
    for upload in chunks(data, line_ending, max_upload_bytes):
        job = client.request("POST", "jobs/ingest", json=body).json()
        client.request("PUT", f"jobs/ingest/{job['id']}/batches", data=upload,
                       headers={"Content-Type": "text/csv"})
        client.request("PATCH", f"jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
        info = wait(client, "ingest", job["id"], poll_interval, timeout, sleep)
        result.jobs.append(info)
        result.successful += _results(client, job["id"], "successfulResults")
        result.failed += _results(client, job["id"], "failedResults")
        result.unprocessed += _results(client, job["id"], "unprocessedrecords")
    return result


def query(client: SalesforceClient, soql: str, *, include_deleted: bool = False, max_records: int | None = None,
          poll_interval: float = 2.0, timeout: float = 600.0, sleep: Sleep = time.sleep) -> Iterator[dict[str, str]]:
    """Every row of a Bulk API 2.0 query job (`queryAll` when `include_deleted`)."""
    job = client.request("POST", "jobs/query", json={
        "operation": "queryAll" if include_deleted else "query", "query": soql}).json()
    info = wait(client, "query", job["id"], poll_interval, timeout, sleep)
    if info["state"] != "JobComplete":
        raise BulkJobFailed(info)
    locator: str | None = None
    while True:
        params: dict[str, Any] = {}
        if locator:
            params["locator"] = locator
        if max_records:
            params["maxRecords"] = max_records
        page = client.request("GET", f"jobs/query/{job['id']}/results", params=params,
                              headers={"Accept": "text/csv"})
        yield from _parse(page.text)
        locator = page.headers.get("Sforce-Locator")
        if not locator or locator == "null":
            return
