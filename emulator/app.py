"""The WSGI app: every emulated API on its real paths, plus /__emulator.

``create_app`` registers each API's blueprints and hot routes in one route
registry (:mod:`.core.routes`), installs one error handler that renders any
:class:`~.core.errors.ApiError` — and any error no route raised, in the
shape of the API its path belongs to — and puts the front dispatcher
(:mod:`.core.front`) in front of Flask.
"""
from __future__ import annotations

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from .config import Emulator, EmulatorConfig
from .core import admin
from .core.errors import ApiError, generic_error
from .core.front import FrontDispatcher
from .core.routes import RouteRegistry
from . import dashboard
from .aep import ims
from .aep.flowservice import routes as flowservice
from .aep.profiles import admin_routes as aep_profiles
from .aep.catalog import routes as catalog
from .aep.conversion import routes as conversion
from .aep.schema_registry import routes as schema_registry
from .salesforce import admin_routes as salesforce_admin
from .salesforce.bulk import routes as bulk, v1_routes as bulk_v1
from .salesforce.composite import collections, routes as composite, tree
from .salesforce.search import routes as search
from .salesforce.context import limit_header_for
from .salesforce.oauth import routes as oauth, soap_routes as soap
from .salesforce.replication import routes as replication
from .salesforce.sobjects import hot_routes, routes as sobjects
from .salesforce.soql import routes as query
from .salesforce.tooling import routes as tooling

log = logging.getLogger("crm_harness")

BLUEPRINTS = (sobjects.bp, collections.bp, composite.bp, tree.bp, oauth.bp, soap.bp, admin.bp, query.bp,
              replication.bp, tooling.bp, salesforce_admin.bp, bulk.bp, bulk_v1.bp, ims.bp,
              flowservice.bp, aep_profiles.bp, search.bp, schema_registry.bp, catalog.bp,
              catalog.admin_bp, conversion.bp)


def _render(error: ApiError) -> Response:
    return Response(error.payload(), status=error.status, headers=error.headers, content_type=error.content_type)


def create_app(emulator: Emulator | None = None, config: EmulatorConfig | None = None) -> Flask:
    """Build the app around an emulator (a new one from ``config`` when not given)."""
    emulator = emulator or Emulator(config)
    app = Flask("crm_harness")
    app.extensions["emulator"] = emulator
    app.config["MAX_CONTENT_LENGTH"] = 512 * 1024 * 1024
    routes = RouteRegistry(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    dashboard.init_app(app)  # /__emulator/ui: its blueprint, login and CSRF on its own forms
    hot_routes.register(routes, emulator)
    routes.freeze()

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return _render(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        allowed = getattr(error, "valid_methods", None) or ()
        return _render(generic_error(request.path, error.code or 500, request.method, allowed))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return _render(generic_error(request.path, 500))

    def limit_info(environ: dict, headers: list) -> None:
        header = limit_header_for(emulator, environ)
        if header is not None:
            headers.append(header)

    front = FrontDispatcher(emulator, routes)
    front.header_hooks.append(limit_info)
    emulator.aep.attach_platform(front)  # flow runs reach the emulated Salesforce through the front door
    app.wsgi_app = front
    return app
