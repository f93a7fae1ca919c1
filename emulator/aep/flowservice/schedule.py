"""Schedule slots of a flow (AEP-FS-6): when each run is due, from the flow's coerced ``scheduleParams``."""
from __future__ import annotations

from dataclasses import dataclass

PERIOD_SECONDS = {"minute": 60, "hour": 3600, "day": 86400, "week": 604800}


@dataclass
class Schedule:
    """A flow's slots: ``start + k * step`` (``step`` 0 for ``once``), and where the flow stands.

    ``next_due`` is the next slot to fire (epoch seconds, None when nothing is left);
    ``high_water`` the window end of the last successful run (its rows are ingested);
    ``generation`` changes whenever ``next_due`` is recomputed, so stale queue entries are skipped.
    """

    start: int
    step: int
    backfill: bool
    next_due: int | None = None
    high_water: int | None = None
    generation: int = 0
    fired: bool = False
    last_fired: int | None = None  # the last slot that ran: a new schedule never fires it (or one before) again

    @classmethod
    def from_params(cls, params: dict) -> "Schedule":
        frequency = params["frequency"]
        step = 0 if frequency == "once" else PERIOD_SECONDS[frequency] * int(params["interval"])
        return cls(int(params["startTime"]), step, bool(params.get("backfill", True)))

    @property
    def once(self) -> bool:
        return self.step == 0

    def first_slot_from(self, moment: int) -> int | None:
        """The first slot at or after ``moment`` (a ``once`` flow's single slot is never before it)."""
        if self.start >= moment:
            return self.start
        if self.once:
            return moment
        steps = -(-(moment - self.start) // self.step)
        return self.start + steps * self.step

    def after(self, slot: int) -> int | None:
        return None if self.once else slot + self.step

    def window_start(self) -> int | None:
        """Lower bound of the next run's window: the last high-water mark, or the start without backfill."""
        if self.high_water is not None:
            return self.high_water
        return None if self.backfill else self.start
