"""The one clock every emulated rule reads.

In-process, ``freezegun.freeze_time`` works because the clock reads
``datetime.now`` at call time. In server mode ``/__emulator/clock`` moves it:
an offset from the real time, or a frozen instant.
"""
from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone

_DURATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}


def parse_duration(value: str | int | float) -> timedelta:
    """Parse ``31d``, ``2h``, ``90m``, ``15s``, ``500ms`` or a number of seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(seconds=value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"invalid duration {value!r}: use a number with s, m, h, d or w")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def parse_instant(value: str) -> datetime:
    """Parse an ISO-8601 instant; a naive one is taken as UTC."""
    text = value.strip().replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):  # Salesforce style +0000
        text = text[:-2] + ":" + text[-2:]
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


class Clock:
    """UTC clock with an offset and an optional frozen instant."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen_at: datetime | None = None

    @staticmethod
    def _real_now() -> datetime:
        return datetime.now(timezone.utc)

    def now(self) -> datetime:
        frozen = self._frozen_at
        if frozen is not None:
            return frozen
        return self._real_now() + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += delta
            else:
                self._offset += delta
            return self.now()

    def set(self, instant: datetime) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = instant
            else:
                self._offset = instant - self._real_now()
            return self.now()

    def freeze(self, frozen: bool = True) -> datetime:
        with self._lock:
            if frozen and self._frozen_at is None:
                self._frozen_at = self.now()
            elif not frozen and self._frozen_at is not None:
                self._offset = self._frozen_at - self._real_now()
                self._frozen_at = None
            return self.now()

    def reset(self) -> None:
        with self._lock:
            self._offset = timedelta(0)
            self._frozen_at = None

    def state(self) -> dict:
        return {"now": iso(self.now()), "frozen": self.frozen,
                "offsetSeconds": self._offset.total_seconds()}


def iso(moment: datetime) -> str:
    """ISO-8601 with milliseconds and ``Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
