"""Use case "add contact": a card lead becomes a Salesforce Contact in the same run (CON-TRIG-1).

Field mapping (:data:`CONTACT_FIELDS`; empty card values are left out, so Salesforce's
own validation decides — a card without a last name gets ``REQUIRED_FIELD_MISSING``):

| card field | Salesforce |
| --- | --- |
| ``first_name`` | ``Contact.FirstName`` |
| ``last_name`` | ``Contact.LastName`` (required by Salesforce) |
| ``email`` | ``Contact.Email`` |
| ``phone`` | ``Contact.Phone`` |
| ``mobile`` | ``Contact.MobilePhone`` |
| ``title`` | ``Contact.Title`` |
| ``company`` | ``Contact.AccountId``: the oldest Account whose ``Name`` equals the company, else a new Account with that ``Name`` |
| ``card_id`` (and owner) | ``Contact.Description``: "Business card exchange on card <id> (owner <owner>)" |

Contact has no company field, hence the Account lookup. When the Account must be
created, Account and Contact go in one composite request with ``allOrNone``, so a
refused Contact leaves no Account behind.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connector.salesforce import SalesforceClient
from connector.salesforce.collections import composite
from connector.salesforce.errors import SalesforceError

from .model import CardLead

CONTACT_FIELDS: dict[str, str] = {
    "first_name": "FirstName",
    "last_name": "LastName",
    "email": "Email",
    "phone": "Phone",
    "mobile": "MobilePhone",
    "title": "Title",
}


@dataclass(frozen=True)
class Added:
    contact_id: str
    account_id: str | None


def contact_fields(card: CardLead) -> dict[str, Any]:
    """The Contact's fields for a card (no ``AccountId``)."""
    fields = {target: getattr(card, source) for source, target in CONTACT_FIELDS.items()
              if getattr(card, source) not in (None, "")}
    owner = f" (owner {card.card_owner})" if card.card_owner else ""
    fields["Description"] = f"Business card exchange on card {card.card_id}{owner}"
    return fields


def soql_string(value: str) -> str:
    """A SOQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def find_account(client: SalesforceClient, name: str) -> str | None:
    """The id of the oldest Account named exactly ``name``, if any."""
    soql = f"SELECT Id FROM Account WHERE Name = {soql_string(name)} ORDER BY CreatedDate, Id LIMIT 1"
    records = client.query_page(soql)["records"]
    return records[0]["Id"] if records else None


def _raise_from(entry: dict[str, Any]) -> None:
    body = entry.get("body")
    first = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else {}
    raise SalesforceError(entry.get("httpStatusCode", 400), first.get("errorCode"), first.get("message", ""),
                          first.get("fields"), body)


def add_contact(client: SalesforceClient, card: CardLead) -> Added:
    """Create the Contact (and its Account when the company is new); raises Salesforce's error."""
    fields = contact_fields(card)
    company = (card.company or "").strip()
    account_id = find_account(client, company) if company else None
    if not company or account_id:
        if account_id:
            fields["AccountId"] = account_id
        return Added(client.create("Contact", fields), account_id)
    results = composite(client, [
        {"method": "POST", "url": "sobjects/Account", "referenceId": "account", "body": {"Name": company}},
        {"method": "POST", "url": "sobjects/Contact", "referenceId": "contact",
         "body": {**fields, "AccountId": "@{account.id}"}},
    ], all_or_none=True)
    failed = [r for r in results if r.get("httpStatusCode", 500) >= 400]
    real = [r for r in failed if not _halted(r)]
    if real or failed:
        _raise_from((real or failed)[0])
    return Added(results[1]["body"]["id"], results[0]["body"]["id"])


def _halted(entry: dict[str, Any]) -> bool:
    body = entry.get("body")
    return isinstance(body, list) and any(e.get("errorCode") == "PROCESSING_HALTED" for e in body if isinstance(e, dict))
