"""Flow Service over HTTP (AEP-FS-1..6), per org and sandbox (AEP-ISO-1): thin routes over :mod:`.model`.

Each route reads the request (body, If-Match, list parameters, the request's
``now``), calls the sandbox's :class:`~.model.FlowService` under the backend
lock and renders the answer; every rule lives in the model modules.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from flask import Blueprint, current_app, g, request

from ...core.front import NOW_ENVIRON_KEY
from ...core.http import empty_response, json_response, loads_json
from ..backend import AepBackend
from ..errors import bad_request, not_found
from ..gateway import PlatformCall, authorize_platform
from . import connection_specs, flow_specs, salesforce_link
from .model import Context, FlowService
from .resources import Caller, Collection, list_page

bp = Blueprint("aep_flowservice", __name__, url_prefix="/data/foundation/flowservice")
ROOT = "/data/foundation/flowservice"


def backend() -> AepBackend:
    return current_app.extensions["emulator"].aep


def platform() -> PlatformCall:
    return g.aep_platform


def service() -> FlowService:
    return platform().sandbox.flowservice


def context() -> Context:
    return Context(platform().sandbox, current_app.extensions["emulator"].salesforce)


def caller() -> Caller:
    call = platform()
    return Caller(call.client_id, call.org_id, call.sandbox.id, call.sandbox.name)


def now() -> datetime:
    """The clock as read once when the request arrived."""
    return request.environ.get(NOW_ENVIRON_KEY) or backend().now()


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


def params() -> list[tuple[str, str]]:
    return list(request.args.items(multi=True))


def list_path() -> str:
    """``next.href`` is relative to the Flow Service root (aepp appends it to its endpoint)."""
    return request.path[len(ROOT):] or "/"


def created(resource: dict) -> Any:
    return json_response({"id": resource["id"], "etag": resource["etag"]}, 201,
                         {"Location": f"{request.path}/{resource['id']}"})


# -- shared CRUD for the plain collections ---------------------------------------------------
COLLECTIONS = {"connections": "connections", "sourceConnections": "source_connections",
               "targetConnections": "target_connections"}
# written through the FlowService (a write there touches other resources); read like the others
SERVICE_WRITTEN = {"flows": "flows", "runs": "runs"}


def collection(kind: str) -> Collection:
    return getattr(service(), COLLECTIONS.get(kind) or SERVICE_WRITTEN[kind])


def _register_reads(kind: str) -> None:
    def list_all():
        with backend().lock:
            return json_response(collection(kind).listed(context(), params(), list_path()))

    def get_one(resource_id: str):
        with backend().lock:
            found = collection(kind)
            return json_response({"items": [found.shown(found.get(i), context()) for i in _ids(resource_id)]})

    bp.add_url_rule(f"/{kind}", f"list_{kind}", list_all, methods=["GET"])
    bp.add_url_rule(f"/{kind}/<resource_id>", f"get_{kind}", get_one, methods=["GET"])


def _register(kind: str) -> None:
    _register_reads(kind)

    def create_one():
        body = read_json()
        with backend().lock:
            return created(collection(kind).create(body, context(), caller(), backend().id_source(), now()))

    def patch_one(resource_id: str):
        operations = read_json()
        with backend().lock:
            patched = collection(kind).patch(resource_id, request.headers.get("If-Match"), operations, context(),
                                             caller(), backend().id_source(), now())
            return json_response({"id": resource_id, "etag": patched["etag"]})

    def delete_one(resource_id: str):
        with backend().lock:
            collection(kind).delete(resource_id, context())
        return empty_response(204)

    bp.add_url_rule(f"/{kind}", f"create_{kind}", create_one, methods=["POST"])
    bp.add_url_rule(f"/{kind}/<resource_id>", f"patch_{kind}", patch_one, methods=["PATCH"])
    bp.add_url_rule(f"/{kind}/<resource_id>", f"delete_{kind}", delete_one, methods=["DELETE"])


def _ids(resource_id: str) -> list[str]:
    """``GET /x/{id}`` also takes a comma-separated list of ids."""
    return [i.strip() for i in resource_id.split(",") if i.strip()] or [resource_id]


for _kind in COLLECTIONS:
    _register(_kind)
for _kind in SERVICE_WRITTEN:
    _register_reads(_kind)


# -- specs (shared by every org and sandbox) -------------------------------------------------
def _register_specs(kind: str, all_specs: Callable[[], list[dict]], find: Callable[[str], dict | None]) -> None:
    def list_specs():
        return json_response(list_page(all_specs(), params(), list_path()))

    def get_specs(spec_id: str):
        found = []
        for wanted in _ids(spec_id):
            spec = find(wanted)
            if spec is None:
                raise not_found(kind, wanted)
            found.append(spec)
        return json_response({"items": found})

    bp.add_url_rule(f"/{kind}", f"list_{kind}", list_specs, methods=["GET"])
    bp.add_url_rule(f"/{kind}/<spec_id>", f"get_{kind}", get_specs, methods=["GET"])


_register_specs("connectionSpecs", connection_specs.all_specs, connection_specs.find_spec)
_register_specs("flowSpecs", flow_specs.all_specs, flow_specs.find)


# -- base connection extras ------------------------------------------------------------------
@bp.get("/connections/<connection_id>/test")
def test_connection(connection_id: str):
    with backend().lock:
        connections = service().connections
        connection = connections.get(connection_id)
        spec = connection_specs.find_spec(connection["connectionSpec"]["id"]) or {"id": ""}
        state, reason = connections.test_state(spec, connection.get("auth"), context())
        connection["state"] = state
        if reason:
            connection["stateReason"] = reason
        else:
            connection.pop("stateReason", None)
    return json_response({"result": state == "enabled", **({"reason": reason} if reason else {})})


@bp.get("/connections/<connection_id>/explore")
def explore_connection(connection_id: str):
    with backend().lock:
        connection = service().connections.get(connection_id)
        spec_id = connection["connectionSpec"]["id"]
        credentials = service().connections.credentials(connection_id)
    if spec_id not in salesforce_link.SALESFORCE_SPECS:
        raise bad_request("1402", "Explore is emulated for Salesforce connections only.")
    salesforce = current_app.extensions["emulator"].salesforce
    object_type = request.args.get("objectType", "root")
    if object_type == "root":
        return json_response(salesforce_link.root_objects(salesforce, credentials))
    if object_type != "table" or not request.args.get("object"):
        raise bad_request("1402", "objectType must be root, or table with an object parameter.")
    preview = request.args.get("preview", "false").lower() == "true"
    found = salesforce_link.table(salesforce, credentials, request.args["object"], preview)
    if found is None:
        raise not_found("objects", request.args["object"])
    return json_response(found)


# -- flows -----------------------------------------------------------------------------------
@bp.post("/flows")
def create_flow():
    body = read_json()
    with backend().lock:
        return created(service().create_flow(body, context(), caller(), backend().id_source(), now()))


@bp.patch("/flows/<flow_id>")
def patch_flow(flow_id: str):
    operations = read_json()
    with backend().lock:
        flow = service().patch_flow(flow_id, request.headers.get("If-Match"), operations, context(), caller(),
                                    backend().id_source(), now())
        return json_response({"id": flow_id, "etag": flow["etag"]})


@bp.delete("/flows/<flow_id>")
def delete_flow(flow_id: str):
    with backend().lock:
        service().delete_flow(flow_id, context())
    return empty_response(204)


@bp.post("/flows/<flow_id>/action")
def flow_action(flow_id: str):
    """``op=enable|disable``: no body, no Content-Type and no If-Match needed (aepp sends none)."""
    with backend().lock:
        flow = service().act(flow_id, request.args.get("op"), context(), caller(), backend().id_source(), now())
        return json_response({"id": flow_id, "etag": flow["etag"]})


# -- runs ------------------------------------------------------------------------------------
@bp.post("/runs")
def create_run():
    body = read_json()
    with backend().lock:
        run = service().request_run(body, context(), caller(), backend().id_source(), now())
        return json_response({"items": [{"id": run["id"], "etag": run["etag"]}]}, 201)
