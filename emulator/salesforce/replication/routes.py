"""Replication routes: ``GET /sobjects/{T}/updated`` and ``/deleted`` (SPEC SF-REST-9); the rules are in :mod:`.window`."""
from __future__ import annotations

from datetime import timedelta

from flask import g, request

from ...core.http import json_response
from ..blueprint import sf_blueprint
from ..sobjects.render import sf_datetime
from .window import deleted_entries, latest_date_covered, replication_window, to_minute, updated_ids

bp = sf_blueprint("salesforce_replication", __name__)


@bp.get("/<version>/sobjects/<sobject>/updated")
def get_updated(version: str, sobject: str):
    """sObject Get Updated: ``{"ids": [...], "latestDateCovered": ...}``."""
    ctx = g.sf
    with ctx.backend.lock:
        records = ctx.records()
        schema = records.schema(sobject)
        now = records.now
        start, end = replication_window(request.args, ctx.data.org.config.updated_window_days, now)
        ids = updated_ids(ctx.data.store(schema.name), start, end)
        return json_response({"ids": ids, "latestDateCovered": sf_datetime(latest_date_covered(start, end, now))})


@bp.get("/<version>/sobjects/<sobject>/deleted")
def get_deleted(version: str, sobject: str):
    """sObject Get Deleted: ``{"deletedRecords", "earliestDateAvailable", "latestDateCovered"}``."""
    ctx = g.sf
    with ctx.backend.lock:
        records = ctx.records()
        schema = records.schema(sobject)
        now = records.now
        window_days = ctx.data.org.config.deletion_window_days
        start, end = replication_window(request.args, window_days, now)
        entries = deleted_entries(ctx.data, schema.name, start, end)
        return json_response({
            "deletedRecords": [{"id": record_id, "deletedDate": sf_datetime(when)} for when, record_id in entries],
            "earliestDateAvailable": sf_datetime(to_minute(now - timedelta(days=window_days))),
            "latestDateCovered": sf_datetime(latest_date_covered(start, end, now)),
        })
