"""Helpers for the demo-org tests (imported by name: conftest modules are not)."""
from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce

from connector.flowservice import AepClient
from emulator import create_app, session_for
from emulator.config import Emulator

OBJECTS = ("Account", "Contact", "Lead", "Opportunity", "Case")
ADMIN = "https://platform.adobe.io/__emulator"


def in_process(emulator: Emulator) -> requests.Session:
    """A session answered by ``emulator``'s app, on any host, with its admin token when it has one."""
    session = session_for(create_app(emulator))
    if emulator.config.admin_token:
        session.headers["X-Admin-Token"] = emulator.config.admin_token
    return session


def salesforce(session: requests.Session, username: str = "admin@example.com", password: str = "password123",
               security_token: str = "TOKEN123") -> Salesforce:
    """simple_salesforce, unchanged, logged in with the SOAP login through ``session``."""
    return Salesforce(username=username, password=password, security_token=security_token, session=session)


def aep_client(session: requests.Session, **kw: Any) -> AepClient:
    return AepClient(kw.get("client_id", "harness-aep-client"), kw.get("client_secret", "harness-aep-secret"),
                     kw.get("org_id", "HARNESS@AdobeOrg"), sandbox=kw.get("sandbox", "prod"), session=session)


def dump(emulator: Emulator) -> dict[str, Any]:
    """Everything a person sees of the org, read through the public APIs: every record and AEP resource."""
    with in_process(emulator) as session:
        sf = salesforce(session)
        records = {}
        for name in OBJECTS:
            fields = [f["name"] for f in getattr(sf, name).describe()["fields"]
                      if f["type"] not in ("address", "location")]
            records[name] = sf.query_all(f"SELECT {', '.join(fields)} FROM {name} ORDER BY Id")["records"]
        aep = aep_client(session)
        flowservice = {kind: sorted(aep.flow_items(kind), key=lambda item: item["id"])
                       for kind in ("connections", "sourceConnections", "targetConnections", "flows", "runs")}
        for items in flowservice.values():
            for item in items:
                item.pop("etag", None)  # etags carry the clock's seconds
        datasets = aep.get("catalog/dataSets")
        profiles = session.get(f"{ADMIN}/aep/profiles").json()["profiles"]
        segments = session.get(f"{ADMIN}/aep/segments").json()
        rows = {dataset_id: session.get(f"{ADMIN}/aep/datasets/{dataset_id}/rows").json()["rows"]
                for dataset_id in datasets}
    return {"records": records, "flowservice": flowservice, "datasets": datasets, "rows": rows,
            "profiles": profiles, "segments": segments}


class ToServer(HTTPAdapter):
    """simple_salesforce always speaks https to its instance: send those calls to the served http URL."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def send(self, request, **kwargs):
        rest = request.url.partition("://")[2].partition("/")[2]
        request.url = f"{self.base_url}/{rest}"
        return super().send(request, **kwargs)


def served_session(base_url: str) -> requests.Session:
    session = requests.Session()
    session.mount("https://", ToServer(base_url))
    return session
