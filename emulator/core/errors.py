"""Errors of every emulated API: one base class, and one renderer per API chosen by path.

Each API subclasses :class:`ApiError` once and renders its real wire shape;
one Flask handler and the front dispatcher turn any of them into a response,
so no route builds an error body by hand.

Errors no route raised (an unknown path, a method not allowed, a body too
large, an injected fault, an unexpected exception) still take the shape of the
API the path belongs to: each API registers an :class:`ErrorFamily` for its
path prefix (:func:`register_family`), and :func:`generic_error` picks the
family of the longest matching prefix. The core knows no API; the services
register themselves when they are imported.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Any, Callable, Iterable

from .http import json_bytes


class ApiError(Exception):
    """An error that renders as the real API's response."""

    status: int = 400
    content_type: str = "application/json"

    def __init__(self, status: int | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__()
        if status is not None:
            self.status = status
        self.headers = headers or {}

    def body(self) -> Any:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def payload(self) -> bytes:
        """The response body's bytes (JSON unless a subclass says otherwise)."""
        return json_bytes(self.body())

    def answer(self) -> tuple[int, list[tuple[str, str]], bytes]:
        """``(status, headers, body)`` for the front dispatcher."""
        return self.status, [("Content-Type", self.content_type), *self.headers.items()], self.payload()

    def __str__(self) -> str:
        return f"{self.status} {self.body()!r}"


# The message per status for errors that no route raised; the code is the status's standard name
# (``http.HTTPStatus``) unless _GENERIC_CODES names another (413 is pinned: Python 3.13 renames it).
_GENERIC_MESSAGES = {
    400: "The request could not be understood",
    401: "The request needs valid credentials",
    403: "The request has been refused",
    404: "The requested resource does not exist",
    405: "HTTP Method '{method}' not allowed. Allowed are {allowed}",
    408: "The request timed out",
    413: "Request body exceeds the maximum size",
    415: "The content type is not supported",
    429: "Too many requests",
    500: "An unexpected error occurred",
    502: "Bad gateway",
    503: "Server is unavailable",
    504: "Gateway timeout",
}
_GENERIC_CODES = {413: "REQUEST_ENTITY_TOO_LARGE", 500: "UNKNOWN_EXCEPTION", 503: "SERVER_UNAVAILABLE"}
GENERIC: dict[int, tuple[str, str]] = {status: (_GENERIC_CODES.get(status) or HTTPStatus(status).name, message)
                                       for status, message in _GENERIC_MESSAGES.items()}


def generic_text(status: int, method: str = "", allowed: Iterable[str] = (),
                 table: dict[int, tuple[str, str]] | None = None) -> tuple[str, str]:
    """The ``(code, message)`` of a status from ``table`` (then :data:`GENERIC`), with the method filled in."""
    code, message = (table or {}).get(status) or GENERIC.get(status, ("UNKNOWN_EXCEPTION", f"HTTP {status}"))
    return code, message.format(method=method, allowed=",".join(allowed))


class ErrorFamily:
    """How one API writes an error no route raised: ``build(status, code, message) -> ApiError``.

    ``codes`` overrides :data:`GENERIC` for that API; ``allow_options``
    says whether ``OPTIONS`` is listed in a 405's ``Allow`` (Salesforce lists
    only the methods it serves).
    """

    def __init__(self, name: str, build: Callable[[int, str, str], ApiError],
                 codes: dict[int, tuple[str, str]] | None = None, allow_options: bool = True) -> None:
        self.name = name
        self.build = build
        self.codes = codes or {}
        self.allow_options = allow_options

    def error(self, status: int, method: str = "", allowed: Iterable[str] = ()) -> ApiError:
        allowed = sorted(m for m in set(allowed) if self.allow_options or m != "OPTIONS")
        code, message = generic_text(status, method, allowed, self.codes)
        error = self.build(status, code, message)
        if status == 405 and allowed:
            error.headers = {**error.headers, "Allow": ",".join(allowed)}
        return error


class PlainError(ApiError):
    """The shape of paths no API claims: ``{"error","message","status"}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status)
        self.code = code
        self.message = message

    def body(self) -> dict:
        return {"error": self.code, "message": self.message, "status": self.status}


DEFAULT_FAMILY = ErrorFamily("other", PlainError)
_FAMILIES: dict[str, ErrorFamily] = {}


def register_family(prefix: str, family: ErrorFamily) -> None:
    """Claim a path prefix (``/services/data``) for an API's error shape."""
    _FAMILIES[prefix.rstrip("/")] = family


def family_for_path(path: str) -> ErrorFamily:
    """The family of the longest registered prefix that ``path`` starts with (a whole segment)."""
    best, best_length = DEFAULT_FAMILY, -1
    for prefix, family in _FAMILIES.items():
        if len(prefix) > best_length and (path == prefix or path.startswith(prefix + "/")):
            best, best_length = family, len(prefix)
    return best


def generic_error(path: str, status: int, method: str = "", allowed: Iterable[str] = ()) -> ApiError:
    """The error of ``status`` in the shape of the API that ``path`` belongs to."""
    return family_for_path(path).error(status, method, allowed)
