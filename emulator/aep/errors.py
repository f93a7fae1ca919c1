"""AEP error bodies: gateway errors, IMS OAuth errors and Flow Service problem documents (AEP-AUTH-1, AEP-ERR-1)."""
from __future__ import annotations

import uuid
from typing import Any

from ..core.errors import ApiError

PROBLEM_TYPE = "https://ns.adobe.com/aep/errors/FLOW-{code}-{status}"


class GatewayError(ApiError):
    """What the Adobe I/O gateway answers before any service sees the call."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(status)
        self.error_code = error_code
        self.message = message

    def body(self) -> Any:
        return {"error_code": self.error_code, "message": self.message}


class ContentTypeError(ApiError):
    """A body sent without ``Content-Type: application/json``."""

    status = 400

    def body(self) -> Any:
        return {"type": "/placeholder/type/uri", "status": 400, "title": "BadRequestError",
                "detail": "A valid content-type must be specified"}


class ImsError(ApiError):
    """IMS token endpoint errors: the OAuth 2.0 ``error`` / ``error_description`` pair."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(status)
        self.error = error
        self.description = description

    def body(self) -> Any:
        return {"error": self.error, "error_description": self.description}


class FlowServiceError(ApiError):
    """A Flow Service problem document; ``code`` is the FLOW-NNNN part of its type."""

    def __init__(self, status: int, code: str, title: str, message: str,
                 report: dict[str, Any] | None = None) -> None:
        super().__init__(status)
        self.code = code
        self.title = title
        self.message = message
        self.report = report or {}

    def body(self) -> Any:
        return {"type": PROBLEM_TYPE.format(code=self.code, status=self.status), "title": self.title,
                "status": self.status,
                "report": {"detailed-message": self.message, **self.report, "request-id": uuid.uuid4().hex},
                "errorMessage": self.message, "errorDetails": self.message}


def not_found(kind: str, resource_id: str) -> FlowServiceError:
    """An id of a known collection that this org and sandbox do not have (AEP-ISO-1)."""
    return FlowServiceError(404, "1439", "Resource not found",
                            f"The requested {kind} resource {resource_id} is not found. Verify the resource ID "
                            "before trying again.", {"id": resource_id, "type": kind})


def bad_request(code: str, message: str, title: str = "Bad request") -> FlowServiceError:
    return FlowServiceError(400, code, title, message)
