"""The seed-004 CRM source pipeline on the Flow Service (CON-SRC-1).

base connection → explore → source connection → schema → dataset → target
connection → mapping set → flowSpec lookup → flow → runs, as one call
(:meth:`SourcePipeline.run`) or step by step; every id created is kept in
:class:`PipelineIds`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .client import AepClient
from .errors import NotFound

SALESFORCE_SPEC = "cfc0fee1-7dc0-40ef-b73e-d8b134c436f5"
DATA_LAKE_SPEC = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
FLOW_SPEC_NAME = "CRMToAEP"
XED_FULL = "application/vnd.adobe.xed-full+json;version=1"
PROFILE_REFS = ("https://ns.adobe.com/xdm/context/profile",
                "https://ns.adobe.com/xdm/context/profile-person-details",
                "https://ns.adobe.com/xdm/context/profile-personal-details")
CONTACT_MAPPING = {"FirstName": "person.name.firstName", "LastName": "person.name.lastName",
                   "Email": "personalEmail.address"}


@dataclass
class SourcePipelineConfig:
    """What the pipeline needs: Salesforce credentials, the table, the mapping, the schedule."""

    username: str
    password: str = field(repr=False)
    security_token: str = field(default="", repr=False)
    environment_url: str | None = None
    connection_spec_id: str = SALESFORCE_SPEC
    table: str = "Contact"
    mapping: dict[str, str] = field(default_factory=lambda: dict(CONTACT_MAPPING))
    identity_column: str | None = "Id"  # mapped to identityMap.crmID
    delta_column: str = "LastModifiedDate"
    frequency: str = "minute"
    interval: int | None = 15
    start_time: int | None = None  # epoch seconds; None: the first flow run starts at once
    backfill: bool | None = None
    name: str = "Salesforce"
    schema_refs: tuple[str, ...] = PROFILE_REFS


@dataclass
class PipelineIds:
    """Every id the pipeline created or looked up, in step order."""

    base_connection_id: str | None = None
    source_connection_id: str | None = None
    schema_id: str | None = None
    schema_alt_id: str | None = None
    dataset_id: str | None = None
    target_connection_id: str | None = None
    mapping_set_id: str | None = None
    mapping_set_version: int | None = None
    flow_spec_id: str | None = None
    flow_id: str | None = None
    run_ids: list[str] = field(default_factory=list)
    columns: list[dict] = field(default_factory=list)


class SourcePipeline:
    """The steps, each returning what it created; ``ids`` accumulates them."""

    def __init__(self, client: AepClient, config: SourcePipelineConfig) -> None:
        self.client = client
        self.config = config
        self.ids = PipelineIds()

    # -- one call ------------------------------------------------------------------------------
    def run(self, start_time: int) -> PipelineIds:
        """Every step in order; ``start_time`` (epoch seconds) is the flow's schedule start."""
        self.base_connection()
        self.explore()
        self.source_connection()
        self.schema()
        self.dataset()
        self.target_connection()
        self.mapping_set()
        self.flow_spec()
        self.flow(start_time)
        self.runs()
        return self.ids

    # -- steps ---------------------------------------------------------------------------------
    def base_connection(self) -> str:
        c = self.config
        params = {"username": c.username, "password": c.password, "securityToken": c.security_token}
        if c.environment_url:
            params["environmentUrl"] = c.environment_url
        answer = self.client.post("flowservice/connections", json={
            "name": f"{c.name} base connection", "description": f"{c.name} base connection",
            "auth": {"specName": "Basic Authentication", "params": params},
            "connectionSpec": {"id": c.connection_spec_id, "version": "1.0"}})
        self.ids.base_connection_id = answer["id"]
        return answer["id"]

    def explore(self) -> list[dict]:
        """The table's columns; raises :class:`NotFound` when the org has no such table."""
        base = f"flowservice/connections/{self._need('base_connection_id')}/explore"
        tables = self.client.get(base, params={"objectType": "root"})
        if not any(t.get("name") == self.config.table or t.get("path") == self.config.table for t in tables):
            raise NotFound(404, None, f"The source has no table {self.config.table}.", tables)
        found = self.client.get(base, params={"objectType": "table", "object": self.config.table})
        self.ids.columns = list(found.get("schema", {}).get("columns", []))
        return self.ids.columns

    def _columns(self) -> list[dict]:
        wanted = set(self.config.mapping) | {self.config.delta_column}
        if self.config.identity_column:
            wanted.add(self.config.identity_column)
        known = self.ids.columns or [{"name": n, "type": "string", "xdm": {"type": "String"}} for n in sorted(wanted)]
        return [c for c in known if c.get("name") in wanted]

    def source_connection(self) -> str:
        c = self.config
        answer = self.client.post("flowservice/sourceConnections", json={
            "name": f"{c.name} source connection", "description": f"{c.name} source connection",
            "baseConnectionId": self._need("base_connection_id"), "data": {"format": "tabular"},
            "params": {"tableName": c.table, "columns": self._columns()},
            "connectionSpec": {"id": c.connection_spec_id, "version": "1.0"}})
        self.ids.source_connection_id = answer["id"]
        return answer["id"]

    def schema(self) -> str:
        c = self.config
        answer = self.client.post("schemaregistry/tenant/schemas", json={
            "type": "object", "title": f"{c.name} target XDM schema", "description": f"{c.name} target XDM schema",
            "allOf": [{"$ref": r} for r in c.schema_refs], "meta:containerId": "tenant",
            "meta:resourceType": "schemas", "meta:xdmType": "object", "meta:class": c.schema_refs[0]})
        self.ids.schema_id, self.ids.schema_alt_id = answer["$id"], answer["meta:altId"]
        return answer["$id"]

    def dataset(self) -> str:
        answer = self.client.post("catalog/dataSets", params={"requestDataSource": "true"}, json={
            "name": f"{self.config.name} target dataset",
            "schemaRef": {"id": self._need("schema_id"), "contentType": XED_FULL}})
        self.ids.dataset_id = answer[0].rsplit("/", 1)[-1]
        return self.ids.dataset_id

    def target_connection(self) -> str:
        answer = self.client.post("flowservice/targetConnections", json={
            "name": f"{self.config.name} target connection", "description": f"{self.config.name} target connection",
            "data": {"schema": {"id": self._need("schema_id"), "version": XED_FULL}},
            "params": {"dataSetId": self._need("dataset_id")},
            "connectionSpec": {"id": DATA_LAKE_SPEC, "version": "1.0"}})
        self.ids.target_connection_id = answer["id"]
        return answer["id"]

    def mapping_set(self) -> str:
        entry = {"identity": False, "identityGroup": None, "namespaceCode": None, "version": 0}
        mappings = [{"sourceAttribute": s, "destinationXdmPath": d, **entry} for s, d in self.config.mapping.items()]
        if self.config.identity_column:
            mappings.append({**entry, "sourceAttribute": self.config.identity_column,
                             "destinationXdmPath": "identityMap.crmID", "identity": True, "namespaceCode": "crmID"})
        answer = self.client.post("conversion/mappingSets", params={"validate": "true"}, json={
            "version": 0, "xdmSchema": self._need("schema_id"), "xdmVersion": "1.0", "id": None,
            "mappings": mappings})
        self.ids.mapping_set_id, self.ids.mapping_set_version = answer["id"], int(answer["version"])
        return answer["id"]

    def flow_spec(self) -> str:
        found = self.client.get("flowservice/flowSpecs", params={"property": f'name=="{FLOW_SPEC_NAME}"'})
        items = found.get("items", [])
        if len(items) != 1:
            raise NotFound(404, None, f"{len(items)} flowSpecs named {FLOW_SPEC_NAME}.", found)
        self.ids.flow_spec_id = items[0]["id"]
        return items[0]["id"]

    def flow(self, start_time: int) -> str:
        c = self.config
        schedule: dict[str, Any] = {"startTime": str(int(start_time)), "frequency": c.frequency}
        if c.frequency != "once":
            schedule["interval"] = str(c.interval)
            if c.backfill is not None:
                schedule["backfill"] = c.backfill
        answer = self.client.post("flowservice/flows", json={
            "name": f"{c.name} dataflow", "description": f"{c.name} dataflow",
            "flowSpec": {"id": self._need("flow_spec_id"), "version": "1.0"},
            "sourceConnectionIds": [self._need("source_connection_id")],
            "targetConnectionIds": [self._need("target_connection_id")],
            "transformations": [
                {"name": "Copy", "params": {"deltaColumn": {"name": c.delta_column, "dateFormat": "YYYY-MM-DD",
                                                            "timezone": "UTC"}}},
                {"name": "Mapping", "params": {"mappingId": self._need("mapping_set_id"),
                                               "mappingVersion": self.ids.mapping_set_version or 0}}],
            "scheduleParams": schedule})
        self.ids.flow_id = answer["id"]
        return answer["id"]

    def runs(self) -> list[dict]:
        """The flow's runs so far (every page), oldest first; their ids go to ``ids.run_ids``."""
        runs = list(self.client.flow_items("runs", {"property": f"flowId=={self._need('flow_id')}"}))
        runs.sort(key=lambda r: (r.get("createdAt", 0), r.get("id")))
        self.ids.run_ids = [r["id"] for r in runs]
        return runs

    def _need(self, name: str) -> Any:
        value = getattr(self.ids, name)
        if value is None:
            raise RuntimeError(f"step order: {name} is not known yet")
        return value
