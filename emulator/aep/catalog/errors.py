"""Catalog problem documents: ``https://ns.adobe.com/aep/errors/CAT-NNNN-SSS`` (AEP-CAT-1).

The codes are the emulator's choice (the Catalog reference gives none); the
shape follows the platform's problem documents: type, title, status, detail, report.
"""
from __future__ import annotations

import uuid
from typing import Any

from ...core.errors import ApiError


class CatalogError(ApiError):
    def __init__(self, status: int, code: str, title: str, message: str) -> None:
        super().__init__(status)
        self.code, self.title, self.message = code, title, message

    def body(self) -> Any:
        return {"type": f"https://ns.adobe.com/aep/errors/CAT-{self.code}-{self.status}", "title": self.title,
                "status": self.status, "detail": self.message,
                "report": {"detailed-message": self.message, "request-id": uuid.uuid4().hex}}


def bad_request(message: str, code: str = "1400") -> CatalogError:
    return CatalogError(400, code, "Bad Request", message)


def not_found(kind: str, resource_id: str) -> CatalogError:
    return CatalogError(404, "1404", "Not Found", f"The requested {kind} {resource_id} was not found.")
