"""The outermost WSGI layer: one clock reading, the tick, faults, the hot path, the journal.

Every request passes here once. It reads the clock once and pins that
instant for the whole request, runs every backend's time-driven changes
(``Emulator.tick``), applies faults, then lets the route registry's hot
routes answer (the calls clients make thousands of times, without Flask's
per-request machinery) or falls through to Flask. Whichever answers, the
same hooks add their headers (``Sforce-Limit-Info``) and the journal records
the call.
"""
from __future__ import annotations

import time
from contextvars import ContextVar
from typing import Any, Callable, Iterable

from .faults import answer_faults
from .journal import JournalEntry
from .routes import RouteRegistry, normalize_path

ORG_ENVIRON_KEY = "crm_harness.org"
# The emulator clock read once when the request arrived: every rule of the call and the journal use it.
NOW_ENVIRON_KEY = "crm_harness.now"
_REASONS = {200: "OK", 201: "Created", 204: "No Content", 300: "Multiple Choices", 400: "Bad Request",
            401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            413: "Request Entity Too Large", 415: "Unsupported Media Type", 500: "Internal Server Error"}

HeaderHook = Callable[[dict, list[tuple[str, str]]], None]
# Set while a request runs: the calls it makes to the app in-process (an AEP run reading Salesforce)
# are part of it, so only the outermost one saves durable state, once the whole request is done.
_IN_REQUEST: ContextVar[bool] = ContextVar("crm_harness_in_request", default=False)


class FrontDispatcher:
    """The app's WSGI callable: wraps Flask's and reads the same :class:`RouteRegistry`."""

    def __init__(self, emulator: Any, routes: RouteRegistry) -> None:
        self.emulator = emulator
        self.routes = routes
        self.header_hooks: list[HeaderHook] = []  # run on every answer, hot or Flask

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        clock = self.emulator.clock
        now = environ[NOW_ENVIRON_KEY] = clock.now()  # the one reading of this request
        pin = clock.pin(now)
        persister = self.emulator.persister  # durable mode only (serve --data)
        outermost = _IN_REQUEST.set(True) if persister is not None and not _IN_REQUEST.get() else None
        try:
            self.emulator.tick(now)
            status, result = self._answer(environ, start_response)
        finally:
            clock.unpin(pin)
            if outermost is not None:
                _IN_REQUEST.reset(outermost)
        if outermost is not None:
            persister.save()  # before the answer leaves: an acknowledged write is on disk
        path = environ.get("PATH_INFO", "") or "/"
        org = environ.get(ORG_ENVIRON_KEY)
        self.emulator.journal.record(JournalEntry(
            now, environ.get("REQUEST_METHOD", "GET"), path, environ.get("QUERY_STRING", ""), status,
            round((time.perf_counter() - started) * 1000, 3), api_for_path(path),
            org.org.id if org is not None else None))
        return result

    def _answer(self, environ: dict, start_response: Callable) -> tuple[int, Iterable[bytes]]:
        path = environ["PATH_INFO"] = normalize_path(environ.get("PATH_INFO", "") or "/")
        method = environ.get("REQUEST_METHOD", "GET")
        answer = None if path.startswith("/__emulator") else answer_faults(self.emulator, method, path)
        if answer is None:
            answer = self.routes.answer_hot(environ, method, path)
        if answer is not None:
            status, headers, body = answer
            for hook in self.header_hooks:
                hook(environ, headers)
            headers.append(("Content-Length", str(len(body))))  # every answer's header list is its own
            start_response(f"{status} {_REASONS.get(status, 'Status')}", headers)
            return status, [body]
        captured: list[int] = []
        hooks = self.header_hooks

        def capture(status_line: str, headers: list, exc_info: Any = None):
            captured.append(int(status_line[:3]))
            for hook in hooks:
                hook(environ, headers)
            return start_response(status_line, headers, exc_info)

        result = self.routes.flask_wsgi(environ, capture)
        return (captured[0] if captured else 500), result


def api_for_path(path: str) -> str:
    """The API family a path belongs to, as the journal names it."""
    if path.startswith("/services/") or path.startswith("/id/"):
        return "salesforce"
    if path.startswith("/data/foundation/"):
        return "aep"
    if path.startswith("/ims/"):
        return "ims"
    if path.startswith("/__emulator"):
        return "admin"
    return "other"
