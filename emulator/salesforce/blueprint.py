"""The one way to build a Salesforce REST blueprint: ``/services/data`` plus the call hooks.

``before_request`` authenticates and counts the call (``g.sf``, an
:class:`~.context.SfContext`) for every route with a ``<version>``;
``after_request`` frees the call's concurrency slot (the front dispatcher
adds ``Sforce-Limit-Info`` to every answer, hot or not). Composite subrequests are dispatched through the same
app while the outer request is open and share its ``g`` (same app context),
so the outer ``g.sf`` is parked in the inner request's environ and put back
when the inner request ends.
"""
from __future__ import annotations

from flask import Blueprint, g, request

from .context import authorize_call, emulator

_OUTER_SF = "crm_harness.outer_sf"
# endpoints that enforce their own body-size limit (Bulk API 2.0 uploads take up to 150 MB base64)
OWN_BODY_LIMIT: set[str] = set()


def sf_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under ``/services/data`` whose routes run with ``g.sf`` set."""
    bp = Blueprint(name, import_name, url_prefix="/services/data")
    bp.before_request(_authenticate)
    bp.after_request(_finish)
    return bp


def _authenticate() -> None:
    outer = g.pop("sf", None)
    if outer is not None:
        request.environ[_OUTER_SF] = outer
    version = (request.view_args or {}).get("version")
    if version is not None:
        length = None if request.endpoint in OWN_BODY_LIMIT else request.content_length
        g.sf = authorize_call(emulator(), version, request.headers.get("Authorization"), length, request.environ)


def _finish(response):
    ctx = g.pop("sf", None)
    if ctx is not None:
        ctx.release()
    outer = request.environ.pop(_OUTER_SF, None)
    if outer is not None:
        g.sf = outer
    return response
