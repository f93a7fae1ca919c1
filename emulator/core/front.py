"""The outermost WSGI layer: trailing slashes, faults, hot-path routes, the journal.

Every request passes here once. Faults apply before dispatch; the hot sObject
routes (the calls clients make thousands of times) are served by lean
handlers without Flask's per-request machinery; everything else falls
through to the Flask app. The journal records every request in one place.
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

from .errors import ApiError
from .faults import answer_faults
from .http import json_bytes
from .journal import JournalEntry

log = logging.getLogger("crm_harness")
ORG_ENVIRON_KEY = "crm_harness.org"
# The emulator clock read once when the request arrived: every rule of the call and the journal use it.
NOW_ENVIRON_KEY = "crm_harness.now"
_REASONS = {200: "OK", 201: "Created", 204: "No Content", 300: "Multiple Choices", 400: "Bad Request",
            401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            413: "Request Entity Too Large", 415: "Unsupported Media Type", 500: "Internal Server Error"}

Answer = tuple[int, list[tuple[str, str]], bytes]


def json_answer(body: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Answer:
    return status, [("Content-Type", "application/json"), *(headers or [])], json_bytes(body)


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
        values = parse_qs(self.environ.get("QUERY_STRING", "")).get(name)
        return values[0] if values else None


@dataclass
class LeanRoute:
    """A path pattern and its handlers by method; ``handler(request, **groups) -> Answer``.

    Another method either falls through to the Flask app (``fallthrough``) or
    gets ``on_method_not_allowed``'s answer.
    """

    pattern: re.Pattern
    handlers: dict[str, Callable[..., Answer]]
    on_method_not_allowed: Callable[[str, list[str], str], Answer] | None = None
    fallthrough: bool = False


class FrontDispatcher:
    def __init__(self, emulator: Any, fallback: Callable, routes: Iterable[LeanRoute],
                 on_error: Callable[[str, ApiError | None], Answer]) -> None:
        self.emulator = emulator
        self.fallback = fallback
        self.routes = list(routes)
        self.on_error = on_error
        self.after_answer: list[Callable[[dict, list[tuple[str, str]]], None]] = []

    def dispatch_lean(self, environ: dict, method: str, path: str) -> Answer | None:
        """The answer of the hot-path route matching the path, or None to fall through to Flask."""
        for route in self.routes:
            match = route.pattern.match(path)
            if match is None:
                continue
            handler = route.handlers.get(method)
            if handler is None:
                if route.fallthrough or route.on_method_not_allowed is None:
                    return None
                return route.on_method_not_allowed(method, sorted(route.handlers), path)
            try:
                return handler(LeanRequest(environ, method, path), **match.groupdict())
            except ApiError as error:
                status, headers, body = json_answer(error.body(), error.status)
                return status, headers + list(error.headers.items()), body
            except Exception:  # noqa: BLE001 - never a traceback on the wire
                log.exception("unexpected error on %s %s", method, path)
                return self.on_error(path, None)
        return None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        now = environ[NOW_ENVIRON_KEY] = self.emulator.clock.now()
        self.emulator.tick(now)
        path = environ.get("PATH_INFO", "") or "/"
        if len(path) > 1 and path.endswith("/"):
            path = environ["PATH_INFO"] = path.rstrip("/") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        answer = None if path.startswith("/__emulator") else answer_faults(self.emulator, method, path)
        if answer is None:
            answer = self.dispatch_lean(environ, method, path)
        if answer is not None:
            status, headers, body = answer
            for hook in self.after_answer:
                hook(environ, headers)
            headers.append(("Content-Length", str(len(body))))  # every answer's header list is its own
            start_response(f"{status} {_REASONS.get(status, 'Status')}", headers)
            result: Iterable[bytes] = [body]
        else:
            captured: list[int] = []

            def capture(status_line: str, headers: list, exc_info: Any = None):
                captured.append(int(status_line[:3]))
                return start_response(status_line, headers, exc_info)

            result = self.fallback(environ, capture)
            status = captured[0] if captured else 500
        org = environ.get(ORG_ENVIRON_KEY)
        self.emulator.journal.record(JournalEntry(
            now, method, path, environ.get("QUERY_STRING", ""), status,
            round((time.perf_counter() - started) * 1000, 3), api_for_path(path),
            org.org.id if org is not None else None))
        return result


def api_for_path(path: str) -> str:
    if path.startswith("/services/") or path.startswith("/id/"):
        return "salesforce"
    if path.startswith("/data/foundation/"):
        return "aep"
    if path.startswith("/ims/"):
        return "ims"
    if path.startswith("/__emulator"):
        return "admin"
    return "other"
