"""Bulk API 2.0 query jobs: running the SOQL and paging its CSV results (SPEC SF-REST-12, SF-REST-8).

The query is checked when the job is created (the SOQL engine's real errors:
MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE) and run when the job's
processing time comes; the rows are kept as a snapshot of CSV cells. Results
are read page by page: ``GET …/results?maxRecords=&locator=`` answers CSV
with ``Sforce-NumberOfRecords`` and ``Sforce-Locator`` (an opaque string,
the string ``null`` on the last page). Bulk CSV writes datetimes as
``2013-05-07T22:07:19.000Z``, null as an empty value.
"""
from __future__ import annotations

import base64
import binascii
import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from .job import DELIMITERS, FAILED, JOB_COMPLETE, LINE_ENDINGS, Job, bulk_error, invalid_value
from ..errors import SalesforceError
from ..sobjects.records import OrgData
from ..soql.cursors import OrgQueryContext
from ..soql import execute, prepare
from ..soql.binder import BoundQuery
from ..soql.result import QueryResult

DEFAULT_PAGE = 50_000  # rows per results page when maxRecords is not given


def check_query(soql: str, data: OrgData, version: str, now: datetime) -> str:
    """The object a query reads; the SOQL errors, or API_ERROR for what Bulk API 2.0 does not run."""
    bound = prepare(soql, OrgQueryContext(data, version, now))
    if bound.is_count or bound.aggregates:
        raise bulk_error("API_ERROR", "Aggregate Functions such as COUNT() are not supported by Bulk API 2.0 "
                         "query jobs")
    if bound.query.offset is not None:
        raise bulk_error("API_ERROR", "The OFFSET clause is not supported by Bulk API 2.0 query jobs")
    if bound.children or any(p.field.components for p in bound.columns):
        raise bulk_error("API_ERROR", "FeatureNotEnabled : Aggregate Relationships and compound fields are not "
                         "supported in Bulk Query")
    return bound.sobject.name


class QueryFailure(Exception):
    """The query cannot run; ``args[0]`` is the job's errorMessage / the batch's stateMessage."""


@dataclass
class QueryResults:
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[str, ...]] = field(default_factory=list)


def _cell(value: object, is_datetime: bool) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    text = str(value)
    return text[:-5] + "Z" if is_datetime and text.endswith("+0000") else text


def run(soql: str, operation: str, data: OrgData, version: str, at: datetime) -> tuple[BoundQuery, QueryResult]:
    """Run a bulk query (``query`` or ``queryAll``) as of ``at``: the one query engine of both Bulk APIs.

    Raises :class:`QueryFailure` with the text Bulk reports for a query that cannot run.
    """
    context = OrgQueryContext(data, version, at)
    try:
        bound = prepare(soql, context)
        return bound, execute(soql, context, include_deleted=operation == "queryAll")
    except SalesforceError as error:
        raise QueryFailure(f"InvalidBatch : Failed to process query: {error.error_code}: {error.message}") from None


def csv_results(bound: BoundQuery, result: QueryResult) -> QueryResults:
    """The rows as Bulk CSV cells (datetimes ``…T22:07:19.000Z``, null empty)."""
    kinds = [path.field.type == "datetime" for path in bound.columns]
    rows = [tuple(_cell(v, k) for v, k in zip(result.flat(record).values(), kinds)) for record in result.records]
    return QueryResults(list(result.columns), rows)


def process(job: Job, data: OrgData, at: datetime) -> None:
    """Run the job's query as of ``at`` and keep its rows (JobComplete), or fail the job."""
    try:
        bound, result = run(job.query, job.operation, data, job.version, at)
    except QueryFailure as failure:
        job.state, job.error_message = FAILED, failure.args[0]
        return
    job.results = csv_results(bound, result)
    job.processed = len(job.results.rows)
    job.state = JOB_COMPLETE


def _encode(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode()


def _decode(locator: str) -> int:
    try:
        text = base64.b64decode(locator.encode(), validate=True).decode()
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    if not text.isdigit():
        raise invalid_value("locator", locator)
    return int(text)


def page(job: Job, locator: str | None, max_records: str | None) -> tuple[str, str, int]:
    """(CSV text, next locator or "null", rows in this page) of a completed query job."""
    size = DEFAULT_PAGE
    if max_records is not None:
        if not max_records.isdigit() or int(max_records) < 1:
            raise invalid_value("maxRecords", max_records)
        size = int(max_records)
    results: QueryResults = job.results or QueryResults()
    start = _decode(locator) if locator else 0
    if start > len(results.rows):
        raise invalid_value("locator", locator)
    chunk = results.rows[start:start + size]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITERS[job.column_delimiter], lineterminator=LINE_ENDINGS[job.line_ending],
                        quoting=csv.QUOTE_ALL)
    writer.writerow(results.columns)
    writer.writerows(chunk)
    following = start + len(chunk)
    return out.getvalue(), (_encode(following) if following < len(results.rows) else "null"), len(chunk)
