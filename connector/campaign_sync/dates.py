"""Dates typed by a user (CLI, scenario): `yyyy/MM/dd[ HH:mm:ss]` as Campaign writes them, or ISO 8601."""
from __future__ import annotations

from datetime import datetime, timezone

from .errors import ConfigurationError

FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")


def parse_user_date(text: str | datetime, what: str) -> tuple[datetime, bool]:
    """(aware UTC instant, True when only a date was given); `ConfigurationError` when unreadable."""
    if isinstance(text, datetime):
        moment = text
        return (moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None
                else moment.astimezone(timezone.utc)), False
    value = str(text).strip()
    for form in FORMATS:
        try:
            return datetime.strptime(value, form).replace(tzinfo=timezone.utc), form == "%Y/%m/%d"
        except ValueError:
            continue
    try:
        iso = value[:-1] + "+00:00" if value.endswith("Z") else value
        moment = datetime.fromisoformat(iso)
    except ValueError:
        raise ConfigurationError(f"{what} {text!r} is not a date (yyyy/MM/dd, yyyy/MM/dd HH:mm:ss or ISO 8601)") \
            from None
    date_only = len(value) == 10
    return (moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)), \
        date_only
