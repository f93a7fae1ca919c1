"""Base of every emulated API error.

Each API subclasses :class:`ApiError` once and renders the real wire shape;
one Flask error handler turns any of them into a response, so no route builds
an error body by hand.
"""
from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error that renders as the real API's response."""

    status: int = 400

    def __init__(self, status: int | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__()
        if status is not None:
            self.status = status
        self.headers = headers or {}

    def body(self) -> Any:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def __str__(self) -> str:
        return f"{self.status} {self.body()!r}"
