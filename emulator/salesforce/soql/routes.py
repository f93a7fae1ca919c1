"""SOQL over REST: ``/query``, ``/queryAll`` and queryMore locators (SPEC SF-REST-8); the model is :mod:`.cursors`."""
from __future__ import annotations

from flask import g, request

from ...core.http import json_response
from ..blueprint import sf_blueprint
from ..errors import SalesforceError
from . import execute
from .cursors import Cursor, OrgQueryContext, batch_size, cursor_usable, open_cursor, page
from ..sobjects.recent import mark
from .explain import explain

bp = sf_blueprint("salesforce_query", __name__)


def _explain(version: str, soql: str):
    ctx = g.sf
    with ctx.backend.lock:
        return json_response(explain(soql, OrgQueryContext(ctx.data, version, ctx.now)))


def _run(version: str, include_deleted: bool):
    ctx = g.sf
    if "explain" in request.args and "q" not in request.args:
        return _explain(version, request.args.get("explain") or "")
    soql = request.args.get("q")
    if not soql:
        raise SalesforceError(400, "MALFORMED_QUERY", "A query string has to be specified")
    with ctx.backend.lock:
        result = execute(soql, OrgQueryContext(ctx.data, version, ctx.now), include_deleted=include_deleted)
        if result.for_ is not None:
            mark(ctx.data, ctx.session.user_id, result.sobject, result.records, result.for_, ctx.now)
        if result.is_count:
            return json_response({"totalSize": result.total_size, "done": True, "records": []})
        cursor = Cursor(result.records, result.render, result.total_size,
                        batch_size(request.headers.get("Sforce-Query-Options")), ctx.session.user_id, ctx.now,
                        soql, version)
        locator_id = ctx.backend.ids.new_id("01g")
        if len(result.records) > cursor.batch:
            open_cursor(ctx.data, cursor, locator_id)
        resource = "queryAll" if include_deleted else "query"
        return json_response(page(cursor, locator_id, 0, version, resource))


@bp.get("/<version>/query")
def query(version: str):
    return _run(version, include_deleted=False)


@bp.get("/<version>/queryAll")
def query_all(version: str):
    return _run(version, include_deleted=True)


@bp.get("/<version>/query/<locator>")
@bp.get("/<version>/queryAll/<locator>", endpoint="query_all_more")
def query_more(version: str, locator: str):
    ctx = g.sf
    locator_id, _, position = locator.rpartition("-")
    with ctx.backend.lock:
        cursor = ctx.data.cursors.get(locator_id)
        if not cursor_usable(cursor, position, ctx.session.user_id, ctx.now):
            raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        cursor.last_used = ctx.now
        cursor.bind(ctx.data)
        resource = "queryAll" if request.path.split("/")[4] == "queryAll" else "query"
        body = page(cursor, locator_id, int(position), version, resource)
        if body["done"]:
            del ctx.data.cursors[locator_id]
        return json_response(body)
