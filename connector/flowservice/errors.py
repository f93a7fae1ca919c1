"""Typed AEP errors carrying the platform's code (CON-SRC-1).

``code`` is what the answer names: ``FLOW-1439-404``, ``XDM-1012-404``,
``CAT-1404-404``, ``CONV-1007-400`` from a problem document's ``type``, the
gateway's ``error_code`` (``403010``), or the IMS ``error`` (``invalid_client``).
"""
from __future__ import annotations

import re
from typing import Any

import requests

_PROBLEM_CODE = re.compile(r"/errors/([A-Z]+-\d+-\d+)$")


class AepError(Exception):
    """An error answer from IMS, the gateway or a platform service."""

    def __init__(self, status: int, code: str | None, message: str, body: Any = None) -> None:
        super().__init__(f"{status} {code or 'ERROR'}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.body = body


class AuthenticationError(AepError):
    """IMS refused the credentials (``{"error","error_description"}``)."""


class GatewayError(AepError):
    """The Adobe I/O gateway refused the call (``{"error_code","message"}``): token, API key, org."""


class NotFound(AepError):
    """404: an id this org and sandbox do not have."""


class ValidationError(AepError):
    """400/412: the request was understood and refused (bad body, path, reference, etag)."""


def error_from_response(response: requests.Response) -> AepError:
    """The typed error for a non-2xx answer."""
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    status = response.status_code
    if isinstance(body, dict) and "error_description" in body:
        return AuthenticationError(status, body.get("error"), str(body.get("error_description")), body)
    if isinstance(body, dict) and "error_code" in body:
        return GatewayError(status, str(body["error_code"]), str(body.get("message", "")), body)
    code, message = None, response.reason or ""
    if isinstance(body, dict):
        match = _PROBLEM_CODE.search(str(body.get("type", "")))
        code = match.group(1) if match else None
        report = body.get("report") if isinstance(body.get("report"), dict) else {}
        message = str(body.get("detail") or report.get("detailed-message") or body.get("title") or message)
    kind = NotFound if status == 404 else ValidationError if status in (400, 409, 412, 422) else AepError
    return kind(status, code, message, body)
