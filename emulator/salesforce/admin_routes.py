"""Harness-only Salesforce controls under ``/__emulator/salesforce`` (SPEC SF-REST-9).

The REST API has no undelete resource (undelete is a SOAP ``undelete()`` call
and an Apex DML statement), so the harness exposes the record service's
undelete here: ``POST /__emulator/salesforce/undelete {"ids": [...]}`` →
``{"results": [{"id", "success", "errors"}]}`` in the shape of SOAP's
UndeleteResult. It acts on the default org, as the admin user; like every
``/__emulator`` call it needs ``X-Admin-Token`` in server mode.
"""
from __future__ import annotations

from flask import Blueprint

from ..core.admin import AdminError, read_body, current_emulator, require_admin_token
from ..core.http import json_response
from .errors import SalesforceError

bp = Blueprint("salesforce_admin", __name__, url_prefix="/__emulator/salesforce")
bp.before_request(require_admin_token)


@bp.post("/undelete")
def undelete():
    """Restore records from the recycle bin; one result per id, in order."""
    ids = read_body().get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise AdminError(400, "body must be {\"ids\": [\"<record id>\", ...]}")
    backend = current_emulator().salesforce
    with backend.lock:
        data = backend.default_org()
        user_id = next(iter(data.org.users), "")
        records = backend.records(data.org.id, user_id)
        results = []
        for record_id in ids:
            schema = data.schema.by_prefix(record_id[:3])
            try:
                if schema is None:
                    raise SalesforceError(400, "MALFORMED_ID", f"invalid id: {record_id}")
                record = records.undelete(schema.name, record_id)
                results.append({"id": record["Id"], "success": True, "errors": []})
            except SalesforceError as error:
                results.append({"id": None, "success": False,
                                "errors": [d.record_result() for d in error.details]})
        return json_response({"results": results})
