"""AEP error bodies: gateway errors, IMS OAuth errors and Flow Service problem documents (AEP-AUTH-1, AEP-ERR-1)."""
from __future__ import annotations

import uuid
from typing import Any

from ..core.errors import ApiError, ErrorFamily, PlainError, register_family

PROBLEM_TYPE = "https://ns.adobe.com/aep/errors/FLOW-{code}-{status}"


class GatewayError(PlainError):
    """What the Adobe I/O gateway answers before any service sees the call: ``{error_code, message}``."""

    @property
    def error_code(self) -> str:
        return self.code

    def body(self) -> Any:
        return {"error_code": self.code, "message": self.message}


class ContentTypeError(ApiError):
    """A body sent without ``Content-Type: application/json``."""

    status = 400

    def body(self) -> Any:
        return {"type": "/placeholder/type/uri", "status": 400, "title": "BadRequestError",
                "detail": "A valid content-type must be specified"}


class ImsError(PlainError):
    """IMS token endpoint errors: the OAuth 2.0 ``error`` / ``error_description`` pair."""

    def body(self) -> Any:
        return {"error": self.code, "error_description": self.message}


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


class ServiceProblem(ApiError):
    """A platform service's problem document (``https://ns.adobe.com/aep/errors/<SERVICE>-NNNN-SSS``)."""

    def __init__(self, status: int, service: str, code: str, title: str, message: str) -> None:
        super().__init__(status)
        self.service, self.code, self.title, self.message = service, code, title, message

    def body(self) -> Any:
        return {"type": f"https://ns.adobe.com/aep/errors/{self.service}-{self.code}-{self.status}",
                "title": self.title, "status": self.status, "detail": self.message,
                "report": {"detailed-message": self.message, "request-id": uuid.uuid4().hex}}


def _service_family(name: str, service: str) -> ErrorFamily:
    return ErrorFamily(name, lambda status, code, message: ServiceProblem(
        status, service, "1101" if status == 404 else "1500", code.replace("_", " ").capitalize(), message))


# Errors no route raised, in each AEP API's own shape: IMS's OAuth pair, the gateway's
# {error_code, message}, and each platform service's problem document.
register_family("/ims", ErrorFamily("ims", lambda status, code, message: ImsError(status, code.lower(), message)))
register_family("/data/foundation", ErrorFamily(
    "aep-gateway", lambda status, code, message: GatewayError(status, f"{status}050", message)))
register_family("/data/foundation/flowservice", ErrorFamily(
    "flow-service", lambda status, code, message: FlowServiceError(
        status, "1101" if status == 404 else "1500", code.replace("_", " ").capitalize(), message)))
register_family("/data/foundation/schemaregistry", _service_family("schema-registry", "XDM"))
register_family("/data/foundation/catalog", _service_family("catalog", "CAT"))
register_family("/data/foundation/conversion", _service_family("conversion", "CONV"))
