"""Small HTTP helpers shared by every API's routes."""
from __future__ import annotations

import json
from typing import Any

from flask import Response

dumps_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""Compact JSON text, as the real APIs send it."""


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response; every JSON body, errors included, is ``application/json`` (SF-WIRE-1)."""
    response = Response(dumps_json(body), status=status, mimetype="application/json")
    if headers:
        response.headers.update(headers)
    return response


def empty_response(status: int = 204, headers: dict[str, str] | None = None) -> Response:
    response = Response(status=status)
    response.headers.pop("Content-Type", None)
    if headers:
        response.headers.update(headers)
    return response


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()
