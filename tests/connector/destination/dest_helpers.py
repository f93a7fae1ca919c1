"""Shared set-up of the destination tests: an org with Contacts/Leads and Mapping-ID fields, XDM profiles,
and a session hook counting how many times each record was updated by sObject Collections."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import requests

from connector.destination import DestinationConfig, SalesforceCredentials
from connector.salesforce import RetryPolicy, SalesforceClient
from connector.salesforce import collections

NO_WAIT = RetryPolicy(max_attempts=4, sleep=lambda _s: None)
SECRETS = ("password123", "TOKEN123", "harness-client-secret")


@dataclass
class Target:
    """Where the emulator runs: `login_url`, a session reaching it and the admin API."""

    login_url: str
    session: requests.Session
    admin: Callable[..., requests.Response]
    base: str

    def credentials(self, password: str = "password123TOKEN123", domain: str = "harness",
                    login_url: str | None = "") -> SalesforceCredentials:
        return SalesforceCredentials(password=password, custom_domain=domain, client_id="harness-client-id",
                                     client_secret="harness-client-secret", username="admin@example.com",
                                     login_url=self.login_url if login_url == "" else login_url)

    def config(self, id_type: str = "Contact", **kw: Any) -> DestinationConfig:
        return DestinationConfig(self.credentials(**kw), id_type)

    def client(self) -> SalesforceClient:
        return SalesforceClient.login_password(self.login_url, "harness-client-id", "harness-client-secret",
                                               "admin@example.com", "password123TOKEN123", session=self.session,
                                               retry=NO_WAIT)


def add_field(client: SalesforceClient, sobject: str, name: str) -> requests.Response:
    """Create a Long Text Area custom field (the Mapping-ID field of seed 000) through the Tooling API."""
    body = {"FullName": f"{sobject}.{name}",
            "Metadata": {"type": "LongTextArea", "length": 32768, "visibleLines": 3, "label": name[:-3]}}
    return client.session.post(client._url("tooling/sobjects/CustomField"), json=body,
                               headers={"Authorization": f"Bearer {client.access_token}"})


def make_records(client: SalesforceClient, sobject: str, count: int) -> list[str]:
    extra = {"Company": "Acme"} if sobject == "Lead" else {}
    records = [{"LastName": f"Old{i}", **extra} for i in range(count)]
    return [r["id"] for r in collections.create_many(client, sobject, records)]


def profile(index: int, record_id: str, statuses: dict[str, str], company: str | None = None) -> dict:
    body: dict[str, Any] = {
        "id": f"p{index}", "identityMap": {"crmID": [{"id": record_id, "primary": True}]},
        "person": {"name": {"firstName": f"First{index}", "lastName": f"Last{index}"}},
        "personalEmail": {"address": f"p{index}@example.com"},
        "segmentMembership": {"ups": {sid: {"status": s} for sid, s in statuses.items()}}}
    if company:
        body["b2b"] = {"companyName": company}
    return body


@dataclass
class UpdateCounter:
    """Counts, per record id, the updates Salesforce confirmed (success) in `PATCH /composite/sobjects`."""

    applied: Counter = field(default_factory=Counter)
    calls: int = 0
    after_call: Callable[[int], None] | None = None

    def hook(self, response: requests.Response, *_args: Any, **_kw: Any) -> None:
        request = response.request
        if request.method != "PATCH" or not request.url.split("?")[0].endswith("/composite/sobjects"):
            return
        if response.status_code == 200:
            self.calls += 1
            sent = json.loads(request.body)["records"]
            for record, result in zip(sent, response.json()):
                if result.get("success"):
                    self.applied[record["Id"]] += 1
            if self.after_call:
                self.after_call(self.calls)

    def install(self, session: requests.Session) -> UpdateCounter:
        session.hooks["response"].append(self.hook)
        return self


def served_target(server) -> Target:
    """A Target on a running `serve` (reset, no faults)."""
    session = requests.Session()

    def admin(method: str, path: str, json=None) -> requests.Response:
        return session.request(method, f"{server.base_url}/__emulator{path}", json=json,
                               headers={"X-Admin-Token": server.admin_token})
    assert admin("POST", "/reset").status_code == 200
    assert admin("DELETE", "/faults").status_code == 200
    return Target(server.base_url, session, admin, server.base_url)
