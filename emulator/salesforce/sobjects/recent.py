"""Each user's recently viewed records, as ``/recent`` lists them (SPEC SF-REST-14).

Fed by record GETs and by SOQL ``FOR VIEW`` / ``FOR REFERENCE`` (which also
stamp ``LastViewedDate`` / ``LastReferencedDate``); newest first, at most
:data:`MAX_ITEMS` per user. Callers hold the backend lock.
"""
from __future__ import annotations

from datetime import datetime

from .records import OrgData
from .render import attributes

MAX_ITEMS = 200
STAMPS = {"VIEW": ("LastViewedDate", "LastReferencedDate"), "REFERENCE": ("LastReferencedDate",)}


def touch(data: OrgData, user_id: str, sobject: str, record_id: str) -> None:
    """Put a record at the top of the user's recent items."""
    items = data.recent.get(user_id)
    if items is None:
        items = data.recent[user_id] = {}
    elif record_id in items:
        del items[record_id]  # dicts keep insertion order: re-inserting moves it to the end
    items[record_id] = sobject
    if len(items) > MAX_ITEMS:
        del items[next(iter(items))]


def mark(data: OrgData, user_id: str, sobject: str, records: list[dict], how: str, now: datetime) -> None:
    """SOQL ``FOR VIEW`` / ``FOR REFERENCE``: stamp the rows the user got and list them as recent."""
    schema = data.schema.get(sobject)
    stamps = [name for name in STAMPS[how] if schema.field(name) is not None]
    store = data.store(sobject)
    for record in records:
        if stamps:
            store.update(record["Id"], dict.fromkeys(stamps, now))
        touch(data, user_id, sobject, record["Id"])


def recent_rows(data: OrgData, user_id: str, version: str, limit: int = MAX_ITEMS,
                sobject: str | None = None) -> list[dict]:
    """``[{"attributes", "Id", "Name"}]``, newest first; records since deleted are left out."""
    rows: list[dict] = []
    for record_id, name in reversed(list(data.recent.get(user_id, {}).items())):
        if len(rows) >= limit:
            break
        if sobject is not None and name != sobject:
            continue
        record = data.store(name).get(record_id)
        if record is None or record["IsDeleted"]:
            continue
        schema = data.schema.get(name)
        name_field = next((f.name for f in schema.fields.values() if f.name_field), None)
        row = {"attributes": attributes(name, record_id, version), "Id": record_id}
        if name_field is not None:
            row["Name"] = record.get(name_field)
        rows.append(row)
    return rows
