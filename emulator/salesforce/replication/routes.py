"""Replication routes: ``GET /sobjects/{T}/updated`` and ``/deleted`` (SPEC SF-REST-9); the rules are in :mod:`.window`."""
from __future__ import annotations

from datetime import timedelta

from flask import g, request

from ...core.http import json_response
from ..blueprint import sf_blueprint
from ..sobjects.render import sf_datetime
from .window import deleted_entries, latest_date_covered, replication_window, to_minute, updated_ids

bp = sf_blueprint("salesforce_replication", __name__)


def _window(sobject: str, window_days_of) -> tuple:
    """``(ctx, object name, now, start, end, window days)`` of a replication call; the caller holds the lock."""
    ctx = g.sf
    records = ctx.records()
    schema = records.schema(sobject)
    days = window_days_of(ctx.data.org.config)
    start, end = replication_window(request.args, days, records.now)
    return ctx, schema.name, records.now, start, end, days


@bp.get("/<version>/sobjects/<sobject>/updated")
def get_updated(version: str, sobject: str):
    """sObject Get Updated: ``{"ids": [...], "latestDateCovered": ...}``."""
    with g.sf.backend.lock:
        ctx, name, now, start, end, _ = _window(sobject, lambda config: config.updated_window_days)
        ids = updated_ids(ctx.data.store(name), start, end)
        return json_response({"ids": ids, "latestDateCovered": sf_datetime(latest_date_covered(start, end, now))})


@bp.get("/<version>/sobjects/<sobject>/deleted")
def get_deleted(version: str, sobject: str):
    """sObject Get Deleted: ``{"deletedRecords", "earliestDateAvailable", "latestDateCovered"}``."""
    with g.sf.backend.lock:
        ctx, name, now, start, end, days = _window(sobject, lambda config: config.deletion_window_days)
        entries = deleted_entries(ctx.data, name, start, end)
        return json_response({
            "deletedRecords": [{"id": record_id, "deletedDate": sf_datetime(when)} for when, record_id in entries],
            "earliestDateAvailable": sf_datetime(to_minute(now - timedelta(days=days))),
            "latestDateCovered": sf_datetime(latest_date_covered(start, end, now)),
        })
