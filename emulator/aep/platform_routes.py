"""Helpers shared by the Schema Registry, Catalog and Conversion blueprints: gateway, JSON body, clock.

Each service passes its own error factory so a bad body answers in that
service's error shape.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from flask import Blueprint, current_app, g, request

from ..core.errors import ApiError
from ..core.http import loads_json
from .backend import AepBackend
from .gateway import PlatformCall, authorize_platform


def backend() -> AepBackend:
    return current_app.extensions["emulator"].aep


def platform() -> PlatformCall:
    return g.aep_platform


def now() -> datetime:
    """The emulator clock, read once per request."""
    if "aep_now" not in g:
        g.aep_now = backend().now()
    return g.aep_now


def now_ms() -> int:
    return int(now().timestamp() * 1000)


def guard(blueprint: Blueprint) -> Blueprint:
    """Run the gateway's checks (AEP-AUTH-1, AEP-ISO-1) before every route of ``blueprint``."""
    @blueprint.before_request
    def _gateway() -> None:
        g.aep_platform = authorize_platform(backend(), request.headers, request.method,
                                            bool(request.get_data(cache=True)))
    return blueprint


def read_json(bad: Callable[[str], ApiError]) -> Any:
    """The request body as JSON; ``bad(message)`` is raised for an empty or malformed one."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise bad("The request body is empty.")
    try:
        return loads_json(raw)
    except ValueError:
        raise bad("The request body is not valid JSON.") from None


def json_object(body: Any, bad: Callable[[str], ApiError]) -> dict:
    """``body`` if it is a JSON object; ``bad(message)`` is raised for anything else."""
    if not isinstance(body, dict):
        raise bad("The request body must be a JSON object.")
    return body


def required_text(body: dict, key: str, missing: str, bad: Callable[[str], ApiError]) -> str:
    """``body[key]`` if it is a non-blank string; ``bad(missing)`` is raised otherwise."""
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise bad(missing)
    return value
