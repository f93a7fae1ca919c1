"""Hot-path sObject routes served by the front dispatcher (SF-REST-4).

``POST /sobjects/{T}`` and ``GET|PATCH|DELETE /sobjects/{T}/{id}`` are what
clients call thousands of times, so they skip Flask's per-request machinery;
they use the same context, records and renderers as every other route.
"""
from __future__ import annotations

from ...core.routes import Answer, LeanRequest, RouteRegistry, json_answer
from ..context import SfContext, authorize_call
from ..errors import SalesforceError, ValidationFailure
from .recent import touch
from .render import render_record
from .requests_json import parse_json
from .schema import SObjectSchema

PREFIX = "/services/data/<version>/sobjects/<sobject>"


def _context(emulator, request: LeanRequest, version: str) -> SfContext:
    return authorize_call(emulator, version, request.header("Authorization"), request.content_length,
                          request.environ)


def field_list(schema: SObjectSchema, raw: str | None) -> list[str] | None:
    """``?fields=a,b`` as canonical names; INVALID_FIELD for an unknown one."""
    if not raw:
        return None
    names = []
    for name in (n.strip() for n in raw.split(",") if n.strip()):
        field_def = schema.field(name)
        if field_def is None:
            raise SalesforceError(400, "INVALID_FIELD", f"No such column '{name}' on entity '{schema.name}'. If "
                                  "you are attempting to use a custom field, be sure to append the '__c' after the "
                                  "custom field name. Please reference your WSDL or the describe call for the "
                                  "appropriate names.")
        names.append(field_def.name)
    return names


def register(routes: RouteRegistry, emulator) -> None:
    """Add the hot sObject routes to the app's route registry."""
    def create(request: LeanRequest, version: str, sobject: str) -> Answer:
        ctx = _context(emulator, request, version)
        try:
            with ctx.backend.lock:
                records = ctx.records()
                schema = records.schema(sobject)
                payload = parse_json(request.content_type, request.body())
                try:
                    record = records.create(schema.name, payload)
                except ValidationFailure as failure:
                    raise failure.as_rest_error() from None
            return json_answer({"id": record["Id"], "success": True, "errors": []}, 201,
                               [("Location", f"/services/data/{version}/sobjects/{schema.name}/{record['Id']}")])
        finally:
            ctx.release()

    def row(request: LeanRequest, version: str, sobject: str, record_id: str) -> Answer:
        ctx = _context(emulator, request, version)
        try:
            with ctx.backend.lock:
                records = ctx.records()
                schema = records.schema(sobject)
                if request.method == "GET":
                    record = records.live(schema, record_id, on_get=True)
                    touch(records.data, ctx.session.user_id, schema.name, record["Id"])
                    return json_answer(render_record(schema, record, version,
                                                     field_list(schema, request.arg("fields"))))
                try:
                    if request.method == "PATCH":
                        records.update(schema.name, record_id,
                                       parse_json(request.content_type, request.body()))
                    else:
                        records.delete(schema.name, record_id)
                except ValidationFailure as failure:
                    raise failure.as_rest_error() from None
            return 204, [], b""
        finally:
            ctx.release()

    routes.add_hot(PREFIX, {"POST": create}, "salesforce_hot.create")
    routes.add_hot(PREFIX + "/<record_id>", {"GET": row, "PATCH": row, "DELETE": row}, "salesforce_hot.row")
