"""Load generated or explicit data sets into an org through the record rules."""
from __future__ import annotations

from .backend import SalesforceBackend
from .sobjects.records import OrgData

LOAD_ORDER = ("Account", "Contact", "Lead", "Opportunity", "Case")


def load_dataset(backend: SalesforceBackend, data: OrgData, dataset: dict[str, list[dict]]) -> dict[str, list[str]]:
    """Insert Accounts, Contacts, Leads, Opportunities and Cases; ``"@Contact:<i>"``-style references become real ids."""
    created: dict[str, list[str]] = {}
    with backend.lock:
        admin = next(iter(data.org.users.values()))
        records = backend.records(data.org.id, admin.id)
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
