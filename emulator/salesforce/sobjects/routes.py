"""REST routes: versions, resources, describe, sObject CRUD and upsert, limits (SF-REST-1..5, 11)."""
from __future__ import annotations

from flask import g, request

from ...core.http import empty_response, json_response
from ..blueprint import sf_blueprint
from ..context import emulator
from ..errors import SalesforceError, ValidationFailure, not_found
from .records import MultipleMatches
from .recent import MAX_ITEMS as MAX_RECENT, recent_rows
from .render import render_record
from .hot_routes import field_list
from .requests_json import read_json

bp = sf_blueprint("salesforce_rest", __name__)

RESOURCES = ("tooling", "search", "parameterizedSearch", "query", "queryAll", "recent", "limits", "composite",
             "sobjects", "tabs", "jobs")
TAB_COLOR = {"Account": "7F8DE1", "Contact": "A094ED", "Lead": "F88962", "Opportunity": "FCB95B",
             "Case": "F2CF5B"}


def release_label(version: int) -> str:
    step = version - 20
    return f"{('Winter', 'Spring', 'Summer')[step % 3]} '{11 + step // 3:02d}"


def _ok_record_result(record_id: str) -> dict:
    return {"id": record_id, "success": True, "errors": []}


@bp.get("")
def versions():
    config = emulator().config
    return json_response([
        {"label": release_label(v), "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
        for v in range(config.api_version_min, config.api_version_max + 1)])


@bp.get("/<version>")
def resources(version: str):
    """Every resource by name; ``identity`` is the absolute URL of the session user's identity."""
    ctx = g.sf
    body = {name: f"/services/data/{version}/{name}" for name in RESOURCES}
    body["identity"] = f"{request.host_url.rstrip('/')}/id/{ctx.data.org.id}/{ctx.session.user_id}"
    return json_response(body)


@bp.get("/<version>/tabs")
def tabs(version: str):
    """The standard objects' tabs the user can see."""
    ctx = g.sf
    base = request.host_url.rstrip("/")
    body = []
    for obj in ctx.data.schema.all():
        if obj.name not in TAB_COLOR:
            continue
        icon = f"{base}/img/icon/t4v35/standard/{obj.name.lower()}"
        body.append({
            "colors": [{"color": TAB_COLOR[obj.name], "context": "primary", "theme": "theme4"}],
            "custom": False, "iconUrl": f"{icon}_120.png",
            "icons": [{"contentType": "image/png", "height": 120, "theme": "theme4", "url": f"{icon}_120.png",
                       "width": 120}],
            "label": obj.label_plural, "miniIconUrl": f"{icon}_16.png", "name": f"standard-{obj.name}",
            "sobjectName": obj.name, "url": f"{base}/{obj.key_prefix}/o"})
    return json_response(body)


@bp.get("/<version>/sobjects")
def describe_global(version: str):
    ctx = g.sf
    return json_response({"encoding": "UTF-8", "maxBatchSize": 200,
                          "sobjects": [o.summary(version) for o in ctx.data.schema.all()]})


@bp.get("/<version>/sobjects/<sobject>")
def sobject_root(version: str, sobject: str):
    """Object summary and recent items; POST (create) is a hot-path route in rows.py."""
    ctx = g.sf
    with ctx.backend.lock:
        records = ctx.records()
        schema = records.schema(sobject)
        recent = recent_rows(records.data, ctx.session.user_id, version, sobject=schema.name)
        return json_response({"objectDescribe": schema.summary(version), "recentItems": recent})


@bp.get("/<version>/recent")
def recent(version: str):
    """The user's recently viewed records, newest first (``?limit=n``, at most 200)."""
    ctx = g.sf
    raw = request.args.get("limit")
    if raw is not None and not raw.isdigit():
        raise SalesforceError(400, "INVALID_QUERY_PARAMETER", f"limit: invalid value: {raw}")
    limit = min(int(raw), MAX_RECENT) if raw is not None else MAX_RECENT
    with ctx.backend.lock:
        records = ctx.records()
        return json_response(recent_rows(records.data, ctx.session.user_id, version, limit))


@bp.get("/<version>/sobjects/<sobject>/describe")
def describe(version: str, sobject: str):
    ctx = g.sf
    with ctx.backend.lock:
        return json_response(ctx.records().schema(sobject).describe(version))


@bp.route("/<version>/sobjects/<sobject>/<field_name>/<path:value>", methods=["GET", "PATCH", "POST"])
def by_external_id(version: str, sobject: str, field_name: str, value: str):
    """GET a record by external id, or upsert it (PATCH; POST is the same upsert)."""
    ctx = g.sf
    with ctx.backend.lock:
        records = ctx.records()
        schema = records.schema(sobject)
        if request.method == "GET":
            key_field = schema.field(field_name)
            if key_field is None or not (key_field.external_id or key_field.id_lookup):
                raise not_found()
            ids = records.data.store(schema.name).lookup(key_field.name, value) or set()
            live = [i for i in sorted(ids) if not records.data.store(schema.name).get(i)["IsDeleted"]]
            if not live:
                raise not_found()
            if len(live) > 1:
                return _multiple(version, schema.name, live)
            record = records.data.store(schema.name).get(live[0])
            return json_response(render_record(schema, record, version, field_list(schema, request.args.get("fields"))))
        payload = read_json()
        try:
            record, created = records.upsert(schema.name, field_name, value, payload)
        except ValidationFailure as failure:
            raise failure.as_rest_error() from None
        except MultipleMatches as multiple:
            return _multiple(version, schema.name, multiple.ids)
        body = {**_ok_record_result(record["Id"]), "created": created}
        if created:
            return json_response(body, 201, {"Location": f"/services/data/{version}/sobjects/{schema.name}/"
                                                         f"{record['Id']}"})
        if int(version[1:].split(".")[0]) < 46:
            return empty_response(204)
        return json_response(body, 200)


def _multiple(version: str, sobject: str, ids: list[str]):
    return json_response([f"/services/data/{version}/sobjects/{sobject}/{i}" for i in ids], 300)


@bp.get("/<version>/limits")
def limits(version: str):
    ctx = g.sf
    with ctx.backend.lock:
        data, now = ctx.data, ctx.now
        config = data.org.config
        rows = sum(len(s) for s in data.stores.values())
        storage_max = 5
        used_mb = rows * 2 // 1024
        api_used = data.api_usage.current(now)
        bulk_used = data.bulk_usage.current(now)
        return json_response({
            "ConcurrentAsyncGetReportInstances": {"Max": 200, "Remaining": 200},
            "DailyApiRequests": {"Max": config.daily_api_limit, "Remaining": config.daily_api_limit - api_used},
            "DailyBulkApiBatches": {"Max": config.daily_bulk_api_limit,
                                    "Remaining": config.daily_bulk_api_limit - bulk_used},
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            "DataStorageMB": {"Max": storage_max, "Remaining": max(storage_max - used_mb, 0)},
            "FileStorageMB": {"Max": 20, "Remaining": 20},
        })

