"""Bounded retry with exponential backoff for transient Salesforce answers (CON-SF-1)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Callable

import requests

from .errors import RequestLimitExceeded, ServerError, error_from_response


def is_retryable(resp: requests.Response) -> bool:
    """True for 429, 5xx and 403 REQUEST_LIMIT_EXCEEDED."""
    if resp.status_code < 500 and resp.status_code not in (403, 429):
        return False
    return isinstance(error_from_response(resp), (RequestLimitExceeded, ServerError))


def _retry_after_seconds(value: str | None) -> float | None:
    """Parse a `Retry-After` header: delta seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """At most `max_attempts` calls; waits `base_delay * 2**n`, capped at `max_delay`.

    A `Retry-After` header replaces the computed wait (still capped). `sleep` is
    injectable so tests can record the waits instead of sleeping.
    """

    max_attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def delay(self, retry_number: int, retry_after: str | None = None) -> float:
        """Seconds to wait before retry number `retry_number` (1-based)."""
        wanted = _retry_after_seconds(retry_after)
        if wanted is None:
            wanted = self.base_delay * 2 ** (retry_number - 1)
        return min(wanted, self.max_delay)

    def run(self, send: Callable[[], requests.Response]) -> requests.Response:
        """Call `send` until its answer is not retryable or attempts run out; return the last answer."""
        for retry_number in range(1, self.max_attempts):
            resp = send()
            if not is_retryable(resp):
                return resp
            self.sleep(self.delay(retry_number, resp.headers.get("Retry-After")))
        return send()
