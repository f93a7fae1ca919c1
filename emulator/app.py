"""The WSGI app: every emulated API on its real paths, plus /__emulator."""
from __future__ import annotations

import logging

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from .config import Emulator, EmulatorConfig
from .core import admin
from .core.errors import ApiError
from .core.front import FrontDispatcher, api_for_path, json_answer
from .core.http import json_response
from .aep.flowservice import routes as flowservice
from .aep import ims
from .aep.catalog import routes as catalog
from .aep.conversion import routes as conversion
from .aep.schema_registry import routes as schema_registry
from .aep.errors import FlowServiceError
from .salesforce.composite import collections
from .salesforce.composite import routes as composite
from .salesforce.oauth import routes as oauth
from .salesforce.sobjects import routes as rest
from .salesforce.sobjects import hot_routes as rows
from .salesforce.oauth import soap_routes as soap
from .salesforce.composite import tree
from .salesforce import admin_routes as salesforce_admin
from .salesforce.bulk import routes as bulk
from .salesforce.soql import routes as query
from .salesforce.replication import routes as replication
from .salesforce.tooling import routes as tooling
from .salesforce.context import limit_header_for

log = logging.getLogger("crm_harness")

HTTP_CODES = {404: ("NOT_FOUND", "The requested resource does not exist"),
              405: ("METHOD_NOT_ALLOWED", "HTTP Method '{method}' not allowed. Allowed are {allowed}"),
              413: ("REQUEST_ENTITY_TOO_LARGE", "Request body exceeds the maximum size"),
              400: ("BAD_REQUEST", "The request could not be understood")}
UNEXPECTED = ("An unexpected error occurred. Please include this ErrorId if you contact support: harness",
              "UNKNOWN_EXCEPTION")


def error_body(api: str, status: int, message: str, code: str):
    """The error shape of the API a path belongs to, for errors no route raised itself."""
    if api == "salesforce":
        return [{"errorCode": code, "message": message}]
    if api == "aep":
        return FlowServiceError(status, "1101" if status == 404 else "1500", message, message).body()
    return {"error": code, "message": message, "status": status}


def create_app(emulator: Emulator | None = None, config: EmulatorConfig | None = None) -> Flask:
    """Build the app around an emulator (a new one from ``config`` when not given)."""
    emulator = emulator or Emulator(config)
    app = Flask("crm_harness")
    app.extensions["emulator"] = emulator
    app.config["MAX_CONTENT_LENGTH"] = 512 * 1024 * 1024
    for blueprint in (rest.bp, collections.bp, composite.bp, tree.bp, oauth.bp, soap.bp, admin.bp):
        app.register_blueprint(blueprint)
    for blueprint in (query.bp, replication.bp, tooling.bp, salesforce_admin.bp, bulk.bp, ims.bp, flowservice.bp,
                      schema_registry.bp, catalog.bp, catalog.admin_bp, conversion.bp):
        app.register_blueprint(blueprint)

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
        return json_response(error_body(api_for_path(request.path), 500, *UNEXPECTED), 500)

    def lean_error(path: str, _error) -> tuple:
        return json_answer(error_body(api_for_path(path), 500, *UNEXPECTED), 500)

    def lean_limit_info(environ: dict, headers: list) -> None:
        header = limit_header_for(emulator, environ, counted_usage=True)
        if header is not None:
            headers.append(header)

    front = FrontDispatcher(emulator, app.wsgi_app, rows.routes(emulator), lean_error)
    front.after_answer.append(lean_limit_info)
    emulator.aep.attach_platform(front)  # flow runs reach the emulated Salesforce through the front door
    app.wsgi_app = front
    return app
