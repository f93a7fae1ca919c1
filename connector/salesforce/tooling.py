"""Custom fields through the Tooling API (CON-SF-1, SPEC SF-REST-10).

The seed-000 destination stores each segment's status in a Long Text Area
custom field whose API name is the Mapping ID; an object holds at most 25 of
them, so a slot is freed by deleting an old field. These helpers create,
list, read and delete such fields::

    field_id = create_custom_field(client, "Contact", "Segment_A__c", "LongTextArea", "Segment A",
                                   length=32768, visibleLines=3)
"""
from __future__ import annotations

import re
from typing import Any

from .client import SalesforceClient

CUSTOM_FIELD = "tooling/sobjects/CustomField"
_QUOTE_RE = re.compile(r"(['\\])")


def _literal(text: str) -> str:
    return "'" + _QUOTE_RE.sub(r"\\\1", text) + "'"


def create_custom_field(client: SalesforceClient, sobject: str, api_name: str, type: str, label: str,
                        **metadata: Any) -> str:
    """Create ``sobject.api_name`` (which must end in ``__c``) and return its ``00N`` id.

    ``metadata`` holds the rest of the CustomField Metadata (``length``,
    ``visibleLines``, ``precision``, ``scale``, ``externalId``, ``unique``,
    ``defaultValue``, ``valueSet`` …). Errors (name rules, duplicates, the
    per-object cap) raise the client's typed ``SalesforceError``.
    """
    if not api_name.endswith("__c"):
        raise ValueError(f"a custom field's API name ends in __c: {api_name!r}")
    body = {"FullName": f"{sobject}.{api_name}", "Metadata": {"type": type, "label": label, **metadata}}
    return client.request("POST", CUSTOM_FIELD, json=body).json()["id"]


def get_custom_field(client: SalesforceClient, field_id: str) -> dict[str, Any]:
    """The Tooling record of one field (``FullName``, ``Metadata``, ``TableEnumOrId`` …)."""
    return client.request("GET", f"{CUSTOM_FIELD}/{field_id}").json()


def delete_custom_field(client: SalesforceClient, field_id: str) -> None:
    """Delete a field: its values are dropped from every record and a slot of the cap is freed."""
    client.request("DELETE", f"{CUSTOM_FIELD}/{field_id}")


def tooling_query(client: SalesforceClient, soql: str) -> list[dict[str, Any]]:
    """Every record of a Tooling API query, following ``nextRecordsUrl``."""
    page = client.request("GET", "tooling/query", params={"q": soql}).json()
    records = list(page["records"])
    while page.get("nextRecordsUrl"):
        page = client.request("GET", page["nextRecordsUrl"]).json()
        records.extend(page["records"])
    return records


def list_custom_fields(client: SalesforceClient, sobject: str) -> list[dict[str, Any]]:
    """``[{"id", "developerName", "apiName"}]`` of the custom fields of one object."""
    rows = tooling_query(client, "SELECT Id, DeveloperName, TableEnumOrId FROM CustomField "
                                 f"WHERE TableEnumOrId = {_literal(sobject)}")
    return [{"id": r["Id"], "developerName": r["DeveloperName"], "apiName": f"{r['DeveloperName']}__c"}
            for r in rows]
