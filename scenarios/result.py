"""What one step produced, in a shape every expectation reads the same way."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

from .jsonpath import MISSING

SOAP_CODE = re.compile(r"<sf:exceptionCode>([^<]+)</sf:exceptionCode>|<faultcode>(?:\w+:)?([^<]+)</faultcode>")


@dataclass
class Result:
    """An HTTP answer, a connector return value or a connector error.

    ``json`` is :data:`MISSING` when the body is not JSON; ``status`` is None for a
    connector call that returned normally.
    """

    kind: str
    status: int | None = None
    headers: CaseInsensitiveDict = field(default_factory=CaseInsensitiveDict)
    json: Any = MISSING
    text: str = ""
    elapsed_ms: float = 0.0
    error_code: str | None = None
    summary: str = ""

    @property
    def failed(self) -> bool:
        return self.status is not None and self.status >= 400

    def brief(self) -> str:
        shown = self.text if len(self.text) <= 400 else self.text[:400] + "..."
        status = f"{self.status} " if self.status is not None else ""
        return f"{status}{shown}".strip()


def error_code_of(body: Any, text: str = "") -> str | None:
    """The API error code in a body: REST ``[0].errorCode``, OAuth ``error``, AEP ``error_code``, SOAP faults."""
    first = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else body
    if isinstance(first, dict):
        for key in ("errorCode", "error_code", "error", "statusCode"):
            value = first.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                return str(value)
        return None
    match = SOAP_CODE.search(text) if text else None
    if match:
        return match.group(1) or match.group(2)
    return None


def from_response(response: requests.Response, elapsed_ms: float, summary: str) -> Result:
    """A :class:`Result` for an HTTP answer."""
    text = response.text
    try:
        body = response.json() if text.strip() else MISSING
    except ValueError:
        body = MISSING
    code = error_code_of(body, text) if response.status_code >= 300 else None
    return Result("http", response.status_code, CaseInsensitiveDict(response.headers), body, text,
                  round(elapsed_ms, 1), code, summary)


def from_value(value: Any, elapsed_ms: float, summary: str) -> Result:
    """A :class:`Result` for a connector call that returned ``value`` (made JSON-like)."""
    plain = to_plain(value)
    return Result("connector", None, CaseInsensitiveDict(), plain, json.dumps(plain, default=str),
                  round(elapsed_ms, 1), None, summary)


def from_error(error: Any, elapsed_ms: float, summary: str) -> Result:
    """A :class:`Result` for a connector call that raised a Salesforce error."""
    body = {"type": type(error).__name__, "status": error.status, "error_code": error.error_code,
            "message": error.message, "fields": list(error.fields or [])}
    return Result("connector", error.status, CaseInsensitiveDict(), body, json.dumps(body),
                  round(elapsed_ms, 1), error.error_code, summary)


def to_plain(value: Any) -> Any:
    """Connector values as JSON-like data: token responses, responses, iterators, dataclasses."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_plain(v) for v in value]
    if isinstance(value, requests.Response):
        try:
            return {"status": value.status_code, "json": value.json()}
        except ValueError:
            return {"status": value.status_code, "text": value.text}
    raw = getattr(value, "raw", None)
    if isinstance(raw, dict):
        return to_plain(raw)
    if hasattr(value, "__iter__"):
        return [to_plain(v) for v in value]
    return str(value)
