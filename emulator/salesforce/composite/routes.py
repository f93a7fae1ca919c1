"""Composite resources (SPEC SF-REST-7): ``/composite``, ``/composite/batch``, ``/composite/tree/{T}``.

- ``/composite`` runs up to 25 dependent subrequests in order; later ones may
  use ``@{referenceId.path}`` values of earlier results. The call counts once
  against the API limit. With ``allOrNone`` the first failure rolls back every
  write of the request; the other subrequests answer 400 ``PROCESSING_HALTED``.
- ``/composite/batch`` runs up to 25 independent subrequests (each counts as an
  API call); ``haltOnError`` answers 412 ``BATCH_PROCESSING_HALTED`` for the rest.
- ``/composite/tree/{T}`` is in :mod:`.tree`.

Subrequests go through the app's own routes (:mod:`.subrequests`), and the
whole request holds the backend lock, so allOrNone is atomic.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import g

from ...core.http import json_response
from ..blueprint import sf_blueprint
from ..errors import SalesforceError
from .collections import bad_request, parse_all_or_none
from ..sobjects.requests_json import read_json
from .subrequests import (NO_BODY, Reply, UnresolvedReference, dispatch, nesting_depth, substitute_body,
                          substitute_url)

bp = sf_blueprint("salesforce_composite", __name__)

MAX_SUBREQUESTS = 25
MAX_COLLECTION_OR_QUERY = 5
MAX_BODY_DEPTH = 64
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
INHERITED_HEADERS = ("accept", "authorization", "content-type")
REFERENCE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*$")
DATA_URL_RE = re.compile(r"^/services/data/v\d+\.\d+(?:/|$)")
BATCH_URL_RE = re.compile(r"^(?:/services/data/)?(v\d+\.\d+(?:[/?].*)?)$", re.S)
HEAVY_RE = re.compile(r"^/services/data/v[^/]+/(?:composite/sobjects|query|queryAll)(?:[/?]|$)")
# nested composite calls would open a second transaction inside the first
NOT_IN_COMPOSITE_RE = re.compile(r"^/services/data/v[^/]+/composite(?!/sobjects)(?:[/?]|$)")
ROLLED_BACK_MESSAGE = "The transaction was rolled back since another operation in the same transaction failed."


@dataclass
class Subrequest:
    method: str
    url: str
    body: Any
    headers: dict[str, str]
    reference_id: str


def _object_list(body: Any, key: str, limit: int) -> list[dict]:
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise bad_request("JSON_PARSER_ERROR", f"Cannot deserialize the request body: {key} must be a non-empty "
                          "array of JSON objects")
    if len(items) > limit:
        raise bad_request("INVALID_BATCH_REQUEST", f"The number of subrequests ({len(items)}) exceeds the limit "
                          f"of {limit}.")
    return items


def _body(item: dict, key: str) -> Any:
    body = item.get(key, NO_BODY)
    if body is not NO_BODY and nesting_depth(body, MAX_BODY_DEPTH) > MAX_BODY_DEPTH:
        raise bad_request("JSON_PARSER_ERROR", f"The {key} of a subrequest is nested too deeply.")
    return body


def _method(raw: Any) -> str:
    if raw not in METHODS:
        raise bad_request("INVALID_BATCH_REQUEST", f"Invalid HTTP method in subrequest: {raw}. Supported methods "
                          f"are {', '.join(METHODS)}.")
    return raw


def _composite_subrequests(items: list[dict]) -> list[Subrequest]:
    """Validate the whole request before anything runs (a bad one fails the call with 400)."""
    subrequests: list[Subrequest] = []
    seen: set[str] = set()
    for item in items:
        reference_id = item.get("referenceId")
        if not isinstance(reference_id, str) or not REFERENCE_ID_RE.match(reference_id):
            raise bad_request("JSON_PARSER_ERROR", f"Provided referenceId ('{reference_id}') must start with a "
                              "letter or a number, and it can contain only letters, numbers and underscores ('_').")
        if reference_id in seen:
            raise bad_request("INVALID_INPUT", f"Duplicate referenceId provided in the request: {reference_id}")
        seen.add(reference_id)
        url = item.get("url")
        if not isinstance(url, str) or not DATA_URL_RE.match(url) or NOT_IN_COMPOSITE_RE.match(url):
            raise bad_request("INVALID_INPUT", f"The url of subrequest {reference_id} must start with "
                              "/services/data/vXX.X/ and name a resource Composite supports")
        headers = item.get("httpHeaders") or {}
        if not isinstance(headers, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                    for k, v in headers.items()):
            raise bad_request("JSON_PARSER_ERROR", "httpHeaders must be a map of strings")
        if any(k.lower() in INHERITED_HEADERS for k in headers):
            raise bad_request("INVALID_INPUT", "Subrequests inherit the Accept, Authorization and Content-Type "
                              "headers of the top-level request and must not set them")
        subrequests.append(Subrequest(_method(item.get("method")), url, _body(item, "body"), headers,
                                      reference_id))
    if sum(1 for s in subrequests if HEAVY_RE.match(s.url)) > MAX_COLLECTION_OR_QUERY:
        raise bad_request("INVALID_BATCH_REQUEST", "A composite request can have at most 5 subrequests that are "
                          "sObject Collections or query operations.")
    return subrequests


def _halted(message: str) -> Reply:
    return Reply(400, {}, SalesforceError(400, "PROCESSING_HALTED", message).body())


@bp.get("/<version>/composite")
def resources(version: str):
    base = f"/services/data/{version}/composite"
    return json_response({"tree": f"{base}/tree", "batch": f"{base}/batch", "sobjects": f"{base}/sobjects",
                          "graph": f"{base}/graph"})


@bp.post("/<version>/composite")
def composite(version: str):
    """Dependent subrequests with references, counted as one call (SF-REST-7)."""
    ctx = g.sf
    body = read_json()
    subrequests = _composite_subrequests(_object_list(body, "compositeRequest", MAX_SUBREQUESTS))
    all_or_none = parse_all_or_none(body.get("allOrNone"))
    parse_all_or_none(body.get("collateSubrequests"))  # accepted; subrequests always run in order
    with ctx.backend.lock:
        ctx.undo = []
        replies: dict[str, Reply] = {}
        failed = False
        for sub in subrequests:
            if failed and all_or_none:
                break
            try:
                url = substitute_url(sub.url, replies)
                sub_body = sub.body if sub.body is NO_BODY else substitute_body(sub.body, replies)
            except UnresolvedReference as missing:
                reply = _halted(str(missing))
            else:
                reply = dispatch(ctx, sub.method, url, sub_body, sub.headers)
            replies[sub.reference_id] = reply
            failed = failed or reply.status >= 400
        if failed and all_or_none:
            ctx.records().rollback(0)
            replies = {ref: reply if reply.status >= 400 else _halted(ROLLED_BACK_MESSAGE)
                       for ref, reply in replies.items()}
        ctx.undo = None
    halted = _halted(ROLLED_BACK_MESSAGE)
    return json_response({"compositeResponse": [
        {"body": reply.body, "httpHeaders": reply.headers, "httpStatusCode": reply.status,
         "referenceId": sub.reference_id}
        for sub in subrequests for reply in [replies.get(sub.reference_id, halted)]]})


@bp.post("/<version>/composite/batch")
def batch(version: str):
    """Independent subrequests, each an API call of its own (SF-REST-7)."""
    ctx = g.sf
    body = read_json()
    items = _object_list(body, "batchRequests", MAX_SUBREQUESTS)
    halt_on_error = parse_all_or_none(body.get("haltOnError"))
    calls = []
    for item in items:
        url = item.get("url")
        match = BATCH_URL_RE.match(url) if isinstance(url, str) else None
        if match is None or NOT_IN_COMPOSITE_RE.match("/services/data/" + match.group(1)):
            raise bad_request("INVALID_BATCH_REQUEST", f"Invalid subrequest url: {url}")
        calls.append((_method(item.get("method")), "/services/data/" + match.group(1),
                      _body(item, "richInput")))
    results = []
    with ctx.backend.lock:
        ctx.count_subrequests = True
        halted = False
        for method, url, rich_input in calls:
            if halted:
                results.append({"statusCode": 412, "result": SalesforceError(
                    412, "BATCH_PROCESSING_HALTED", "Batch processing halted because a previous subrequest failed"
                ).body()})
                continue
            reply = dispatch(ctx, method, url, rich_input)
            results.append({"statusCode": reply.status, "result": reply.body})
            halted = halt_on_error and reply.status >= 400
        ctx.count_subrequests = False
    return json_response({"hasErrors": any(r["statusCode"] >= 400 for r in results), "results": results})
