"""Explicit data sets (a fixture's ``data`` section) inserted into an org through the record rules.

A data record may also set its audit dates, ``CreatedDate`` and ``LastModifiedDate``,
as an org with "Set Audit Fields upon Record Creation" does on insert: an ISO-8601
instant or an age relative to the load instant (``"now-86d4h"``). The record is
created through the normal rules, then stamped (``SystemModstamp`` follows
``LastModifiedDate``). Format: ``fixtures/files.py``.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from ..core.clock import parse_instant
from .errors import SalesforceError
from .sobjects.records import Records, second

LOAD_ORDER = ("Account", "Contact", "Lead", "Opportunity", "Case")
AUDIT_DATES = {"createddate": "CreatedDate", "lastmodifieddate": "LastModifiedDate"}
_AGE = re.compile(r"^now(?:\s*-\s*((?:\d+[wdhms])+))?$")
_AGE_PART = re.compile(r"(\d+)([wdhms])")
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def seed(records: Records, dataset: dict[str, list[dict]]) -> dict[str, list[str]]:
    """Insert Accounts, Contacts, Leads, Opportunities and Cases in that order; ``"@Account:<i>"`` references become real ids."""
    created: dict[str, list[str]] = {}
    for sobject in LOAD_ORDER:
        ids = created.setdefault(sobject, [])
        for index, row in enumerate(dataset.get(sobject, [])):
            values = {k: _resolve(v, created) for k, v in row.items() if k.lower() not in AUDIT_DATES}
            record = records.create(sobject, values)
            if len(values) != len(row):
                _stamp(records, sobject, record, row, f"{sobject}[{index}]")
            ids.append(record["Id"])
    return created


def audit_date(value: object, now: datetime) -> datetime:
    """An audit date of a data record: an ISO-8601 instant, a ``datetime``, or ``now-<age>`` from ``now``."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=now.tzinfo)
        return second(moment)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date-time")
    match = _AGE.match(value.strip())
    if match:
        seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _AGE_PART.findall(match.group(1) or ""))
        return second(now - timedelta(seconds=seconds))
    try:
        return second(parse_instant(value))
    except ValueError:
        raise ValueError(f"{value!r} is neither an ISO-8601 instant nor now-<age> (e.g. now-30d4h)") from None


def _stamp(records: Records, sobject: str, record: dict, row: dict, where: str) -> None:
    """Set the row's audit dates on the record just created (store indexes kept up to date)."""
    given = {AUDIT_DATES[k.lower()]: v for k, v in row.items() if k.lower() in AUDIT_DATES}
    try:
        dates = {name: audit_date(value, records.now) for name, value in given.items()}
    except ValueError as exc:
        raise SalesforceError(400, "INVALID_FIELD", f"{where}: audit date: {exc}") from None
    created = dates.get("CreatedDate", record["CreatedDate"])
    modified = dates.get("LastModifiedDate", created if "CreatedDate" in dates else record["LastModifiedDate"])
    if created > records.now or modified > records.now:
        raise SalesforceError(400, "INVALID_FIELD", f"{where}: an audit date cannot be in the future")
    if modified < created:
        raise SalesforceError(400, "INVALID_FIELD", f"{where}: LastModifiedDate is before CreatedDate")
    records.data.store(sobject).update(record["Id"], {"CreatedDate": created, "LastModifiedDate": modified,
                                                      "SystemModstamp": modified})


def _resolve(value, created: dict[str, list[str]]):
    if isinstance(value, str) and value.startswith("@") and ":" in value:
        sobject, index = value[1:].split(":", 1)
        return created[sobject][int(index)]
    return value
