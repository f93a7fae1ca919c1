"""Explicit data sets (a fixture's ``data`` section) inserted into an org through the record rules."""
from __future__ import annotations

from .sobjects.records import Records

LOAD_ORDER = ("Account", "Contact", "Lead", "Opportunity", "Case")


def seed(records: Records, dataset: dict[str, list[dict]]) -> dict[str, list[str]]:
    """Insert Accounts, Contacts, Leads, Opportunities and Cases in that order; ``"@Account:<i>"`` references become real ids."""
    created: dict[str, list[str]] = {}
    for sobject in LOAD_ORDER:
        ids = created.setdefault(sobject, [])
        for row in dataset.get(sobject, []):
            values = {k: _resolve(v, created) for k, v in row.items()}
            ids.append(records.create(sobject, values)["Id"])
    return created


def _resolve(value, created: dict[str, list[str]]):
    if isinstance(value, str) and value.startswith("@") and ":" in value:
        sobject, index = value[1:].split(":", 1)
        return created[sobject][int(index)]
    return value
