"""Reading JSON request bodies the way the Salesforce REST API does."""
from __future__ import annotations

from typing import Any

from ...core.http import loads_json, media_type
from ..errors import SalesforceError

JSON_TYPES = {"application/json", ""}


def parse_json(content_type: str | None, raw: bytes) -> Any:
    """The parsed body; 415 for a non-JSON media type, 400 JSON_PARSER_ERROR for bad JSON.

    A missing Content-Type is read as JSON (curl and some clients omit it).
    """
    kind = media_type(content_type)
    if kind not in JSON_TYPES and not kind.endswith("+json"):
        raise SalesforceError(415, "UNSUPPORTED_MEDIA_TYPE",
                              f"MediaType of '{kind}' is not supported by this resource")
    if not raw.strip():
        raise SalesforceError(400, "JSON_PARSER_ERROR", "The request body is either invalid or incomplete.")
    try:
        return loads_json(raw)
    except RecursionError:  # nesting deeper than the parser's stack: not a 500
        raise SalesforceError(400, "JSON_PARSER_ERROR", "The request body is nested too deeply.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        line, column = getattr(exc, "lineno", 1), getattr(exc, "colno", 1)
        raise SalesforceError(400, "JSON_PARSER_ERROR",
                              f"Unexpected character: {getattr(exc, 'msg', 'invalid JSON')} at [line:{line}, "
                              f"column:{column}]") from None


def read_json() -> Any:
    """The Flask request's body, parsed by :func:`parse_json`."""
    from flask import request
    return parse_json(request.headers.get("Content-Type"), request.get_data(cache=True))
