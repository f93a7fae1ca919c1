"""Base, source and target connections (AEP-FS-2, AEP-FS-3) as :class:`~.resources.Collection` kinds."""
from __future__ import annotations

import copy
from typing import Any

from ..errors import FlowServiceError, bad_request
from . import connection_specs, flow_specs, salesforce_link
from .codes import INCOMPATIBLE, INVALID, UNKNOWN_REFERENCE
from .resources import Collection

MASK = "***"
DATA_LAKE_SPEC = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
PROFILE_SPEC = "8a9c3494-9708-43d7-ae3f-cda01e5030e1"  # the profile store a destination flow reads (no base)
SOURCE_FORMATS = ("delimited", "json", "parquet", "tabular")
TARGET_FORMATS = ("parquet_xdm", "delimited", "json", "parquet", "tabular")


def required_object(body: Any) -> dict:
    if not isinstance(body, dict):
        raise bad_request("1405", "The request body must be a JSON object.")
    return body


def spec_of(spec_ref: Any) -> dict:
    """The connection spec a ``connectionSpec`` reference names, or 1413-400."""
    spec_id = spec_ref.get("id") if isinstance(spec_ref, dict) else None
    if not isinstance(spec_id, str) or not spec_id:
        raise bad_request("1413", "connectionSpec.id is required.")
    spec = connection_specs.find_spec(spec_id)
    if spec is None:
        raise bad_request("1413", f"The connection spec {spec_id} is not found.")
    return spec


def spec_ref(spec: dict, given: dict) -> dict:
    return {"id": spec["id"], "version": str(given.get("version", spec["version"]))}


def named(body: dict, required: bool = True) -> dict:
    name = body.get("name")
    if (required or name is not None) and (not isinstance(name, str) or not name.strip()):
        raise bad_request(INVALID, "name is required.")
    description = body.get("description", "")
    if not isinstance(description, str):
        raise bad_request(INVALID, "description must be a string.")
    return {"name": name, "description": description}


def invalid(path: str, message: str) -> FlowServiceError:
    return FlowServiceError(400, INVALID, "Bad request", f"{path}: {message}", {"path": path})


class SpecCollection(Collection):
    """Resources that name a connection spec: ``build`` checks the body, the spec and the name, then
    ``build_fields`` adds what the kind needs."""

    not_updatable: tuple[str, ...] = ("/connectionSpec",)
    name_required = True

    def build(self, body: Any, context: Any) -> dict:
        body = required_object(body)
        spec = spec_of(body.get("connectionSpec"))
        return self.build_fields(body, spec, named(body, self.name_required), context)

    def build_fields(self, body: dict, spec: dict, fields: dict, context: Any) -> dict:
        """``fields`` (name and description) completed for this kind; raise on a bad body."""
        raise NotImplementedError


def enabled(fields: dict, body: dict, spec: dict, **more: Any) -> dict:
    """``fields`` with ``more``, then the spec reference and the ``enabled`` state."""
    fields.update(more, connectionSpec=spec_ref(spec, body["connectionSpec"]), state="enabled")
    return fields


class Connections(SpecCollection):
    """Base connections: credentials for one connection spec, checked against the emulated org."""

    kind = "connections"

    def build_fields(self, body: dict, spec: dict, fields: dict, context: Any) -> dict:
        problems = connection_specs.auth_problems(spec, body.get("auth"))
        if problems:
            raise bad_request(INVALID, "; ".join(problems))
        state, reason = self.test_state(spec, body.get("auth"), context)
        fields.update(connectionSpec=spec_ref(spec, body["connectionSpec"]), state=state,
                      auth=copy.deepcopy(body.get("auth")))
        if reason:
            fields["stateReason"] = reason
        return fields

    @staticmethod
    def test_state(spec: dict, auth: dict | None, context: Any) -> tuple[str, str | None]:
        """``enabled``, or ``failed`` with the reason, after checking the credentials."""
        if spec["id"] in salesforce_link.SALESFORCE_SPECS:
            reason = salesforce_link.check_credentials(context.salesforce, (auth or {}).get("params") or {})
            return ("failed", reason) if reason else ("enabled", None)
        if spec["id"] == salesforce_link.DESTINATION_SPEC:
            reason = salesforce_link.check_destination_credentials(context.salesforce,
                                                                   (auth or {}).get("params") or {})
            return ("failed", reason) if reason else ("enabled", None)
        return "enabled", None  # no emulated counterpart to log in to: well-formed credentials pass

    def shown(self, resource: dict, context: Any) -> dict:
        """Secret auth params masked."""
        shown = copy.deepcopy(resource)
        auth = shown.get("auth") or {}
        spec = connection_specs.find_spec(shown["connectionSpec"]["id"])
        params = auth.get("params")
        if spec is not None and isinstance(params, dict):
            for name in connection_specs.secret_params(spec, auth.get("specName")) & params.keys():
                params[name] = MASK
        return shown

    def check_delete(self, resource: dict, context: Any) -> None:
        users = [s["id"] for s in [*context.flowservice.source_connections.items.values(),
                                   *context.flowservice.target_connections.items.values()]
                 if s.get("baseConnectionId") == resource["id"]]
        users += [f["id"] for f in context.flowservice.flows.items.values()
                  if resource["id"] in context.flowservice.flows.base_connection_ids(f, context)]
        if users:
            raise FlowServiceError(400, "1418", "Bad request",
                                   f"The connection {resource['id']} is used by {', '.join(users)} and cannot be "
                                   "deleted.")

    def credentials(self, connection_id: str) -> dict:
        return dict(((self.get(connection_id).get("auth") or {}).get("params")) or {})


class SourceConnections(SpecCollection):
    """A table of the system behind a base connection (AEP-FS-3)."""

    kind = "sourceConnections"
    not_updatable = ("/connectionSpec", "/baseConnectionId")

    def build_fields(self, body: dict, spec: dict, fields: dict, context: Any) -> dict:
        if spec["id"] == PROFILE_SPEC:  # a destination flow's source: the sandbox's profile store
            data = body.get("data") if body.get("data") is not None else {"format": "json"}
            if not isinstance(data, dict) or data.get("format", "json") not in SOURCE_FORMATS:
                raise invalid("data.format", f"must be one of {', '.join(SOURCE_FORMATS)}")
            return enabled(fields, body, spec, data=copy.deepcopy(data), params={})
        base_id = base_connection(body, spec, context)["id"]
        data = body.get("data")
        if not isinstance(data, dict):
            raise invalid("data", "an object with format is required")
        if data.get("format") not in SOURCE_FORMATS:
            raise invalid("data.format", f"{data.get('format')!r} is not one of {', '.join(SOURCE_FORMATS)}")
        params = body.get("params") if body.get("params") is not None else {}
        if not isinstance(params, dict):
            raise invalid("params", "must be an object")
        if spec["id"] in salesforce_link.SALESFORCE_SPECS:
            self._check_table(params, context.flowservice.connections.credentials(base_id), context)
        return enabled(fields, body, spec, baseConnectionId=base_id, data=copy.deepcopy(data),
                       params=copy.deepcopy(params))

    @staticmethod
    def _check_table(params: dict, credentials: dict, context: Any) -> None:
        """``tableName`` an object of the org, every ``columns[].name`` one of its fields."""
        table_name = params.get("tableName")
        if not isinstance(table_name, str) or not table_name:
            raise invalid("params.tableName", "is required")
        table = salesforce_link.table(context.salesforce, credentials, table_name, False)
        if table is None:
            raise invalid("params.tableName", f"{table_name} is not an object of the Salesforce org")
        columns = params.get("columns", [])
        if not isinstance(columns, list):
            raise invalid("params.columns", "must be an array")
        known = {c["name"].lower() for c in table["schema"]["columns"]}
        for index, column in enumerate(columns):
            name = column.get("name") if isinstance(column, dict) else None
            if not isinstance(name, str) or name.lower() not in known:
                raise invalid(f"params.columns[{index}].name", f"{name!r} is not a field of {table_name}")

    def check_delete(self, resource: dict, context: Any) -> None:
        context.flowservice.flows.check_unused("sourceConnectionIds", resource["id"])


class TargetConnections(SpecCollection):
    """Where a flow writes: a dataset of the data lake (AEP-FS-3)."""

    kind = "targetConnections"
    name_required = False

    def build_fields(self, body: dict, spec: dict, fields: dict, context: Any) -> dict:
        if spec["id"] == salesforce_link.DESTINATION_SPEC:
            return self._destination(body, spec, fields, context)
        if spec["id"] != DATA_LAKE_SPEC:
            raise FlowServiceError(400, INCOMPATIBLE, "Bad request",
                                   f"The connection spec {spec['id']} is not a target connection spec.")
        data = body.get("data") if body.get("data") is not None else {}
        if not isinstance(data, dict):
            raise invalid("data", "must be an object")
        if "format" in data and data["format"] not in TARGET_FORMATS:
            raise invalid("data.format", f"{data['format']!r} is not one of {', '.join(TARGET_FORMATS)}")
        params = body.get("params")
        dataset_id = params.get("dataSetId") if isinstance(params, dict) else None
        if not isinstance(dataset_id, str) or not dataset_id:
            raise invalid("params.dataSetId", "is required")
        if not context.sandbox.catalog.has_dataset(dataset_id):
            raise FlowServiceError(400, UNKNOWN_REFERENCE, "Bad request",
                                   f"The dataset {dataset_id} is not found.", {"path": "params.dataSetId"})
        return enabled(fields, body, spec, data=copy.deepcopy(data), params=copy.deepcopy(params))

    @staticmethod
    def _destination(body: dict, spec: dict, fields: dict, context: Any) -> dict:
        """A Salesforce CRM destination: its base connection and the destination settings of the targetSpec."""
        base_id = base_connection(body, spec, context)["id"]
        params = body.get("params")
        found = flow_specs.problems(params, spec["targetSpec"]["spec"], "params")
        if found:
            raise invalid(*found[0])
        data = body.get("data") if body.get("data") is not None else {"format": "json"}
        if not isinstance(data, dict):
            raise invalid("data", "must be an object")
        return enabled(fields, body, spec, baseConnectionId=base_id, data=copy.deepcopy(data),
                       params=copy.deepcopy(params))

    def check_delete(self, resource: dict, context: Any) -> None:
        context.flowservice.flows.check_unused("targetConnectionIds", resource["id"])


def base_connection(body: dict, spec: dict, context: Any) -> dict:
    """The body's ``baseConnectionId``: it must exist in this sandbox and use the same connection spec."""
    base_id = body.get("baseConnectionId")
    if not isinstance(base_id, str) or not base_id:
        raise invalid("baseConnectionId", "is required")
    base = context.flowservice.connections.items.get(base_id)
    if base is None:
        raise FlowServiceError(400, UNKNOWN_REFERENCE, "Bad request",
                               f"The base connection {base_id} is not found.", {"path": "baseConnectionId"})
    if base["connectionSpec"]["id"] != spec["id"]:
        raise FlowServiceError(400, INCOMPATIBLE, "Bad request",
                               f"The base connection {base_id} uses connection spec "
                               f"{base['connectionSpec']['id']}, not {spec['id']}.")
    return base
