"""The WSGI app: every emulated API on its real paths, plus /__emulator."""
from __future__ import annotations

import logging
import time

from flask import Flask, g, request
from werkzeug.exceptions import HTTPException

from .config import Emulator, EmulatorConfig
from .core import admin
from .core.errors import ApiError
from .core.http import json_response
from .core.journal import JournalEntry
from .core.clock import iso
from .salesforce import oauth, rest, soap

log = logging.getLogger("crm_harness")


def api_for_path(path: str) -> str:
    if path.startswith("/services/") or path.startswith("/id/"):
        return "salesforce"
    if path.startswith("/__emulator"):
        return "admin"
    return "other"


def error_body(api: str, status: int, message: str, code: str):
    """The error shape of the API a path belongs to, for errors no route raised itself."""
    if api == "salesforce":
        return [{"errorCode": code, "message": message}]
    return {"error": code, "message": message, "status": status}


HTTP_CODES = {404: ("NOT_FOUND", "The requested resource does not exist"),
              405: ("METHOD_NOT_ALLOWED", "HTTP Method '{method}' not allowed. Allowed are {allowed}"),
              413: ("REQUEST_ENTITY_TOO_LARGE", "Request body exceeds the maximum size"),
              400: ("BAD_REQUEST", "The request could not be understood")}


def strip_trailing_slash(wsgi_app):
    """Serve every path with and without a trailing slash, as real clients expect (SF-WIRE-1)."""
    def middleware(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if len(path) > 1 and path.endswith("/"):
            environ["PATH_INFO"] = path.rstrip("/") or "/"
        return wsgi_app(environ, start_response)
    return middleware


def create_app(emulator: Emulator | None = None, config: EmulatorConfig | None = None) -> Flask:
    """Build the app around an emulator (a new one from ``config`` when not given)."""
    emulator = emulator or Emulator(config)
    app = Flask("crm_harness")
    app.extensions["emulator"] = emulator
    app.config["MAX_CONTENT_LENGTH"] = 512 * 1024 * 1024
    app.wsgi_app = strip_trailing_slash(app.wsgi_app)
    for blueprint in (rest.bp, oauth.bp, soap.bp, admin.bp):
        app.register_blueprint(blueprint)

    @app.before_request
    def _start_timer():
        g.started = time.perf_counter()

    @app.after_request
    def _journal(response):
        started = g.get("started")
        if started is not None:
            emulator.journal.record(JournalEntry(
                at=iso(emulator.clock.now()), method=request.method, path=request.path,
                query=request.query_string.decode("latin-1"), status=response.status_code,
                duration_ms=round((time.perf_counter() - started) * 1000, 3), api=api_for_path(request.path),
                org=g.get("journal_org")))
        return response

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return json_response(error.body(), error.status, error.headers)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        code, message = HTTP_CODES.get(error.code or 500, ("UNKNOWN_EXCEPTION", error.description or ""))
        allowed = ",".join(sorted(getattr(error, "valid_methods", None) or []))
        message = message.format(method=request.method, allowed=allowed)
        headers = {"Allow": allowed} if allowed else None
        return json_response(error_body(api_for_path(request.path), error.code or 500, message, code),
                             error.code or 500, headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return json_response(error_body(api_for_path(request.path), 500,
                                        "An unexpected error occurred. Please include this ErrorId if you "
                                        "contact support: harness", "UNKNOWN_EXCEPTION"), 500)

    return app
