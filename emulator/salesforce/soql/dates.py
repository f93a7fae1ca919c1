"""SOQL date literals (TODAY, LAST_N_DAYS:n, ...) as half-open day ranges.

Ranges follow the SOQL reference ("Date Formats and Date Literals"), computed
in UTC from the emulator clock (the real API uses the user's time zone; the
emulated users are all UTC):

* ``LAST_N_DAYS:n`` starts at 00:00 n days ago and *includes today*
  (``LAST_N_DAYS:1`` is yesterday and today); ``NEXT_N_DAYS:n`` starts
  tomorrow and does not include today; ``LAST_90_DAYS``/``NEXT_90_DAYS`` are
  the n = 90 forms.
* ``LAST_N_WEEKS/MONTHS/QUARTERS/YEARS:n`` cover the n whole units before the
  current one; ``NEXT_N_…:n`` the n whole units after it; ``N_…_AGO:n`` the
  single unit n units back.
* Weeks start on Sunday (the en_US locale); the fiscal year is the calendar
  year (the default org setting), so the ``…FISCAL…`` forms equal the plain ones.

Bounds are computed on integers (day ordinals, month numbers) and clamped to
the ``date`` range at the end, so no ``n`` can overflow.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

FIXED = frozenset({
    "YESTERDAY", "TODAY", "TOMORROW", "LAST_WEEK", "THIS_WEEK", "NEXT_WEEK",
    "LAST_MONTH", "THIS_MONTH", "NEXT_MONTH", "LAST_90_DAYS", "NEXT_90_DAYS",
    "THIS_QUARTER", "LAST_QUARTER", "NEXT_QUARTER", "THIS_YEAR", "LAST_YEAR", "NEXT_YEAR",
    "THIS_FISCAL_QUARTER", "LAST_FISCAL_QUARTER", "NEXT_FISCAL_QUARTER",
    "THIS_FISCAL_YEAR", "LAST_FISCAL_YEAR", "NEXT_FISCAL_YEAR",
})
PARAMETERISED = frozenset({
    "LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO", "LAST_N_WEEKS", "NEXT_N_WEEKS", "N_WEEKS_AGO",
    "LAST_N_MONTHS", "NEXT_N_MONTHS", "N_MONTHS_AGO", "LAST_N_QUARTERS", "NEXT_N_QUARTERS",
    "N_QUARTERS_AGO", "LAST_N_YEARS", "NEXT_N_YEARS", "N_YEARS_AGO",
    "LAST_N_FISCAL_QUARTERS", "NEXT_N_FISCAL_QUARTERS", "N_FISCAL_QUARTERS_AGO",
    "LAST_N_FISCAL_YEARS", "NEXT_N_FISCAL_YEARS", "N_FISCAL_YEARS_AGO",
})
_MAX_ORD = date.max.toordinal()


@dataclass(frozen=True)
class DateRange:
    """``low <= value < high``; both ``date`` or both aware ``datetime``."""

    name: str
    low: date | datetime
    high: date | datetime

    def as_datetimes(self) -> "DateRange":
        return DateRange(self.name, _midnight(self.low), _midnight(self.high))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.utc)


def _month_ord(month_index: int) -> int:
    """Day ordinal of the first day of month ``month_index`` (= year * 12 + month - 1)."""
    year, month0 = divmod(month_index, 12)
    if year < 1:
        return 0
    if year > 9999:
        return _MAX_ORD + 1
    return date(year, month0 + 1, 1).toordinal()


def _span(name: str, n: int, today: date) -> tuple[int, int]:
    """Day ordinals [start, end) of a literal, unclamped."""
    t = today.toordinal()
    week = t - (today.weekday() + 1) % 7
    month = today.year * 12 + today.month - 1
    quarter = month - month % 3
    year = today.year * 12
    name = name.replace("_FISCAL", "")
    fixed = {
        "YESTERDAY": (t - 1, t), "TODAY": (t, t + 1), "TOMORROW": (t + 1, t + 2),
        "LAST_WEEK": (week - 7, week), "THIS_WEEK": (week, week + 7), "NEXT_WEEK": (week + 7, week + 14),
        "LAST_90_DAYS": (t - 90, t + 1), "NEXT_90_DAYS": (t + 1, t + 91),
    }
    if name in fixed:
        return fixed[name]
    months = {
        "LAST_MONTH": (month - 1, month), "THIS_MONTH": (month, month + 1), "NEXT_MONTH": (month + 1, month + 2),
        "LAST_QUARTER": (quarter - 3, quarter), "THIS_QUARTER": (quarter, quarter + 3),
        "NEXT_QUARTER": (quarter + 3, quarter + 6),
        "LAST_YEAR": (year - 12, year), "THIS_YEAR": (year, year + 12), "NEXT_YEAR": (year + 12, year + 24),
    }
    if name in months:
        low, high = months[name]
        return _month_ord(low), _month_ord(high)
    if name.endswith("_DAYS") or name == "N_DAYS_AGO":
        return {"LAST_N_DAYS": (t - n, t + 1), "NEXT_N_DAYS": (t + 1, t + 1 + n),
                "N_DAYS_AGO": (t - n, t - n + 1)}[name]
    if "WEEK" in name:
        return {"LAST_N_WEEKS": (week - 7 * n, week), "NEXT_N_WEEKS": (week + 7, week + 7 + 7 * n),
                "N_WEEKS_AGO": (week - 7 * n, week - 7 * n + 7)}[name]
    unit, base = {"MONTH": (1, month), "QUARTER": (3, quarter), "YEAR": (12, year)}[
        next(u for u in ("MONTH", "QUARTER", "YEAR") if u in name)]
    if name.startswith("LAST_N_"):
        low, high = base - unit * n, base
    elif name.startswith("NEXT_N_"):
        low, high = base + unit, base + unit + unit * n
    else:  # N_…_AGO
        low, high = base - unit * n, base - unit * n + unit
    return _month_ord(low), _month_ord(high)


def date_range(name: str, n: int | None, today: date) -> DateRange:
    """The day range of literal ``name`` (upper case) with parameter ``n``."""
    start, end = _span(name, n or 0, today)
    start = min(max(start, 1), _MAX_ORD)
    end = min(max(end, 1), _MAX_ORD)
    return DateRange(name if n is None else f"{name}:{n}", date.fromordinal(start), date.fromordinal(end))
