"""Salesforce error types: REST error arrays and OAuth error objects."""
from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from ..core.errors import ApiError, ErrorFamily, register_family

# What Salesforce answers for a status no route chose, where it differs from core.errors.GENERIC.
REST_CODES = {
    401: ("INVALID_SESSION_ID", "Session expired or invalid"),
    429: ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
    500: ("UNKNOWN_EXCEPTION",
          "An unexpected error occurred. Please include this ErrorId if you contact support: harness"),
    502: ("SERVER_UNAVAILABLE", "Bad gateway"),
    503: ("SERVER_UNAVAILABLE", "Server is unavailable"),
    504: ("REQUEST_TIMEOUT", "Gateway timeout"),
}
SOAP_ENVELOPE_OPEN = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
                      'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" {ns} '
                      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>')
SOAP_ENVELOPE_CLOSE = "</soapenv:Body></soapenv:Envelope>"


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


class SoapFault(ApiError):
    """A SOAP API fault envelope (SF-SOAP-1): ``sf:`` codes carry a typed detail, ``Client`` faults do not."""

    content_type = "text/xml; charset=utf-8"

    def __init__(self, code: str, message: str, fault_type: str = "LoginFault", status: int = 500) -> None:
        super().__init__(status)
        self.code = code
        self.message = message
        self.fault_type = fault_type

    def body(self) -> str:
        prefix = "sf" if self.code != "Client" else "soapenv"
        detail = (f'<detail><sf:{self.fault_type} xsi:type="sf:{self.fault_type}"><sf:exceptionCode>{self.code}'
                  f'</sf:exceptionCode><sf:exceptionMessage>{escape(self.message)}</sf:exceptionMessage>'
                  f'</sf:{self.fault_type}></detail>' if prefix == "sf" else "")
        text = f"{self.code}: {self.message}" if prefix == "sf" else self.message
        return (SOAP_ENVELOPE_OPEN.format(ns='xmlns:sf="urn:fault.partner.soap.sforce.com"')
                + f"<soapenv:Fault><faultcode>{prefix}:{self.code}</faultcode><faultstring>{escape(text)}"
                + "</faultstring>" + detail + "</soapenv:Fault>" + SOAP_ENVELOPE_CLOSE)

    def payload(self) -> bytes:
        return self.body().encode("utf-8")


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


# Errors no route raised, in each Salesforce API's own shape.
register_family("/services", ErrorFamily(
    "salesforce", lambda status, code, message: SalesforceError(status, code, message), REST_CODES,
    allow_options=False))
register_family("/id", ErrorFamily(
    "salesforce", lambda status, code, message: SalesforceError(status, code, message), REST_CODES,
    allow_options=False))
register_family("/services/oauth2", ErrorFamily(
    "salesforce-oauth", lambda status, code, message: OAuthError(code.lower(), message, status), REST_CODES,
    allow_options=False))
register_family("/services/Soap", ErrorFamily(
    "salesforce-soap", lambda status, code, message: SoapFault(
        "Client" if status < 500 else "UNKNOWN_EXCEPTION", message, "UnexpectedErrorFault", status), REST_CODES,
    allow_options=False))
