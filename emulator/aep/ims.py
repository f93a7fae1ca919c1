"""IMS: ``POST /ims/token/v3`` with the client-credentials grant (AEP-AUTH-1)."""
from __future__ import annotations

from flask import Blueprint, current_app, request

from ..core.http import json_response

bp = Blueprint("aep_ims", __name__)


@bp.post("/ims/token/v3")
def token():
    """Form fields, with ``client_id`` also accepted in the query string as Adobe's examples send it."""
    form, args = request.form, request.args
    backend = current_app.extensions["emulator"].aep
    return json_response(backend.issue_token(form.get("grant_type") or args.get("grant_type"),
                                             form.get("client_id") or args.get("client_id"),
                                             form.get("client_secret") or args.get("client_secret")))
