"""The auto-index option: `LASTIMPORT_<instance>_<activity>` holding `yyyy/MM/dd HH:mm:ss` (24-hour, UTC)."""
from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timezone

from .errors import OptionFormatError

OPTION_FORMAT = "%Y/%m/%d %H:%M:%S"
_SHAPE = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}$")


def option_name(instance: str, activity: str) -> str:
    """The default option name of an activity: `LASTIMPORT_<instance>_<activity>`."""
    return f"LASTIMPORT_{instance}_{activity}"


def format_option(moment: datetime) -> str:
    """`2030/03/01 09:00:00` for an instant (read in UTC)."""
    return to_utc(moment).strftime(OPTION_FORMAT)


def parse_option(name: str, text: str) -> datetime:
    """The instant an option value holds; `OptionFormatError` names the option and the format."""
    value = text.strip()
    if _SHAPE.match(value):
        try:
            return datetime.strptime(value, OPTION_FORMAT).replace(tzinfo=timezone.utc)
        except ValueError:
            pass
    raise OptionFormatError(f"option {name} holds {text!r}, not a date in the format yyyy/MM/dd HH:mm:ss "
                            "(24-hour clock, e.g. 2012/11/01 17:30:00)")


def to_utc(moment: datetime) -> datetime:
    """An aware UTC instant (a naive one is read as UTC)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def read_option(conn: sqlite3.Connection, name: str) -> str | None:
    """The raw value of an option, None when it does not exist."""
    row = conn.execute("SELECT value FROM options WHERE name = ?", (name,)).fetchone()
    return None if row is None else row[0]


def write_option(conn: sqlite3.Connection, name: str, value: str) -> None:
    """Create or replace an option (inside the caller's transaction)."""
    conn.execute("INSERT INTO options (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                 (name, value))
