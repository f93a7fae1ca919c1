"""Small HTTP helpers shared by every API's routes."""
from __future__ import annotations

import json
import re
from typing import Any

import orjson
from flask import Response

_standard_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def json_bytes(body: Any) -> bytes:
    """Compact UTF-8 JSON, as the real APIs send it.

    orjson does the common case; what it refuses (integers beyond 64 bits,
    non-string keys) goes through the standard encoder.
    """
    try:
        return orjson.dumps(body)
    except TypeError:  # orjson.JSONEncodeError subclasses TypeError
        return _standard_encode(body).encode("utf-8")


_LONG_DIGIT_RUN = re.compile(rb"[0-9]{19}")


def loads_json(raw: bytes | str) -> Any:
    """Parse JSON exactly as :func:`json.loads` does, with orjson for the common case.

    What orjson refuses (NaN literals, lone surrogates, bad input) or would
    read differently (integers beyond 64 bits, which it turns into floats)
    goes to :func:`json.loads`, which accepts it or raises its usual,
    position-carrying error.
    """
    if _LONG_DIGIT_RUN.search(raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")):
        return json.loads(raw)  # orjson reads integers beyond 64 bits as floats; json keeps them exact
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def call_wsgi(app: Any, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call a WSGI app with no server: ``(status line, headers, body bytes)``."""
    captured: list = []

    def start_response(status: str, headers: list, exc_info: Any = None) -> None:
        captured[:] = [status, headers]

    result = app(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return captured[0], captured[1], content


def dumps_json(body: Any) -> str:
    """Compact JSON text (see :func:`json_bytes`)."""
    return json_bytes(body).decode("utf-8")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response; every JSON body, errors included, is ``application/json`` (SF-WIRE-1)."""
    response = Response(json_bytes(body), status=status, mimetype="application/json")
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
