"""Data format conversions applied per field on import and export (seed 003 "Format des données").

- ``default``: automatic conversion with time-zone handling: dateTimes are shown in the
  activity's time zone with their offset on import, and read in that zone (when they carry
  no offset) and sent in UTC on export; other values are copied.
- ``date_only``: the time is removed from dateTime values (the date in the activity's zone).
- ``without_offset``: time-zone handling is cancelled: the UTC wall time without offset
  (``2030-03-01 09:00:00``) on import; on export a value without offset is taken as UTC.
- ``copy_paste``: the raw data as a string, no conversion.
"""
from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigurationError

CONVERSIONS = ("default", "date_only", "without_offset", "copy_paste")
DATETIME_TYPES = {"datetime"}
DATE_TYPES = {"date"}
BOOLEAN_TYPES = {"boolean"}


class ConversionError(ValueError):
    """A value that the chosen conversion cannot read; becomes a reject."""


def zone(name: str | None) -> tzinfo:
    """The time zone called `name` (UTC when None); `ConfigurationError` when unknown."""
    if not name or name.upper() == "UTC":
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(f"unknown time zone {name!r} (use an IANA name such as Europe/Paris)") from None


def check(conversion: str) -> str:
    """`conversion` when it is one of :data:`CONVERSIONS`, else `ConfigurationError`."""
    if conversion not in CONVERSIONS:
        raise ConfigurationError(f"unknown conversion {conversion!r} (one of {', '.join(CONVERSIONS)})")
    return conversion


def parse_instant(text: str, assume: tzinfo = timezone.utc) -> datetime:
    """An aware datetime from Salesforce (`…+0000`) or ISO text; naive text is read in `assume`."""
    value = text.strip().replace(" ", "T", 1)
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    elif len(value) > 5 and value[-5] in "+-" and value[-3] != ":" and "T" in value:
        value = value[:-2] + ":" + value[-2:]
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ConversionError(f"{text!r} is not a date and time") from None
    return moment.replace(tzinfo=assume) if moment.tzinfo is None else moment


def import_value(value: Any, field_type: str, conversion: str, tz: tzinfo) -> Any:
    """A remote value as stored locally."""
    if value is None:
        return None
    if conversion == "copy_paste":
        return value if isinstance(value, str) else _raw(value)
    if field_type in DATETIME_TYPES and isinstance(value, str):
        moment = parse_instant(value)
        if conversion == "date_only":
            return moment.astimezone(tz).date().isoformat()
        if conversion == "without_offset":
            return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        return moment.astimezone(tz).isoformat(timespec="seconds")
    return value


def export_value(value: Any, field_type: str, conversion: str, tz: tzinfo) -> Any:
    """A local value as sent to Salesforce (JSON-ready); 1/0 for a boolean field (SQLite's JSON) become true/false."""
    if value is None or conversion == "copy_paste":
        return value
    if field_type in BOOLEAN_TYPES:
        return bool(value) if isinstance(value, int) and value in (0, 1) else value
    if field_type in DATETIME_TYPES:
        if isinstance(value, (datetime, date)) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        moment = value if isinstance(value, datetime) else parse_instant(str(value), timezone.utc
                                                                         if conversion == "without_offset" else tz)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc if conversion == "without_offset" else tz)
        if conversion == "date_only":
            moment = datetime.combine(moment.astimezone(tz).date(), datetime.min.time(), tz)
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    if field_type in DATE_TYPES:
        text = value.isoformat() if isinstance(value, (date, datetime)) else str(value)
        try:
            return (parse_instant(text, tz).astimezone(tz) if "T" in text or " " in text
                    else datetime.fromisoformat(text)).date().isoformat()
        except ValueError:
            raise ConversionError(f"{value!r} is not a date") from None
    return value


def _raw(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


