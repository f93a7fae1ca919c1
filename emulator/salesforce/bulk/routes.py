"""Bulk API 2.0 routes (SPEC SF-REST-12) under ``/services/data/vXX.X/jobs``.

Ingest (API v41.0+): ``POST jobs/ingest`` → the job, Open; ``PUT
jobs/ingest/{id}/batches`` with ``Content-Type: text/csv`` → 201 (once per
job, while Open); ``PATCH jobs/ingest/{id}`` ``{"state": "UploadComplete"}``
or ``"Aborted"``; ``GET jobs/ingest[/{id}]``; ``DELETE jobs/ingest/{id}``;
``GET jobs/ingest/{id}/successfulResults|failedResults|unprocessedrecords``
→ CSV. Query (v47.0+): ``POST jobs/query``; ``GET jobs/query[/{id}]``;
``PATCH`` (Aborted); ``DELETE``; ``GET jobs/query/{id}/results`` → CSV
pages with ``Sforce-Locator`` and ``Sforce-NumberOfRecords``. The model is
in :mod:`.bulk_jobs`.
"""
from __future__ import annotations

from flask import Response, g, request

from ...core.http import empty_response, json_response, media_type
from ..blueprint import OWN_BODY_LIMIT, sf_blueprint
from .ingest import FAILED_RESULTS, SUCCESSFUL, UNPROCESSED_RECORDS, result_file
from .job import ABORTED, FAILED, INGEST, JOB_COMPLETE, QUERY, bulk_error
from .jobs import BulkJobs
from .query import page
from ..errors import SalesforceError, not_found
from ..sobjects.requests_json import read_json

bp = sf_blueprint("salesforce_bulk", __name__)
OWN_BODY_LIMIT.add("salesforce_bulk.upload")

MIN_VERSION = {INGEST: 41, QUERY: 47}
UPLOAD_LIMIT = 150 * 1024 * 1024  # base64 characters per upload (about 100 MB of CSV)
RESULT_KINDS = {k.lower(): k for k in (SUCCESSFUL, FAILED_RESULTS, UNPROCESSED_RECORDS)}
RESULTS_READY = (JOB_COMPLETE, FAILED, ABORTED)


def _jobs(version: str, kind: str) -> BulkJobs:
    if int(version[1:].split(".")[0]) < MIN_VERSION[kind]:
        raise not_found()
    ctx = g.sf
    return BulkJobs(ctx.data, ctx.backend.ids, ctx.now, ctx.session.user_id, version)


def _csv(text: str, headers: dict[str, str] | None = None) -> Response:
    response = Response(text, status=200, mimetype="text/csv")
    if headers:
        response.headers.update(headers)
    return response


# -- jobs of both kinds ---------------------------------------------------------------------
@bp.route("/<version>/jobs/<any(ingest, query):kind>", methods=["GET", "POST"])
def jobs(version: str, kind: str):
    ctx = g.sf
    with ctx.backend.lock:
        bulk = _jobs(version, kind)
        if request.method == "GET":
            return json_response(bulk.listing(kind, request.args.get("jobType"), request.args.get("queryLocator"),
                                              request.path))
        body = read_json()
        job = bulk.create_ingest(body) if kind == INGEST else bulk.create_query(body)
        return json_response(job.created_info())


@bp.route("/<version>/jobs/<any(ingest, query):kind>/<job_id>", methods=["GET", "PATCH", "DELETE"])
def job(version: str, kind: str, job_id: str):
    ctx = g.sf
    with ctx.backend.lock:
        bulk = _jobs(version, kind)
        if request.method == "GET":
            return json_response(bulk.get(kind, job_id).info())
        if request.method == "DELETE":
            bulk.delete(kind, job_id)
            return empty_response(204)
        return json_response(bulk.change_state(kind, job_id, read_json()).changed_info())


# -- ingest ------------------------------------------------------------------------------------
@bp.put("/<version>/jobs/ingest/<job_id>/batches")
def upload(version: str, job_id: str):
    kind = media_type(request.headers.get("Content-Type"))
    if kind != "text/csv":
        raise SalesforceError(415, "UNSUPPORTED_MEDIA_TYPE", f"MediaType of '{kind}' is not supported by this "
                              "resource")
    if ((request.content_length or 0) + 2) // 3 * 4 > UPLOAD_LIMIT:
        raise SalesforceError(413, "REQUEST_ENTITY_TOO_LARGE", "Job data exceeds the maximum upload size of "
                              "150 MB (base64 encoded)")
    ctx = g.sf
    with ctx.backend.lock:
        bulk = _jobs(version, INGEST)
        bulk.get(INGEST, job_id)
        bulk.upload(job_id, request.get_data(cache=False))
    return empty_response(201)


@bp.get("/<version>/jobs/ingest/<job_id>/<which>")
def ingest_results(version: str, job_id: str, which: str):
    name = RESULT_KINDS.get(which.lower())
    if name is None:
        raise not_found()
    ctx = g.sf
    with ctx.backend.lock:
        job = _jobs(version, INGEST).get(INGEST, job_id)
        if name != UNPROCESSED_RECORDS and job.state not in RESULTS_READY:
            raise bulk_error("INVALIDJOBSTATE", f"Results of job {job.id} are not available while it is in state "
                             f"{job.state}")
        return _csv(result_file(job, name))


# -- query ---------------------------------------------------------------------------------------
@bp.get("/<version>/jobs/query/<job_id>/results")
def query_results(version: str, job_id: str):
    ctx = g.sf
    with ctx.backend.lock:
        job = _jobs(version, QUERY).get(QUERY, job_id)
        if job.state != JOB_COMPLETE:
            raise bulk_error("INVALIDJOBSTATE", f"Results of query job {job.id} are not available while it is in "
                             f"state {job.state}")
        text, locator, count = page(job, request.args.get("locator"), request.args.get("maxRecords"))
        return _csv(text, {"Sforce-Locator": locator, "Sforce-NumberOfRecords": str(count)})
