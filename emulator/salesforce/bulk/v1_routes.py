"""Bulk API 1.0 routes (SPEC SF-REST-13) under ``/services/async/XX.X``.

``POST job`` (JSON or XML jobInfo) → 201 jobInfo; ``GET|POST job/{id}``
(info, or ``state`` Closed/Aborted); ``POST job/{id}/batch`` (records in
the job's content type, or the SOQL of a query job) → 201 batchInfo; ``GET
job/{id}/batch`` → batchInfoList; ``GET job/{id}/batch/{bid}`` →
batchInfo; ``…/request`` → the batch as sent; ``…/result`` → ingest results
(input order) or a query batch's result id list; ``…/result/{rid}`` → the
query rows. The session is the ``X-SFDC-Session`` header; every call counts
as an API call. Errors render as Bulk API 1.0's own shape, JSON for JSON
jobs and XML otherwise (:class:`.v1_jobs.BulkV1Error`). The model is in
:mod:`.v1_jobs`, the formats in :mod:`.v1_format`.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from flask import Blueprint, Response, g, request

from ...core.http import json_bytes, media_type
from ..context import SfContext, authorize_call, emulator
from ..errors import SalesforceError
from . import v1_format as fmt
from .v1_jobs import BulkV1Error, BulkV1Jobs, V1Batch, V1Job

bp = Blueprint("salesforce_bulk_v1", __name__, url_prefix="/services/async")

SESSION_HEADER = "X-SFDC-Session"
BATCH_MEDIA = {fmt.CSV_TYPE: ("text/csv",), fmt.JSON_TYPE: ("application/json",),
               fmt.XML_TYPE: ("application/xml", "text/xml")}
# REST errors met while authorizing the call, as Bulk API 1.0 names them
AUTH_ERRORS = {"INVALID_SESSION_ID": (400, "InvalidSessionId", "Invalid session id"),
               "NOT_FOUND": (400, "InvalidUrl", "Unsupported API version"),
               "API_DISABLED_FOR_ORG": (400, "FeatureNotEnabled", "Bulk API is not enabled for this Organization")}


# -- call hooks ---------------------------------------------------------------------------------
@bp.before_request
def _authenticate() -> None:
    g.bulk_v1_json = media_type(request.headers.get("Content-Type")) == "application/json"
    version = (request.view_args or {}).get("version")
    if version is None:
        return
    session = (request.headers.get(SESSION_HEADER) or "").strip()
    token = session.rpartition(" ")[2]
    try:
        g.sf = authorize_call(emulator(), f"v{version}", f"Bearer {token}" if token else None,
                              request.content_length, request.environ)
    except SalesforceError as error:
        status, code, message = AUTH_ERRORS.get(error.error_code, (error.status, error.error_code, error.message))
        raise BulkV1Error(code, message, status) from None


@bp.after_request
def _finish(response: Response) -> Response:
    ctx = g.pop("sf", None)
    if ctx is not None:
        ctx.release()
    return response


@bp.errorhandler(BulkV1Error)
def _error(error: BulkV1Error) -> Response:
    """The one renderer of this API's errors: JSON for JSON jobs and requests, XML otherwise."""
    error.as_json = bool(g.get("bulk_v1_json"))
    return Response(error.payload(), status=error.status, headers=error.headers, content_type=error.content_type)


# -- helpers ------------------------------------------------------------------------------------------
def _jobs(version: str) -> BulkV1Jobs:
    """The org's Bulk API 1.0 jobs as this call sees them (the backend's tick already moved due batches)."""
    ctx: SfContext = g.sf
    return BulkV1Jobs(ctx.data, ctx.backend.ids, ctx.now, ctx.session.user_id, version)


def _speak(job: V1Job) -> V1Job:
    """From here on the call answers (errors included) in the job's format."""
    g.bulk_v1_json = job.as_json
    return job


@contextmanager
def _job_call(version: str, job_id: str) -> Iterator[tuple[BulkV1Jobs, V1Job]]:
    """Under the backend lock: the org's jobs and the job the path names, whose format the call now speaks."""
    with g.sf.backend.lock:
        bulk = _jobs(version)
        yield bulk, _speak(bulk.job(job_id))


def _answer(body: bytes, kind: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype=kind)


def _info(root: str, fields: list[tuple[str, Any]], as_json: bool, status: int = 200) -> Response:
    if as_json:
        return _answer(fmt.json_info(fields), fmt.MEDIA[fmt.JSON_TYPE], status)
    return _answer(fmt.xml_document(root, fields), fmt.MEDIA[fmt.XML_TYPE], status)


def _job_body(as_json: bool) -> dict[str, Any]:
    try:
        return fmt.job_request(request.get_data(cache=True), as_json)
    except fmt.FormatError as problem:
        raise BulkV1Error(*problem.args) from None


def _batch_list(batches: list[V1Batch], as_json: bool) -> Response:
    if as_json:
        listing = b'{"batchInfo":[' + b",".join(fmt.json_info(b.info()) for b in batches) + b"]}"
        return _answer(listing, fmt.MEDIA[fmt.JSON_TYPE])
    children = [fmt.xml_element("batchInfo", b.info()) for b in batches]
    return _answer(fmt.xml_document("batchInfoList", children=children), fmt.MEDIA[fmt.XML_TYPE])


# -- jobs ---------------------------------------------------------------------------------------------
@bp.post("/<version>/job")
def create_job(version: str):
    as_json = g.bulk_v1_json
    body = _job_body(as_json)
    with g.sf.backend.lock:
        job = _jobs(version).create(body)
        return _info("jobInfo", job.info(), as_json, 201)


@bp.route("/<version>/job/<job_id>", methods=["GET", "POST"])
def job(version: str, job_id: str):
    with _job_call(version, job_id) as (bulk, job):
        if request.method == "POST":
            body = _job_body(media_type(request.headers.get("Content-Type")) == "application/json")
            job = bulk.change_state(job_id, body)
        return _info("jobInfo", job.info(), job.as_json)


# -- batches --------------------------------------------------------------------------------------------
@bp.route("/<version>/job/<job_id>/batch", methods=["GET", "POST"])
def batches(version: str, job_id: str):
    with _job_call(version, job_id) as (bulk, job):
        if request.method == "GET":
            return _batch_list(list(job.batches.values()), job.as_json)
        kind = media_type(request.headers.get("Content-Type"))
        if kind not in BATCH_MEDIA[job.content_type]:
            raise BulkV1Error("InvalidBatch", f"Content type for the batch ({kind or 'none'}) does not match the "
                              f"job's content type ({job.content_type})")
        batch = bulk.add_batch(job_id, request.get_data(cache=False))
        return _info("batchInfo", batch.info(), job.as_json, 201)


@bp.get("/<version>/job/<job_id>/batch/<batch_id>")
def batch(version: str, job_id: str, batch_id: str):
    with _job_call(version, job_id) as (bulk, job):
        return _info("batchInfo", bulk.batch(job_id, batch_id).info(), job.as_json)


@bp.get("/<version>/job/<job_id>/batch/<batch_id>/request")
def batch_request(version: str, job_id: str, batch_id: str):
    with _job_call(version, job_id) as (bulk, job):
        return _answer(bulk.batch(job_id, batch_id).request, fmt.MEDIA[job.content_type])


@bp.get("/<version>/job/<job_id>/batch/<batch_id>/result")
def batch_result(version: str, job_id: str, batch_id: str):
    with _job_call(version, job_id) as (bulk, job):
        done = bulk.result(job_id, batch_id)
        if not job.is_query:
            return _answer(*fmt.ingest_results(done.results, job.content_type))
        ids = [done.result_id] if done.result_id else []
        if job.as_json:
            return _answer(json_bytes(ids), fmt.MEDIA[fmt.JSON_TYPE])
        children = [fmt.xml_element("result", []) for _ in ids]
        for child, rid in zip(children, ids):
            child.text = rid
        return _answer(fmt.xml_document("result-list", children=children), fmt.MEDIA[fmt.XML_TYPE])


@bp.get("/<version>/job/<job_id>/batch/<batch_id>/result/<result_id>")
def query_result(version: str, job_id: str, batch_id: str, result_id: str):
    with _job_call(version, job_id) as (bulk, job):
        done = bulk.query_result(job_id, batch_id, result_id)
        return _answer(*fmt.query_results(job.content_type, done.results))

