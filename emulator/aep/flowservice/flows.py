"""Flows (AEP-FS-5): references checked, params validated against the flowSpec's own schemas."""
from __future__ import annotations

import copy
from typing import Any

from ..errors import FlowServiceError, bad_request
from . import flow_specs, salesforce_link
from .codes import (ACTIVE_FLOWS, INCOMPATIBLE, INVALID, MAPPING_VERSION, STATE_IN_BODY, UNKNOWN_REFERENCE,
                    UNKNOWN_SPEC)
from .connections import named, required_object
from .resources import Collection

DELTA_TYPES = frozenset({"datetime"})


def schema_error(path: str, message: str) -> FlowServiceError:
    return FlowServiceError(400, INVALID, "Bad request", f"{path}: {message}", {"path": path})


def validated(value: Any, schema: dict, path: str) -> Any:
    """``value`` coerced to the schema's types, or 400 naming the first failing path."""
    coerced = flow_specs.coerce(value, schema)
    found = flow_specs.problems(coerced, schema, path)
    if found:
        raise schema_error(*found[0])
    return coerced


def flow_spec_of(body: dict) -> dict:
    ref = body.get("flowSpec")
    spec_id = ref.get("id") if isinstance(ref, dict) else None
    if not isinstance(spec_id, str) or not spec_id:
        raise bad_request(INVALID, "flowSpec.id is required.")
    spec = flow_specs.find(spec_id)
    if spec is None:
        raise bad_request(UNKNOWN_SPEC, f"The flow spec {spec_id} is not found.")
    return spec


class Flows(Collection):
    """Flows of one sandbox; the schedule and run bookkeeping live in :class:`~.model.FlowService`."""

    kind = "flows"
    not_updatable = ("/flowSpec", "/sourceConnectionIds", "/targetConnectionIds")
    derived = ("state", "inheritedAttributes", "lastRunDetails", "runs", "lastOperation")

    def check_path(self, path: str) -> None:
        if path == "/state" or path.startswith("/state/"):
            raise bad_request(STATE_IN_BODY, "state cannot be patched; use /flows/{id}/action?op=enable|disable.")
        super().check_path(path)

    def build(self, body: Any, context: Any) -> dict:
        body = required_object(body)
        if "state" in body:
            raise bad_request(STATE_IN_BODY, "state cannot be set when creating or updating a flow; use "
                                             "/flows/{id}/action?op=enable|disable.")
        fields = named(body)
        spec = flow_spec_of(body)
        sources = self._connections(body, "sourceConnectionIds", context.flowservice.source_connections,
                                    spec["sourceConnectionSpecIds"])
        targets = self._connections(body, "targetConnectionIds", context.flowservice.target_connections,
                                    spec["targetConnectionSpecIds"])
        transformations = self._transformations(body.get("transformations"), spec, sources, context)
        fields.update(flowSpec={"id": spec["id"], "version": str(body["flowSpec"].get("version", spec["version"]))},
                      sourceConnectionIds=[s["id"] for s in sources],
                      targetConnectionIds=[t["id"] for t in targets],
                      transformations=transformations)
        if body.get("scheduleParams") is not None:
            if "scheduleSpec" not in spec:
                raise schema_error("scheduleParams", "this flowSpec has no schedule")
            validated(body["scheduleParams"], spec["scheduleSpec"]["spec"], "scheduleParams")
            fields["scheduleParams"] = copy.deepcopy(body["scheduleParams"])  # echoed as sent
        if body.get("options") is not None:
            fields["options"] = validated(body["options"], spec.get("optionSpec", {}).get("spec", {}), "options")
        return fields

    @staticmethod
    def _connections(body: dict, key: str, collection: Collection, accepted: list[str]) -> list[dict]:
        ids = body.get(key)
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise schema_error(key, "a non-empty array of connection ids is required")
        found = []
        for index, connection_id in enumerate(ids):
            connection = collection.items.get(connection_id)
            if connection is None:
                raise FlowServiceError(400, UNKNOWN_REFERENCE, "Bad request",
                                       f"The {collection.kind} resource {connection_id} is not found.",
                                       {"path": f"{key}[{index}]"})
            if connection["connectionSpec"]["id"] not in accepted:
                raise FlowServiceError(400, INCOMPATIBLE, "Bad request",
                                       f"The connection spec {connection['connectionSpec']['id']} of "
                                       f"{connection_id} is not supported by this flow spec.",
                                       {"path": f"{key}[{index}]"})
            found.append(connection)
        return found

    def _transformations(self, given: Any, spec: dict, sources: list[dict], context: Any) -> list[dict]:
        if given is None:
            return []
        if not isinstance(given, list):
            raise schema_error("transformations", "must be an array")
        specs = {t["name"]: t["spec"] for t in spec.get("transformationSpecs", [])}
        kept = []
        for index, item in enumerate(given):
            path = f"transformations[{index}]"
            if not isinstance(item, dict) or item.get("name") not in specs:
                raise schema_error(f"{path}.name", f"must be one of {', '.join(specs)}")
            params = validated(item.get("params", {}), specs[item["name"]], f"{path}.params")
            if item["name"] == "Copy":
                self._check_delta(params["deltaColumn"]["name"], sources, context, f"{path}.params.deltaColumn.name")
            elif item["name"] == "Mapping":
                self._check_mapping(params, context, f"{path}.params")
            kept.append({**copy.deepcopy(item), "params": copy.deepcopy(item.get("params", {}))})
        return kept

    @staticmethod
    def _check_delta(column: str, sources: list[dict], context: Any, path: str) -> None:
        """The delta column must be a datetime field of every Salesforce source table."""
        for source in sources:
            if source["connectionSpec"]["id"] not in salesforce_link.SALESFORCE_SPECS:
                continue
            credentials = context.flowservice.connections.credentials(source["baseConnectionId"])
            table = salesforce_link.table(context.salesforce, credentials, source["params"]["tableName"], False)
            types = {c["name"].lower(): c["type"] for c in (table or {}).get("schema", {}).get("columns", [])}
            if types.get(column.lower()) not in DELTA_TYPES:
                raise schema_error(path, f"{column} is not a datetime column of {source['params']['tableName']} "
                                         "(use LastModifiedDate or SystemModstamp)")

    @staticmethod
    def _check_mapping(params: dict, context: Any, path: str) -> None:
        mapping_id = params.get("mappingId")
        if mapping_id is None:
            return
        mapping = context.sandbox.conversion.get(mapping_id)
        if mapping is None:
            raise FlowServiceError(400, UNKNOWN_REFERENCE, "Bad request",
                                   f"The mapping set {mapping_id} is not found.", {"path": f"{path}.mappingId"})
        version = params.get("mappingVersion")
        if version is not None and context.sandbox.conversion.get(mapping_id, version) is None:
            raise FlowServiceError(400, MAPPING_VERSION, "Bad request",
                                   f"mappingVersion {version} does not match version {mapping.version} of "
                                   f"mapping set {mapping_id}.", {"path": f"{path}.mappingVersion"})

    # -- what a flow item shows beyond its body ----------------------------------------------
    def derive(self, flow: dict, context: Any, operation: str, now_ms: int) -> None:
        """``inheritedAttributes``, ``runs`` and ``lastOperation`` from the flow's references."""
        service = context.flowservice
        spec = flow_specs.find(flow["flowSpec"]["id"]) or {}
        sources = []
        for source_id in flow["sourceConnectionIds"]:
            source = service.source_connections.items[source_id]
            item = {"id": source_id, "connectionSpec": dict(source["connectionSpec"])}
            base = service.connections.items.get(source.get("baseConnectionId"))
            if base is not None:
                item["baseConnection"] = {"id": base["id"], "connectionSpec": dict(base["connectionSpec"])}
            sources.append(item)
        targets = []
        for target_id in flow["targetConnectionIds"]:
            target = service.target_connections.items[target_id]
            item = {"id": target_id, "connectionSpec": dict(target["connectionSpec"])}
            base = service.connections.items.get(target.get("baseConnectionId"))
            if base is not None:  # a destination's target connection holds the credentials' base connection
                item["baseConnection"] = {"id": base["id"], "connectionSpec": dict(base["connectionSpec"])}
            targets.append(item)
        kind = "isDestinationFlow" if spec.get("attributes", {}).get("isDestinationFlow") else "isSourceFlow"
        flow["inheritedAttributes"] = {"sourceConnections": sources, "targetConnections": targets,
                                       "properties": {kind: True}}
        flow["runs"] = f"/runs?property=flowId=={flow['id']}"
        started = flow.get("lastOperation", {}).get("started", now_ms) if operation != "create" else now_ms
        flow["lastOperation"] = {"started": started, "updated": now_ms, "operation": operation}

    def base_connection_ids(self, flow: dict, context: Any) -> set[str]:
        inherited = flow.get("inheritedAttributes", {})
        return {c["baseConnection"]["id"] for c in [*inherited.get("sourceConnections", []),
                                                    *inherited.get("targetConnections", [])]
                if "baseConnection" in c}

    def check_unused(self, key: str, connection_id: str) -> None:
        users = [f["id"] for f in self.items.values() if connection_id in f.get(key, [])]
        if users:
            raise FlowServiceError(400, ACTIVE_FLOWS, "Bad request",
                                   f"Found active flows containing id {connection_id}: {', '.join(users)}.")
