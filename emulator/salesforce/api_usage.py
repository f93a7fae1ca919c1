"""Daily API request counters on the emulator clock (SPEC SF-REST-11)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(hours=24)


@dataclass
class UsageCounter:
    """Requests used in the current 24-hour window; the window rolls on the clock."""

    used: int = 0
    window_start: datetime | None = None

    def _roll(self, now: datetime) -> None:
        if self.window_start is None or now >= self.window_start + WINDOW:
            self.window_start = now
            self.used = 0

    def try_consume(self, now: datetime, maximum: int) -> bool:
        """Count one request; False (nothing counted) when the cap is reached."""
        self._roll(now)
        if self.used >= maximum:
            return False
        self.used += 1
        return True

    def current(self, now: datetime) -> int:
        self._roll(now)
        return self.used

    def exhaust(self, now: datetime, maximum: int) -> None:
        self._roll(now)
        self.used = maximum
