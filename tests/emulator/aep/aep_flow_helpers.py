"""Seed-004 pipeline pieces for the Flow Service source/target/flow/run tests (imported by name)."""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from aep_helpers import Flow, ssc_connection
from aep_platform_helpers import Platform

CRM_FLOW_SPEC = "14518937-270c-4525-bdec-c2ba7cce3860"
CLOUD_FLOW_SPEC = "9753525b-82c7-4dce-8a9b-5ccfce2b9876"
DEST_FLOW_SPEC = "71471eba-b620-49e4-90fd-23f1fa0174d8"
SALESFORCE_SPEC = "cfc0fee1-7dc0-40ef-b73e-d8b134c436f5"
DATA_LAKE_SPEC = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

# Seed 004's source-connection body as printed: trailing comma, one `c` too many, Accounts, snake_case.
SEED_SOURCE_TEXT = """{
        "name": "Salesforce source connection",
        "baseConnectionId": "%s",
        "description": "Salesforce source connection",
        "data": {
            "format": "tabular",
        },
        "params": {
            "tableName": "Accounts",
            "columns": [
                {"name": "first_name", "type": "string", "xdm": {"type": "String"}},
                {"name": "last_name", "type": "string", "xdm": {"type": "String"}},
                {"name": "email", "type": "string", "xdm": {"type": "String"}}
            ]
        },
        "connectionSpec": {"id": "ccfc0fee1-7dc0-40ef-b73e-d8b134c436f5", "version": "1.0"}
    }"""


def seed_source(base_id: str, table: str = "Contact", spec: str = SALESFORCE_SPEC,
                columns: tuple[str, ...] = ("FirstName", "LastName", "Email")) -> dict:
    """The seed's source body made well-formed: valid JSON, the real spec id, a real object and API names."""
    return {"name": "Salesforce source connection", "baseConnectionId": base_id,
            "description": "Salesforce source connection", "data": {"format": "tabular"},
            "params": {"tableName": table, "columns": [
                {"name": c, "type": "string", "xdm": {"type": "String"}} for c in columns]},
            "connectionSpec": {"id": spec, "version": "1.0"}}


def seed_target(schema_id: str, dataset_id: str) -> dict:
    """Seed 004's target-connection body verbatim ({TENANT_ID} schema and dataset ids filled in)."""
    return {"name": "Salesforce target connection", "description": "Salesforce target connection",
            "data": {"schema": {"id": schema_id, "version": "application/vnd.adobe.xed-full+json;version=1"}},
            "params": {"dataSetId": dataset_id},
            "connectionSpec": {"id": DATA_LAKE_SPEC, "version": "1.0"}}


def seed_flow(source_id: str, target_id: str, mapping_id: str, *, spec: str = CRM_FLOW_SPEC,
              delta: str = "LastModifiedDate", schedule: dict | None = None) -> dict:
    """Seed 004's flow body with the CRMToAEP spec and a Salesforce delta column (schedule as printed)."""
    return {"name": "Salesforce dataflow", "description": "Salesforce dataflow",
            "flowSpec": {"id": spec, "version": "1.0"},
            "sourceConnectionIds": [source_id], "targetConnectionIds": [target_id],
            "transformations": [
                {"name": "Copy", "params": {"deltaColumn": {"name": delta, "dateFormat": "YYYY-MM-DD",
                                                             "timezone": "UTC"}}},
                {"name": "Mapping", "params": {"mappingId": mapping_id}}],
            "scheduleParams": copy.deepcopy(schedule) if schedule is not None else
            {"startTime": "1567411548", "frequency": "minute", "interval": "30"}}


@dataclass
class Pipeline:
    """The ids of one seed-004 pipeline up to (not including) the flow."""

    base_id: str
    source_id: str
    target_id: str
    schema_id: str
    dataset_id: str
    mapping_id: str


def build_pipeline(flow: Flow, platform: Platform, name: str = "pipeline") -> Pipeline:
    base = flow.post("connections", json={**ssc_connection(name=f"{name} base"),
                                          "connectionSpec": {"id": SALESFORCE_SPEC, "version": "1.0"}})
    assert base.status_code == 201, base.text
    source = flow.post("sourceConnections", json=seed_source(base.json()["id"]))
    assert source.status_code == 201, source.text
    schema = platform.schema(title=f"{name} schema")
    dataset_id = platform.dataset(schema["$id"], name=f"{name} dataset")
    target = flow.post("targetConnections", json=seed_target(schema["$id"], dataset_id))
    assert target.status_code == 201, target.text
    mapping = platform.mapping_set(schema["$id"])
    return Pipeline(base.json()["id"], source.json()["id"], target.json()["id"], schema["$id"], dataset_id,
                    mapping["id"])


class SalesforceRest:
    """The demo user's REST calls (password grant), for arranging Contacts."""

    def __init__(self, session, base: str = "https://harness.my.salesforce.com",
                 login: str = "https://login.salesforce.com") -> None:
        response = session.post(f"{login}/services/oauth2/token", data={
            "grant_type": "password", "client_id": "harness-client-id", "client_secret": "harness-client-secret",
            "username": "admin@example.com", "password": "password123TOKEN123"})
        assert response.status_code == 200, response.text
        self.session, self.base, self.token = session, base, response.json()["access_token"]

    def call(self, method: str, path: str, **kwargs):
        return self.session.request(method, f"{self.base}/services/data/v59.0/{path}",
                                    headers={"Authorization": f"Bearer {self.token}"}, **kwargs)

    def post(self, path, **kw):
        return self.call("POST", path, **kw)

    def patch(self, path, **kw):
        return self.call("PATCH", path, **kw)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def add_contacts(rest, count: int, prefix: str = "c") -> list[str]:
    """``count`` Contacts through sObject Collections (200 a call); their ids."""
    ids = []
    for start in range(0, count, 200):
        records = [{"attributes": {"type": "Contact"}, "FirstName": f"{prefix}{i}", "LastName": f"Last{i}",
                    "Email": f"{prefix}{i}@example.com"} for i in range(start, min(count, start + 200))]
        response = rest.post("composite/sobjects", json={"allOrNone": True, "records": records})
        assert response.status_code == 200, response.text
        ids += [r["id"] for r in response.json()]
    return ids


def rows(flow: Flow, dataset_id: str, batch_id: str | None = None) -> list[dict]:
    params = {"batchId": batch_id} if batch_id else {}
    response = flow.session.get(f"https://platform.adobe.io/__emulator/aep/datasets/{dataset_id}/rows",
                                params=params, headers=flow.headers)
    assert response.status_code == 200, response.text
    return response.json()["rows"]


def runs_of(flow: Flow, flow_id: str) -> list[dict]:
    response = flow.get("runs", params={"property": f"flowId=={flow_id}", "limit": "100", "orderby": "createdAt"})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def as_text(value) -> str:
    return json.dumps(value)
