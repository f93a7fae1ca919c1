"""Typed Salesforce errors built from REST and OAuth error responses (CON-SF-1)."""
from __future__ import annotations

from typing import Any

import requests


class SalesforceError(Exception):
    """An error answer from Salesforce.

    `error_code` is the REST `errorCode` or the OAuth `error`; `fields` lists the
    fields a REST error names; `body` is the parsed body (or the raw text).
    """

    def __init__(
        self,
        status: int,
        error_code: str | None,
        message: str,
        fields: list[str] | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(f"{status} {error_code or 'ERROR'}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = list(fields or [])
        self.body = body


class AuthenticationError(SalesforceError):
    """An OAuth endpoint refused the request (`{"error","error_description"}`)."""

    @property
    def error(self) -> str | None:
        return self.error_code

    @property
    def error_description(self) -> str:
        return self.message


class SessionExpiredError(SalesforceError):
    """401 INVALID_SESSION_ID: the access token is missing, expired or revoked."""


class RequestLimitExceeded(SalesforceError):
    """403 REQUEST_LIMIT_EXCEEDED: the org's API request limit is used up."""


class NotFound(SalesforceError):
    """404: unknown resource, object or record."""


class MalformedRequest(SalesforceError):
    """400 (other than OAuth errors): validation, SOQL or request-shape errors."""


class ServerError(SalesforceError):
    """5xx or 429: a transient server-side failure."""


def _parse_body(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return resp.text


def error_from_response(resp: requests.Response) -> SalesforceError:
    """Build the typed error for a failed response (REST array, OAuth object or plain text)."""
    status = resp.status_code
    body = _parse_body(resp)
    first = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else body
    if isinstance(first, dict) and "error" in first and "errorCode" not in first:
        code, message, fields = first["error"], first.get("error_description", ""), []
        if status in (400, 401):
            return AuthenticationError(status, code, message, fields, body)
    elif isinstance(first, dict):
        code, message, fields = first.get("errorCode"), first.get("message", ""), first.get("fields")
    else:
        code, message, fields = None, (body if isinstance(body, str) and body else resp.reason or ""), []
    return _error_class(status, code)(status, code, message, fields, body)


def _error_class(status: int, code: str | None) -> type[SalesforceError]:
    if status == 401:
        return SessionExpiredError
    if status == 403 and code == "REQUEST_LIMIT_EXCEEDED":
        return RequestLimitExceeded
    if status == 404:
        return NotFound
    if status == 400:
        return MalformedRequest
    if status == 429 or status >= 500:
        return ServerError
    return SalesforceError
