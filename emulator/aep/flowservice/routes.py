"""Flow Service: connection specs and base connections (AEP-FS-1, AEP-FS-2), per org and sandbox (AEP-ISO-1)."""
from __future__ import annotations

import copy
from typing import Any

import jsonpatch
from flask import Blueprint, current_app, g, request

from ...core.http import json_response, empty_response, loads_json
from . import connection_specs
from . import salesforce_link
from ..backend import AepBackend
from ..errors import FlowServiceError, bad_request, not_found
from ..gateway import PlatformCall, authorize_platform
from .listing import ListQueryError, list_resources

bp = Blueprint("aep_flowservice", __name__, url_prefix="/data/foundation/flowservice")
PATCH_OPS = frozenset({"add", "replace", "remove"})
NOT_UPDATABLE = ("/connectionSpec", "/id", "/createdAt", "/createdBy", "/createdClient", "/imsOrgId",
                 "/sandboxId", "/sandboxName", "/etag", "/version")
MASK = "***"


def backend() -> AepBackend:
    return current_app.extensions["emulator"].aep


def platform() -> PlatformCall:
    return g.aep_platform


@bp.before_request
def _gateway() -> None:
    g.aep_platform = authorize_platform(backend(), request.headers, request.method,
                                        bool(request.get_data(cache=True)))


def read_json() -> Any:
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise bad_request("1405", "The request body is empty.")
    try:
        return loads_json(raw)
    except ValueError:
        raise bad_request("1405", "The request body is not valid JSON.") from None


def listed(items: list[dict], case_insensitive: frozenset[str] = frozenset()) -> dict:
    try:
        return list_resources(items, list(request.args.items(multi=True)), request.path,
                              case_insensitive_paths=case_insensitive)
    except ListQueryError as error:
        raise bad_request(error.code, error.message) from None


def now_ms() -> int:
    return int(backend().now().timestamp() * 1000)


# -- connection specs (shared by every org and sandbox) -------------------------------------
@bp.get("/connectionSpecs")
def list_connection_specs():
    return json_response(listed(connection_specs.all_specs()))


@bp.get("/connectionSpecs/<spec_id>")
def get_connection_spec(spec_id: str):
    ids = [s.strip() for s in spec_id.split(",") if s.strip()]
    found = [connection_specs.find_spec(i) for i in ids]
    if not found or any(s is None for s in found):
        missing = next((i for i, s in zip(ids, found) if s is None), spec_id)
        raise not_found("connectionSpecs", missing)
    return json_response({"items": found})


# -- base connections --------------------------------------------------------------------------
def _shown(connection: dict) -> dict:
    """A connection as the API returns it: secret auth params masked."""
    shown = copy.deepcopy(connection)
    auth = shown.get("auth") or {}
    spec = connection_specs.find_spec(shown["connectionSpec"]["id"])
    params = auth.get("params")
    if spec is not None and isinstance(params, dict):
        for name in connection_specs.secret_params(spec, auth.get("specName")) & params.keys():
            params[name] = MASK
    return shown


def _connection(connection_id: str) -> dict:
    found = platform().sandbox.connections.get(connection_id)
    if found is None:
        raise not_found("connections", connection_id)
    return found


def _spec_or_error(spec_ref: Any) -> dict:
    spec_id = spec_ref.get("id") if isinstance(spec_ref, dict) else None
    if not isinstance(spec_id, str) or not spec_id:
        raise bad_request("1413", "connectionSpec.id is required.")
    spec = connection_specs.find_spec(spec_id)
    if spec is None:
        raise bad_request("1413", f"The connection spec {spec_id} is not found.")
    return spec


def _test_state(spec: dict, auth: dict | None) -> tuple[str, str | None]:
    """``enabled``, or ``failed`` with the reason, after checking the credentials."""
    if spec["id"] in salesforce_link.SALESFORCE_SPECS:
        reason = salesforce_link.check_credentials(current_app.extensions["emulator"].salesforce,
                                                   (auth or {}).get("params") or {})
        return ("failed", reason) if reason else ("enabled", None)
    return "enabled", None  # no emulated counterpart to log in to: well-formed credentials pass


def _validated(body: Any) -> tuple[dict, dict]:
    if not isinstance(body, dict):
        raise bad_request("1405", "The request body must be a JSON object.")
    spec = _spec_or_error(body.get("connectionSpec"))
    if not isinstance(body.get("name"), str) or not body["name"].strip():
        raise bad_request("1402", "name is required.")
    problems = connection_specs.auth_problems(spec, body.get("auth"))
    if problems:
        raise bad_request("1402", "; ".join(problems))
    return body, spec


@bp.post("/connections")
def create_connection():
    body, spec = _validated(read_json())
    call, aep = platform(), backend()
    with aep.lock:
        connection_id, etag, stamp = aep.new_uuid(), aep.new_etag(), now_ms()
        state, reason = _test_state(spec, body.get("auth"))
        connection = {
            "id": connection_id, "createdAt": stamp, "updatedAt": stamp, "createdBy": call.actor,
            "updatedBy": call.actor, "createdClient": call.client_id, "updatedClient": call.client_id,
            **call.stamp(), "name": body["name"], "description": body.get("description", ""),
            "connectionSpec": {"id": spec["id"], "version": body["connectionSpec"].get("version", spec["version"])},
            "state": state, "auth": copy.deepcopy(body.get("auth")), "version": etag, "etag": etag}
        if reason:
            connection["stateReason"] = reason
        call.sandbox.connections[connection_id] = connection
    return json_response({"id": connection_id, "etag": etag}, 201,
                         {"Location": f"{request.path}/{connection_id}"})


@bp.get("/connections")
def list_connections():
    with backend().lock:
        items = [_shown(c) for c in reversed(platform().sandbox.connections.values())]
    return json_response(listed(items))


@bp.get("/connections/<connection_id>")
def get_connection(connection_id: str):
    with backend().lock:
        return json_response({"items": [_shown(_connection(connection_id))]})


@bp.patch("/connections/<connection_id>")
def patch_connection(connection_id: str):
    if_match = request.headers.get("If-Match")
    if not if_match:
        raise bad_request("1403", "The If-Match header is required for PATCH.")
    operations = read_json()
    if not isinstance(operations, list) or not all(isinstance(op, dict) for op in operations):
        raise bad_request("1405", "The request body must be a JSON Patch list of operations.")
    call, aep = platform(), backend()
    with aep.lock:
        connection = _connection(connection_id)
        if if_match.strip() not in (connection["etag"], connection["etag"].strip('"')):
            raise FlowServiceError(412, "1404", "Precondition failed",
                                   f"The etag {if_match} does not match the current etag of connection "
                                   f"{connection_id}.")
        for op in operations:
            if op.get("op") not in PATCH_OPS:
                raise bad_request("1434", f"The patch operation {op.get('op')!r} is not supported.")
            path = str(op.get("path", ""))
            if any(path == p or path.startswith(p + "/") for p in NOT_UPDATABLE):
                raise bad_request("1414", f"The path {path} is not updatable.")
        try:
            patched = jsonpatch.apply_patch(connection, operations)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as error:
            raise bad_request("1434", f"The patch cannot be applied: {error}") from None
        _validated(patched)
        etag = aep.new_etag()
        patched.update(updatedAt=now_ms(), updatedBy=call.actor, updatedClient=call.client_id,
                       etag=etag, version=etag)
        call.sandbox.connections[connection_id] = patched
    return json_response({"id": connection_id, "etag": etag})


@bp.delete("/connections/<connection_id>")
def delete_connection(connection_id: str):
    with backend().lock:
        _connection(connection_id)
        del platform().sandbox.connections[connection_id]
    return empty_response(204)


@bp.get("/connections/<connection_id>/test")
def test_connection(connection_id: str):
    aep = backend()
    with aep.lock:
        connection = _connection(connection_id)
        spec = _spec_or_error(connection["connectionSpec"])
        state, reason = _test_state(spec, connection.get("auth"))
        connection["state"] = state
        if reason:
            connection["stateReason"] = reason
        else:
            connection.pop("stateReason", None)
    return json_response({"result": state == "enabled", **({"reason": reason} if reason else {})})


@bp.get("/connections/<connection_id>/explore")
def explore_connection(connection_id: str):
    with backend().lock:
        connection = copy.deepcopy(_connection(connection_id))
    if connection["connectionSpec"]["id"] not in salesforce_link.SALESFORCE_SPECS:
        raise bad_request("1402", "Explore is emulated for Salesforce connections only.")
    params = (connection.get("auth") or {}).get("params") or {}
    salesforce = current_app.extensions["emulator"].salesforce
    object_type = request.args.get("objectType", "root")
    if object_type == "root":
        return json_response(salesforce_link.root_objects(salesforce, params))
    if object_type != "table" or not request.args.get("object"):
        raise bad_request("1402", "objectType must be root, or table with an object parameter.")
    preview = request.args.get("preview", "false").lower() == "true"
    found = salesforce_link.table(salesforce, params, request.args["object"], preview)
    if found is None:
        raise not_found("objects", request.args["object"])
    return json_response(found)
