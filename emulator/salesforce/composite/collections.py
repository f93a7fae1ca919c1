"""sObject Collections (SPEC SF-REST-6): create, update, upsert, delete and retrieve up to 200 records.

``/composite/sobjects`` answers 200 with one result per record, in request
order. Record-level problems become that record's ``errors`` (``statusCode``,
not ``errorCode``); request-level problems (more than 200 records, more than
10 type chunks, a malformed body) answer 400 with the usual error array. With
``allOrNone`` any failed record rolls back every write of the request and the
other records report ``ALL_OR_NONE_OPERATION_ROLLED_BACK``. The whole request
runs under the backend lock, so the rollback is atomic.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from flask import g, request

from ...core.http import json_response
from ...core.ids import normalize_id
from ..blueprint import sf_blueprint
from ..context import SfContext
from ..errors import ErrorDetail, SalesforceError, ValidationFailure
from ..sobjects.records import MultipleMatches, Records
from ..sobjects.render import render_record
from ..sobjects.requests_json import read_json
from ..sobjects.hot_routes import field_list
from ..sobjects.schema import SObjectSchema

bp = sf_blueprint("salesforce_collections", __name__)

MAX_RECORDS = 200
MAX_CHUNKS = 10
MAX_RETRIEVE = 2000
ROLLED_BACK = ErrorDetail("ALL_OR_NONE_OPERATION_ROLLED_BACK", "Record rolled back because not all records were "
                          "valid and the request was using AllOrNone header", [])


@dataclass
class Outcome:
    """What happened to one record: ``errors is None`` means success."""

    id: str | None
    errors: list[dict] | None = None
    created: bool | None = None
    keeps_id: bool = True  # a rolled-back result still names the record (not for creates)
    all_or_none: bool = False  # an upsert under allOrNone: failed and rolled-back rows carry created false

    def render(self) -> dict:
        body: dict[str, Any] = {} if self.id is None else {"id": self.id}
        body["success"] = self.errors is None
        body["errors"] = self.errors or []
        if self.created is not None and (self.errors is None or self.all_or_none):
            body["created"] = self.created and self.errors is None  # under allOrNone failed rows say false
        return body

    def rolled_back(self) -> Outcome:
        return Outcome(self.id if self.keeps_id else None, [ROLLED_BACK.record_result()],
                       False if self.created is not None else None, all_or_none=True)


class RecordProblem(Exception):
    """A record-level error found before the record reaches :class:`Records`."""

    def __init__(self, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.details = [ErrorDetail(code, message, fields or [])]


def bad_request(code: str, message: str) -> SalesforceError:
    return SalesforceError(400, code, message)


def too_many_records() -> SalesforceError:
    return bad_request("EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call")


def record_errors(problem: Exception) -> list[dict]:
    """The per-record error list of a record-level failure."""
    if isinstance(problem, MultipleMatches):
        return [ErrorDetail("DUPLICATE_EXTERNAL_ID",
                            f"more than one record found for external id field: {problem.ids}").record_result()]
    details = problem.details
    if isinstance(problem, SalesforceError) and problem.error_code == "NOT_FOUND":
        # a well-formed id of no live record: the real per-record answer for a purged or unknown row
        details = [ErrorDetail("ENTITY_IS_DELETED", "entity is deleted", [])]
    return [d.record_result() for d in details]


def parse_all_or_none(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise bad_request("JSON_PARSER_ERROR", f"Cannot deserialize value of type `boolean` from {value!r}: only "
                      "\"true\" or \"false\" recognized")


def read_records() -> tuple[list[dict], bool]:
    """``{"allOrNone", "records": [...]}`` from the body, with the 200-record cap."""
    body = read_json()
    if not isinstance(body, dict):
        raise bad_request("JSON_PARSER_ERROR", "Cannot deserialize instance of `SObjectCollectionsRequest` out of "
                          "the request body: expected a JSON object")
    records = body.get("records")
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise bad_request("JSON_PARSER_ERROR", "Cannot deserialize instance of `SObject[]`: records must be an "
                          "array of JSON objects")
    if len(records) > MAX_RECORDS:
        raise too_many_records()
    return records, parse_all_or_none(body.get("allOrNone"))


def record_type(record: dict) -> str | None:
    attributes = record.get("attributes")
    kind = attributes.get("type") if isinstance(attributes, dict) else None
    return kind if isinstance(kind, str) and kind else None


def check_chunks(records: list[dict]) -> None:
    """At most 10 runs of one type, counted in request order as Salesforce chunks them."""
    chunks, previous = 0, object()
    for record in records:
        kind = (record_type(record) or "").lower()
        if kind != previous:
            chunks, previous = chunks + 1, kind
    if chunks > MAX_CHUNKS:
        raise bad_request("INVALID_BATCH_REQUEST", "Cannot have more than 10 chunks in a single operation. Please "
                          "rearrange the data to reduce chunking.")


def typed(records: Records, record: dict) -> tuple[SObjectSchema, dict]:
    """The record's object and its field values (everything but ``attributes``)."""
    kind = record_type(record)
    if kind is None:
        raise RecordProblem("INVALID_TYPE", "Must send a concrete entity type.")
    schema = records.data.schema.get(kind)
    if schema is None:
        raise RecordProblem("INVALID_TYPE", f"sObject type '{kind}' is not supported.")
    return schema, {k: v for k, v in record.items() if k != "attributes"}


def pop_id(payload: dict) -> Any:
    """Remove and return the record's ``Id``/``id`` value (None when absent)."""
    value = None
    for key in [k for k in payload if isinstance(k, str) and k.lower() == "id"]:
        value = payload.pop(key)
    return value


def run(ctx: SfContext, items: list, operation: Callable[[Records, Any], Outcome],
        failed_id: Callable[[Any], str | None], all_or_none: bool, upsert: bool = False) -> list[dict]:
    """Apply ``operation`` to every item; roll the request back when allOrNone and any failed.

    Upsert results (``upsert``) carry ``created``; under allOrNone failed and rolled-back rows too (false).
    """
    records = ctx.records()
    mark = records.savepoint()
    outcomes: list[Outcome] = []
    for item in items:
        try:
            outcomes.append(operation(records, item))
        except (ValidationFailure, SalesforceError, RecordProblem) as problem:
            outcomes.append(Outcome(failed_id(item), record_errors(problem), False if upsert else None,
                                    all_or_none=all_or_none))
    if all_or_none and any(o.errors is not None for o in outcomes):
        records.rollback(mark)
        outcomes = [o if o.errors is not None else o.rolled_back() for o in outcomes]
    return [o.render() for o in outcomes]


# -- create / update / delete ---------------------------------------------------------------------------
def create_one(records: Records, record: dict) -> Outcome:
    schema, payload = typed(records, record)
    if pop_id(payload) not in (None, ""):
        raise RecordProblem("INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call", ["Id"])
    return Outcome(records.create(schema.name, payload)["Id"], keeps_id=False)


def update_one(records: Records, record: dict) -> Outcome:
    schema, payload = typed(records, record)
    record_id = pop_id(payload)
    if record_id in (None, ""):
        raise RecordProblem("MISSING_ARGUMENT", "Id not specified in an update call")
    if not isinstance(record_id, str):
        raise RecordProblem("MALFORMED_ID", f"{schema.label} ID: id value of incorrect type: {record_id}", ["Id"])
    return Outcome(records.update(schema.name, record_id, payload)["Id"])


def delete_one(records: Records, record_id: str) -> Outcome:
    normalized = normalize_id(record_id)
    schema = records.data.schema.by_prefix(normalized[:3]) if normalized else None
    if schema is None:
        raise RecordProblem("MALFORMED_ID", f"malformed id {record_id}")
    return Outcome(records.delete(schema.name, normalized)["Id"])


@bp.route("/<version>/composite/sobjects", methods=["POST", "PATCH", "DELETE"])
def collection(version: str):
    """POST creates, PATCH updates by Id, DELETE removes ``?ids=`` (SF-REST-6)."""
    ctx = g.sf
    if request.method == "DELETE":
        raw = request.args.get("ids", "")
        ids = [i.strip() for i in raw.split(",") if i.strip()]
        if not ids:
            raise bad_request("MISSING_ARGUMENT", "ids: required parameter missing")
        if len(ids) > MAX_RECORDS:
            raise too_many_records()
        all_or_none = parse_all_or_none(request.args.get("allOrNone"))
        with ctx.backend.lock:
            return json_response(run(ctx, ids, delete_one, normalize_id, all_or_none))
    records, all_or_none = read_records()
    check_chunks(records)
    operation = create_one if request.method == "POST" else update_one
    with ctx.backend.lock:
        return json_response(run(ctx, records, operation, lambda _record: None, all_or_none))


# -- upsert -----------------------------------------------------------------------------------------------
@bp.route("/<version>/composite/sobjects/<sobject>/<field_name>", methods=["PATCH"])
def upsert(version: str, sobject: str, field_name: str):
    """Create or update up to 200 records of one type by an external id field (SF-REST-6)."""
    ctx = g.sf
    with ctx.backend.lock:
        records = ctx.records()
        schema = records.schema(sobject)
        key_field = records.upsert_key(schema, field_name)
        items, all_or_none = read_records()

        def upsert_one(recs: Records, record: dict) -> Outcome:
            kind, payload = typed(recs, record) if record_type(record) else (schema, dict(record))
            payload.pop("attributes", None)
            if kind is not schema:
                raise RecordProblem("INVALID_TYPE", f"Record type {kind.name} does not match the URL "
                                    f"({schema.name})")
            keys = [k for k in payload if isinstance(k, str) and k.lower() == key_field.name.lower()]
            value = payload.pop(keys[-1]) if keys else None
            for extra in keys[:-1]:
                payload.pop(extra, None)
            if value is None or value == "" or isinstance(value, (dict, list, bool)):
                raise RecordProblem("MISSING_ARGUMENT", f"{key_field.name} not specified", [key_field.name])
            text = value if isinstance(value, str) else str(value)
            if key_field.type != "id":
                payload[key_field.name] = text
            record, created = recs.upsert(schema.name, key_field.name, text, payload)
            return Outcome(record["Id"], created=created)

        return json_response(run(ctx, items, upsert_one, lambda _record: None, all_or_none, upsert=True))


# -- retrieve ---------------------------------------------------------------------------------------------
@bp.route("/<version>/composite/sobjects/<sobject>", methods=["GET", "POST"])
def retrieve(version: str, sobject: str):
    """Records of one type by id: ``?ids=&fields=`` or a ``{"ids","fields"}`` body; null for unknown ids."""
    ctx = g.sf
    if request.method == "GET":
        ids = [i.strip() for i in request.args.get("ids", "").split(",") if i.strip()]
        raw_fields = request.args.get("fields", "")
    else:
        body = read_json()
        ids = body.get("ids") if isinstance(body, dict) else None
        fields = body.get("fields") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or not isinstance(
                fields, list) or not all(isinstance(f, str) for f in fields):
            raise bad_request("JSON_PARSER_ERROR", "Cannot deserialize the request body: ids and fields must be "
                              "arrays of strings")
        raw_fields = ",".join(fields)
    if not ids:
        raise bad_request("MISSING_ARGUMENT", "ids: required parameter missing")
    if len(ids) > MAX_RETRIEVE:
        raise bad_request("EXCEEDED_ID_LIMIT", f"record limit reached. cannot submit more than {MAX_RETRIEVE} "
                          "records into this call")
    with ctx.backend.lock:
        records = ctx.records()
        schema = records.schema(sobject)
        names = field_list(schema, raw_fields)
        if not names:
            raise bad_request("MISSING_ARGUMENT", "fields: required parameter missing")
        store = records.data.store(schema.name)
        found = []
        for raw in ids:
            normalized = normalize_id(raw)
            record = store.get(normalized) if normalized else None
            live = record is not None and not record["IsDeleted"]
            found.append(render_record(schema, record, version, names) if live else None)
        return json_response(found)
