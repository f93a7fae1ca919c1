"""Conversion Service problem documents: ``https://ns.adobe.com/aep/errors/CONV-NNNN-SSS`` (AEP-CONV-1).

The codes are the emulator's choice (the reference gives none); a bad path is
named in ``detail`` and in ``report.path``.
"""
from __future__ import annotations

import uuid
from typing import Any

from ...core.errors import ApiError


class ConversionError(ApiError):
    def __init__(self, status: int, code: str, title: str, message: str, path: str | None = None) -> None:
        super().__init__(status)
        self.code, self.title, self.message, self.path = code, title, message, path

    def body(self) -> Any:
        report: dict[str, Any] = {"detailed-message": self.message, "request-id": uuid.uuid4().hex}
        if self.path is not None:
            report["path"] = self.path
        return {"type": f"https://ns.adobe.com/aep/errors/CONV-{self.code}-{self.status}", "title": self.title,
                "status": self.status, "detail": self.message, "report": report}


def bad_request(message: str, code: str = "1001", path: str | None = None) -> ConversionError:
    return ConversionError(400, code, "Bad Request", message, path)


def not_found(mapping_id: str) -> ConversionError:
    return ConversionError(404, "1404", "Not Found", f"The mapping set {mapping_id} is not found.")
