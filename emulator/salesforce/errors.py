"""Salesforce error types: REST error arrays and OAuth error objects."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..core.errors import ApiError


@dataclass
class ErrorDetail:
    """One entry of a Salesforce error array."""

    error_code: str
    message: str
    fields: list[str] | None = None

    def rest(self) -> dict:
        body = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            body["fields"] = self.fields
        return body

    def record_result(self) -> dict:
        """The per-record shape of collections results (``statusCode``, not ``errorCode``)."""
        return {"statusCode": self.error_code, "message": self.message, "fields": self.fields or []}


class SalesforceError(ApiError):
    """A REST error rendered as ``[{"message","errorCode","fields"}]``."""

    def __init__(self, status: int, error_code: str, message: str, fields: list[str] | None = None,
                 headers: dict[str, str] | None = None, details: list[ErrorDetail] | None = None) -> None:
        super().__init__(status, headers)
        self.details = details or [ErrorDetail(error_code, message, fields)]

    @property
    def error_code(self) -> str:
        return self.details[0].error_code

    @property
    def message(self) -> str:
        return self.details[0].message

    def body(self) -> list[dict]:
        return [d.rest() for d in self.details]


class OAuthError(ApiError):
    """An OAuth endpoint error rendered as ``{"error","error_description"}``."""

    def __init__(self, error: str, description: str | None = None, status: int = 400) -> None:
        super().__init__(status)
        self.error = error
        self.description = description

    def body(self) -> dict:
        body = {"error": self.error}
        if self.description is not None:
            body["error_description"] = self.description
        return body


def not_found() -> SalesforceError:
    return SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")


def invalid_session() -> SalesforceError:
    return SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")


def malformed_query(message: str) -> SalesforceError:
    return SalesforceError(400, "MALFORMED_QUERY", message)


@dataclass
class ValidationFailure(Exception):
    """Raised by record validation; carries every error for one record."""

    details: list[ErrorDetail] = field(default_factory=list)

    def as_rest_error(self, status: int = 400) -> SalesforceError:
        first = self.details[0]
        return SalesforceError(status, first.error_code, first.message, first.fields, details=self.details)
