"""SOSL over REST: ``/search`` and ``/parameterizedSearch`` (SPEC SF-REST-14).

From v37.0 both answer ``{"searchRecords": [...]}``; v31.0–v36.0 answer the
bare array (the one place where the API version changes a response shape).
"""
from __future__ import annotations

from flask import g, request

from ...core.http import json_response
from ..blueprint import sf_blueprint
from ..errors import SalesforceError
from ..soql.parser import parse as parse_soql
from ..soql.routes import OrgQueryContext
from . import engine
from .parser import GROUPS, Returning, Search, parse, parse_term

bp = sf_blueprint("salesforce_search", __name__)

WRAPPED_FROM = 37
MAX_LIMIT = engine.MAX_ROWS


def _answer(version: str, hits: list[engine.ObjectHits]):
    rows = [hit.render(record) for hit in hits for record in hit.records]
    if int(version[1:].split(".")[0]) < WRAPPED_FROM:
        return json_response(rows)
    return json_response({"searchRecords": rows})


def _run(version: str, search: Search):
    ctx = g.sf
    with ctx.backend.lock:
        ctx.records()  # applies the recycle-bin purge before reading
        hits = engine.run(search, OrgQueryContext(ctx.data, version, ctx.backend.now()))
        return _answer(version, hits)


@bp.get("/<version>/search")
def search(version: str):
    text = request.args.get("q")
    return _run(version, parse(text))


def _number(name: str, default: int | None) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise SalesforceError(400, "INVALID_SEARCH", f"{name}: invalid number: {raw}")
    return int(raw)


@bp.get("/<version>/parameterizedSearch")
def parameterized_search(version: str):
    """``?q=term&sobject=Contact&Contact.fields=Id,Name&Contact.limit=5&in=NAME&overallLimit=100``."""
    term_text = request.args.get("q")
    if not term_text:
        raise SalesforceError(400, "MALFORMED_SEARCH", "No search term found. The search term must be provided "
                                                       "in the q parameter.")
    group = (request.args.get("in") or "ALL").upper()
    if group not in GROUPS:
        raise SalesforceError(400, "INVALID_SEARCH", f"in: invalid search group: {request.args.get('in')}")
    default_fields = request.args.get("fields") or "Id"
    default_limit = _number("defaultLimit", None)
    returning = []
    for name in request.args.getlist("sobject"):
        fields = request.args.get(f"{name}.fields") or default_fields
        limit = _number(f"{name}.limit", default_limit)
        soql = f"SELECT {fields} FROM {name}" + (f" LIMIT {limit}" if limit is not None else "")
        returning.append(Returning(name, 0, parse_soql(soql)))
    search = Search(term_text, parse_term(term_text), group, tuple(returning),
                    min(_number("overallLimit", MAX_LIMIT) or 0, MAX_LIMIT))
    return _run(version, search)
