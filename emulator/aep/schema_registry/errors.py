"""Schema Registry problem documents: ``http://ns.adobe.com/aep/errors/XDM-NNNN-SSS`` (AEP-SR-1)."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ...core.errors import ApiError


class SchemaRegistryError(ApiError):
    """The registry's error shape: type, title, status, report{registryRequestId, timestamp,
    detailed-message, sub-errors} and detail."""

    def __init__(self, status: int, code: str, title: str, message: str, now: datetime | None = None) -> None:
        super().__init__(status)
        self.code, self.title, self.message = code, title, message
        self.timestamp = (now or datetime.now()).strftime("%m-%d-%Y %H:%M:%S")

    def body(self) -> Any:
        return {"type": f"http://ns.adobe.com/aep/errors/XDM-{self.code}-{self.status}", "title": self.title,
                "status": self.status,
                "report": {"registryRequestId": str(uuid.uuid4()), "timestamp": self.timestamp,
                           "detailed-message": self.message, "sub-errors": []},
                "detail": self.message}
