"""The app's one route table, read by Flask and by the front dispatcher's hot path alike.

Every route lives in Flask's URL map, the hot ones included: a hot route is
added once here (:meth:`RouteRegistry.add_hot`) and becomes both a Flask
rule (so 405 answers and ``Allow`` come from the union of every rule, and
anything that walks the app sees it) and a precompiled matcher the front
dispatcher tries before Flask, skipping Flask's per-request machinery.

A hot matcher gives way to any other rule that werkzeug would prefer — a
static segment where the hot rule has a variable (``/sobjects/Contact/describe``
is not a record id) — so both dispatchers pick the same route for every path.
Composite subrequests are served through :meth:`RouteRegistry.serve`, never
through ``app.wsgi_app``, so wrapping the app in middleware changes nothing.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

from flask import Flask, Response, request

from .errors import ApiError, generic_error
from .http import call_wsgi, json_bytes

log = logging.getLogger("crm_harness")
Answer = tuple[int, list[tuple[str, str]], bytes]
_VARIABLE = re.compile(r"<(?:(\w+):)?(\w+)>")


def json_answer(body: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Answer:
    """A hot route's JSON answer."""
    return status, [("Content-Type", "application/json"), *(headers or [])], json_bytes(body)


def normalize_path(path: str) -> str:
    """``/a/b/`` → ``/a/b``: every route is served with and without a trailing slash (SF-WIRE-1)."""
    if len(path) > 1 and path.endswith("/"):
        return path.rstrip("/") or "/"
    return path


class LeanRequest:
    """The few things a hot-path handler reads from the WSGI environ."""

    __slots__ = ("environ", "method", "path", "_body")

    def __init__(self, environ: dict, method: str, path: str) -> None:
        self.environ = environ
        self.method = method
        self.path = path
        self._body: bytes | None = None

    def header(self, name: str) -> str | None:
        return self.environ.get("HTTP_" + name.upper().replace("-", "_"))

    @property
    def content_type(self) -> str | None:
        return self.environ.get("CONTENT_TYPE")

    @property
    def content_length(self) -> int | None:
        try:
            return int(self.environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None

    def body(self) -> bytes:
        if self._body is None:
            stream = self.environ["wsgi.input"]
            length = self.content_length
            self._body = stream.read(length) if length else b""
        return self._body

    def arg(self, name: str) -> str | None:
        query = self.environ.get("QUERY_STRING")
        if not query:
            return None
        values = parse_qs(query).get(name)
        return values[0] if values else None


@dataclass
class HotRoute:
    """A werkzeug rule string and its handlers by method: ``handler(request, **variables) -> Answer``."""

    rule: str
    handlers: dict[str, Callable[..., Answer]]
    endpoint: str
    pattern: re.Pattern | None = field(default=None, repr=False)


def _segments(rule: str) -> list[str | None]:
    """A rule's path segments: the static text, or None for a variable (``...`` for a spanning ``path``)."""
    parts: list[str | None] = []
    for segment in rule.strip("/").split("/"):
        match = _VARIABLE.fullmatch(segment)
        if match is None:
            parts.append(segment)
        else:
            parts.append("..." if match.group(1) == "path" else None)
    return parts


def _compatible(hot: list[str | None], other: list[str | None], upto: int) -> bool:
    """Whether two rules can match the same first ``upto`` segments."""
    for a, b in zip(hot[:upto], other[:upto]):
        if a == "..." or b == "...":
            return True
        if a is not None and b is not None and a != b:
            return False
    return True


class RouteRegistry:
    """Flask's URL map plus the hot routes' matchers; ``app.extensions["crm_harness.routes"]``."""

    EXTENSION = "crm_harness.routes"

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.flask_wsgi = app.wsgi_app  # Flask's own dispatch, below any middleware
        self.hot: list[HotRoute] = []
        app.extensions[self.EXTENSION] = self

    @classmethod
    def of(cls, app: Flask) -> RouteRegistry:
        return app.extensions[cls.EXTENSION]

    def add_hot(self, rule: str, handlers: dict[str, Callable[..., Answer]], endpoint: str) -> None:
        route = HotRoute(rule, handlers, endpoint)
        self.hot.append(route)
        self.app.add_url_rule(rule, endpoint, self._flask_view(route), methods=sorted(handlers))

    def freeze(self) -> None:
        """Compile the hot matchers once every rule is known (call after registering all blueprints)."""
        others = [_segments(r.rule) for r in self.app.url_map.iter_rules()
                  if r.endpoint not in {h.endpoint for h in self.hot}]
        for route in self.hot:
            mine = _segments(route.rule)
            pieces = []
            names = iter(m.group(2) for m in _VARIABLE.finditer(route.rule))
            for index, segment in enumerate(mine):
                if segment is not None:
                    pieces.append(re.escape(segment))
                    continue
                statics = sorted({other[index] for other in others
                                  if (len(other) == len(mine) or "..." in other) and len(other) > index
                                  and other[index] not in (None, "...") and _compatible(mine, other, index)})
                guard = f"(?!(?:{'|'.join(map(re.escape, statics))})(?:/|$))" if statics else ""
                pieces.append(f"(?P<{next(names)}>{guard}[^/]+)")
            route.pattern = re.compile("^/" + "/".join(pieces) + "$")

    # -- dispatch ---------------------------------------------------------------------
    def answer_hot(self, environ: dict, method: str, path: str) -> Answer | None:
        """The answer of the hot route serving ``method path``, or None when Flask serves it."""
        for route in self.hot:
            match = route.pattern.match(path)
            if match is None:
                continue
            handler = route.handlers.get(method)
            if handler is None:
                return None  # Flask answers 405 with the Allow of every rule
            try:
                return handler(LeanRequest(environ, method, path), **match.groupdict())
            except ApiError as error:
                return error.answer()
            except Exception:  # noqa: BLE001 - never a traceback on the wire
                log.exception("unexpected error on %s %s", method, path)
                return generic_error(path, 500).answer()
        return None

    def serve(self, environ: dict) -> tuple[int, list[tuple[str, str]], Iterable[bytes]]:
        """Answer a WSGI environ through the hot routes, then Flask (no faults, no journal): for subrequests."""
        path = environ["PATH_INFO"] = normalize_path(environ.get("PATH_INFO", "") or "/")
        answer = self.answer_hot(environ, environ.get("REQUEST_METHOD", "GET"), path)
        if answer is not None:
            status, headers, body = answer
            return status, headers, [body]
        status_line, headers, data = call_wsgi(self.flask_wsgi, environ)
        return int(status_line[:3]), headers, [data]

    @staticmethod
    def _flask_view(route: HotRoute) -> Callable[..., Response]:
        """The Flask face of a hot route: the same handler, for callers that reach Flask directly."""
        def view(**variables: str) -> Response:
            lean = LeanRequest(request.environ, request.method, request.path)
            handler = route.handlers.get(request.method) or route.handlers["GET"]  # HEAD is GET without a body
            status, headers, body = handler(lean, **variables)
            return Response(body, status=status, headers=headers)
        view.__name__ = route.endpoint
        return view
