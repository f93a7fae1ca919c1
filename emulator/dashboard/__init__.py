"""The emulator's web dashboard at ``/__emulator/ui``: server-rendered pages over the live state.

``init_app(app)`` (called by :func:`emulator.app.create_app`) registers the
blueprint, its login and CSRF rules (:mod:`.auth`) and its HTML error pages.
Every list is paged; records come from the SOQL engine (:mod:`.records`), the
rest from the backends' own objects read under their locks. Forms call the
control plane (:mod:`.controls`). No secret (passwords, security tokens,
client secrets, access or refresh tokens) is ever put in a page.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any

from flask import Flask, render_template, request, session
from werkzeug.exceptions import HTTPException

from . import aep_pages, controls, journal_page, salesforce_pages  # noqa: F401  (routes register on import)
from .auth import SESSION_KEY, init_auth
from .blueprint import PageError, bp, emulator

log = logging.getLogger("crm_harness")
_SF_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000")
__all__ = ["bp", "init_app"]


# the navigation entry each page belongs to
SECTIONS = {"records": "objects", "record": "objects", "object_fields": "fields_overview", "clock": "controls",
            "add_fault": "controls", **{name: "aep_index" for name in (
                "aep_connections", "aep_flows", "aep_flows_default", "aep_sandbox", "aep_datasets", "aep_dataset",
                "aep_profiles")}}


@bp.context_processor
def _page_context() -> dict[str, Any]:
    endpoint = (request.endpoint or "").removeprefix("dashboard.")
    return {"header_clock": emulator().clock.state(),
            "section": "dashboard." + SECTIONS.get(endpoint, endpoint),
            "logged_in_by_session": SESSION_KEY in session}


def _error_page(status: int, message: str):
    return render_template("error.html", status=status, message=message), status


@bp.errorhandler(PageError)
def _page_error(error: PageError):
    return _error_page(error.status, error.message)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return _error_page(error.code or 500, error.description or error.name)


@bp.errorhandler(Exception)
def _unexpected(error: Exception):
    log.exception("dashboard error on %s %s", request.method, request.path)
    return _error_page(500, "The dashboard could not render this page; the server log has the details.")


@bp.route("/<path:rest>", methods=["GET", "POST"])
def not_found(rest: str):
    """Any other path under the dashboard: an HTML 404, not the admin API's JSON."""
    raise PageError(404, f"no dashboard page at /{rest}")


@bp.app_template_filter("shown")
def _shown(value: Any) -> str:
    """A value as a table cell shows it: JSON for objects, plain text otherwise."""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


@bp.app_template_filter("when")
def _when(value: Any) -> Any:
    """``2026-03-02T09:00:00.000+0000`` → ``2026-03-02 09:00:00`` (UTC) in tables; anything else unchanged."""
    if isinstance(value, str) and _SF_DATETIME.fullmatch(value):
        return f"{value[:10]} {value[11:19]}"
    return value


@bp.app_template_global("pager_args")
def _pager_args(param: str, number: int) -> dict[str, Any]:
    """The current page's URL arguments with ``param`` set to ``number`` (for ``url_for``)."""
    args = request.args.to_dict()
    args[param] = str(number)
    return {**args, **(request.view_args or {})}


def init_app(app: Flask) -> None:
    """Register the dashboard on an emulator app (before its route registry is frozen)."""
    init_auth(app)
    app.register_blueprint(bp)
