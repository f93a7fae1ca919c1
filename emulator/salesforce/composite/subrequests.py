"""Composite subrequests (SPEC SF-REST-7): served by the app's own routes, in the caller's call context.

A subrequest is turned into a WSGI environ and served by the app's route
registry — the same hot routes and Flask routes a real request reaches, so every operation has one
implementation. The environ carries the parent :class:`~.context.SfContext`
(under :data:`~.context.PARENT_ENVIRON_KEY`, which no HTTP header can set):
the subrequest is not authenticated or counted again, takes no concurrency
slot, and records its writes in the parent's undo log, so one rollback undoes
a whole composite request. Faults and the journal apply to the outer call only.

``@{referenceId.path}`` references (``@{refAccount.id}``,
``@{refContact.records[0].AccountId}``) are resolved against earlier results.
"""
from __future__ import annotations

import io
import json
import re
import sys
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote_to_bytes, urlsplit

from flask import current_app, request

from ...core.http import dumps_json, json_bytes
from ...core.routes import RouteRegistry
from ..context import PARENT_ENVIRON_KEY, SfContext

NO_BODY = object()
REFERENCE_RE = re.compile(r"@\{([^{}]*)\}")
_PATH_TOKEN = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")
_NAME = re.compile(r"[A-Za-z0-9_]+")


@dataclass
class Reply:
    """A subrequest's answer: status, the headers composite reports, and the parsed body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


class UnresolvedReference(Exception):
    """A ``@{...}`` reference with no value in the earlier results."""

    def __init__(self, expression: str) -> None:
        name = _NAME.match(expression)
        super().__init__(f"Invalid reference specified. No value for {expression} found in "
                         f"{name.group(0) if name else expression}.")


def dispatch(parent: SfContext, method: str, url: str, body: Any = NO_BODY,
             headers: dict[str, str] | None = None) -> Reply:
    """Serve one subrequest through the app's routes in ``parent``'s context."""
    parts = urlsplit(url)
    path = unquote_to_bytes(parts.path or "/").decode("latin-1")
    raw = b"" if body is NO_BODY else json_bytes(body)
    outer = request.environ
    environ = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": parts.query,
        "SERVER_NAME": outer.get("SERVER_NAME", "localhost"), "SERVER_PORT": outer.get("SERVER_PORT", "443"),
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": outer.get("REMOTE_ADDR", "127.0.0.1"),
        "HTTP_HOST": outer.get("HTTP_HOST", "localhost"), "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)), "wsgi.version": (1, 0), "wsgi.input": io.BytesIO(raw),
        "wsgi.url_scheme": outer.get("wsgi.url_scheme", "https"), "wsgi.errors": outer.get("wsgi.errors", sys.stderr),
        "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
        PARENT_ENVIRON_KEY: parent,
    }
    if "HTTP_AUTHORIZATION" in outer:
        environ["HTTP_AUTHORIZATION"] = outer["HTTP_AUTHORIZATION"]
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    status, response_headers, data = RouteRegistry.of(current_app).serve(environ)
    return Reply(status, _reported_headers(response_headers), _parse(b"".join(data)))


def _reported_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    return {name: value for name, value in headers if name.lower() == "location"}


def _parse(data: bytes) -> Any:
    if not data:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return data.decode("utf-8", "replace")


def nesting_depth(value: Any, limit: int) -> int:
    """How deeply ``value`` nests lists and objects, counting no further than ``limit + 1``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, (dict, list)) and depth <= limit:
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in (current.values() if isinstance(current, dict) else current))
        elif isinstance(current, (dict, list)):
            return limit + 1
    return deepest


# -- references -------------------------------------------------------------------------------------------
def lookup(expression: str, results: dict[str, Reply]) -> Any:
    """The value ``refId.path`` names in an earlier result; UnresolvedReference when there is none."""
    name = _NAME.match(expression)
    reply = results.get(name.group(0)) if name else None
    if reply is None or reply.status >= 400:
        raise UnresolvedReference(expression)
    value, position = reply.body, name.end()
    while position < len(expression):
        token = _PATH_TOKEN.match(expression, position)
        if token is None:
            raise UnresolvedReference(expression)
        key, index = token.groups()
        if key is not None and isinstance(value, dict) and key in value:
            value = value[key]
        elif index is not None and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            raise UnresolvedReference(expression)
        position = token.end()
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return value if isinstance(value, str) else dumps_json(value) if isinstance(value, (dict, list)) else str(value)


def substitute_url(url: str, results: dict[str, Reply]) -> str:
    """A subrequest URL with every reference replaced by its (URL-encoded) value."""
    return REFERENCE_RE.sub(lambda m: quote(_text(lookup(m.group(1), results)), safe=""), url)


def substitute_body(body: Any, results: dict[str, Reply]) -> Any:
    """A subrequest body with references resolved; a string that is one reference takes its value's type."""
    if isinstance(body, str):
        whole = REFERENCE_RE.fullmatch(body)
        if whole is not None:
            return lookup(whole.group(1), results)
        return REFERENCE_RE.sub(lambda m: _text(lookup(m.group(1), results)), body)
    if isinstance(body, dict):
        return {key: substitute_body(value, results) for key, value in body.items()}
    if isinstance(body, list):
        return [substitute_body(value, results) for value in body]
    return body
