"""The one clock every emulated rule reads.

In-process, ``freezegun.freeze_time`` works because the clock reads
``datetime.now`` at call time. In server mode ``/__emulator/clock`` moves it:
an offset from the real time, or a frozen instant.

A request reads the clock once: the front dispatcher pins that reading
(:meth:`Clock.pinned`) for the request's duration, so every rule of the call —
and any call the request makes to the emulator in-process — sees one instant.
"""
from __future__ import annotations

import contextlib
import re
import threading
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone
from typing import Iterator

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
        self._pinned: ContextVar[datetime | None] = ContextVar(f"crm_harness_now_{id(self)}", default=None)

    @staticmethod
    def _real_now() -> datetime:
        return datetime.now(timezone.utc)

    def now(self) -> datetime:
        """The current request's instant when one is pinned, else a fresh reading."""
        pinned = self._pinned.get()
        if pinned is not None:
            return pinned
        return self.read()

    def read(self) -> datetime:
        """A fresh reading, ignoring any pinned instant."""
        frozen = self._frozen_at
        if frozen is not None:
            return frozen
        return self._real_now() + self._offset

    def _moved(self) -> datetime:
        """After the clock moves inside a request, that request goes on at the new time."""
        now = self.read()
        if self._pinned.get() is not None:
            self._pinned.set(now)
        return now

    def pin(self, instant: datetime) -> object:
        """Pin ``instant`` for this context; give the returned token to :meth:`unpin` (the front's fast form)."""
        return self._pinned.set(instant)

    def unpin(self, token: object) -> None:
        self._pinned.reset(token)  # type: ignore[arg-type]

    @contextlib.contextmanager
    def pinned(self, instant: datetime) -> Iterator[datetime]:
        """Make :meth:`now` answer ``instant`` in this thread (and its context) until the block ends."""
        token = self._pinned.set(instant)
        try:
            yield instant
        finally:
            self._pinned.reset(token)

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += delta
            else:
                self._offset += delta
            return self._moved()

    def set(self, instant: datetime) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = instant
            else:
                self._offset = instant - self._real_now()
            return self._moved()

    def freeze(self, frozen: bool = True) -> datetime:
        with self._lock:
            if frozen and self._frozen_at is None:
                self._frozen_at = self.read()
            elif not frozen and self._frozen_at is not None:
                self._offset = self._frozen_at - self._real_now()
                self._frozen_at = None
            return self._moved()

    def reset(self) -> None:
        with self._lock:
            self._offset = timedelta(0)
            self._frozen_at = None
            self._moved()

    def dump(self) -> dict:
        """The offset from real time and the frozen instant: a restart keeps the emulated time."""
        with self._lock:
            return {"offset": self._offset, "frozen_at": self._frozen_at}

    def load(self, saved: dict) -> None:
        with self._lock:
            self._offset = saved["offset"]
            self._frozen_at = saved["frozen_at"]

    def state(self) -> dict:
        return {"now": iso(self.read()), "frozen": self.frozen,
                "offsetSeconds": self._offset.total_seconds()}


def iso(moment: datetime) -> str:
    """ISO-8601 with milliseconds and ``Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
