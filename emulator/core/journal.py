"""Request journal: what was called, how it ended, how long it took.

Only method, path, redacted query string, status, duration and org are
recorded; bodies and headers never are, so secrets cannot leak into it.
"""
from __future__ import annotations

import collections
import re
import threading
from dataclasses import asdict, dataclass
from datetime import datetime

from .clock import iso

SECRET_PARAMS = re.compile(
    r"(?i)\b(token|access_token|refresh_token|password|client_secret|code|security_token|"
    r"sessionid|assertion|api_key)=([^&]*)")


def redact_query(query: str) -> str:
    """Replace the value of every secret-bearing query parameter with ``***``."""
    return SECRET_PARAMS.sub(lambda m: f"{m.group(1)}=***", query)


@dataclass(slots=True)
class JournalEntry:
    at: datetime
    method: str
    path: str
    query: str
    status: int
    duration_ms: float
    api: str
    org: str | None = None


class Journal:
    """Bounded, thread-safe ring of recent requests."""

    def __init__(self, size: int = 2000) -> None:
        self._entries: collections.deque[JournalEntry] = collections.deque(maxlen=size)
        self._lock = threading.Lock()

    def record(self, entry: JournalEntry) -> None:
        if entry.query:
            entry.query = redact_query(entry.query)
        with self._lock:
            self._entries.append(entry)

    def recent(self) -> list[JournalEntry]:
        """The entries themselves, oldest first (read-only): for readers that filter before formatting."""
        with self._lock:
            return list(self._entries)

    def entries(self, limit: int | None = None) -> list[dict]:
        with self._lock:
            items = list(self._entries)
        if limit is not None:
            items = items[-limit:] if limit > 0 else []
        return [{**asdict(e), "at": iso(e.at)} for e in items]

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()
