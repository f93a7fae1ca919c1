"""Conversion Service: ``/data/foundation/conversion/mappingSets`` (AEP-CONV-1), per sandbox (AEP-ISO-1).

Two body formats: the seed's ``{xdmSchema, mappings[{sourceAttribute, destinationXdmPath}]}`` and aepp's
``{outputSchema{schemaRef{id}}, mappings[{sourceType, source, destination}]}``. Destination paths are
checked against the schema always; source paths against ``inputSchema`` when ``validate`` is true and an
``inputSchema`` is given.
"""
from __future__ import annotations

import copy
from typing import Any

from flask import Blueprint, request

from ...core.http import json_response
from ..platform_routes import backend, guard, json_object, now_ms, platform, read_json
from ..schema_registry.model import SchemaRegistry, find_node
from .errors import bad_request, not_found
from .model import FieldMapping, MappingSet, MappingSets

bp = guard(Blueprint("aep_conversion", __name__, url_prefix="/data/foundation/conversion"))
SOURCE_TYPES = frozenset({"ATTRIBUTE"})
TRUE_FALSE = {"true": True, "false": False}


def mapping_sets() -> MappingSets:
    return platform().sandbox.conversion


def existing(mapping_set_id: str) -> MappingSet:
    """The sandbox's mapping set with that id, or the service's 404 (under the backend lock)."""
    found = mapping_sets().get(mapping_set_id)
    if found is None:
        raise not_found(mapping_set_id)
    return found


def _flag(name: str) -> bool:
    raw = request.args.get(name, "false").strip().lower()
    if raw not in TRUE_FALSE:
        raise bad_request(f"{name} must be true or false, not {request.args.get(name)!r}.", "1002")
    return TRUE_FALSE[raw]


def _schema_id(body: dict) -> str:
    output = body.get("outputSchema")
    if isinstance(output, dict):
        ref = output.get("schemaRef")
        schema_id = ref.get("id") if isinstance(ref, dict) else None
    else:
        schema_id = body.get("xdmSchema")
    if not isinstance(schema_id, str) or not schema_id:
        raise bad_request("The target schema is required: outputSchema.schemaRef.id (or xdmSchema).", "1003")
    return schema_id


def _field_mapping(index: int, entry: Any) -> FieldMapping:
    """One mapping in either format."""
    where = f"mappings[{index}]"
    if not isinstance(entry, dict):
        raise bad_request(f"{where} must be an object.", "1004", where)
    if "destinationXdmPath" in entry or "sourceAttribute" in entry:
        source, destination = entry.get("sourceAttribute"), entry.get("destinationXdmPath")
    else:
        source_type = str(entry.get("sourceType", "ATTRIBUTE")).upper()
        if source_type not in SOURCE_TYPES:
            raise bad_request(f"{where}.sourceType {entry.get('sourceType')!r} is not supported by the emulator "
                              "(ATTRIBUTE only).", "1005", f"{where}.sourceType")
        source, destination = entry.get("source"), entry.get("destination")
    if not isinstance(source, str) or not source.strip():
        raise bad_request(f"{where} has no source attribute.", "1004", f"{where}.source")
    if not isinstance(destination, str) or not destination.strip():
        raise bad_request(f"{where} has no destination path.", "1004", f"{where}.destination")
    namespace = entry.get("namespaceCode")
    return FieldMapping(source.strip(), destination.strip(), bool(entry.get("identity")),
                        namespace if isinstance(namespace, str) and namespace else None,
                        bool(entry.get("primaryIdentity") or entry.get("primary")))


def _source_paths(input_schema: Any, schemas: SchemaRegistry) -> dict | None:
    """The source field tree ``inputSchema`` describes: a tenant schema id, inline ``properties``, or
    ``columns`` as a source connection lists them. None when it describes nothing checkable."""
    if not isinstance(input_schema, dict):
        return None
    if isinstance(input_schema.get("columns"), list):
        return {str(c.get("name")): {"type": "string"} for c in input_schema["columns"] if isinstance(c, dict)}
    if isinstance(input_schema.get("properties"), dict):
        return input_schema["properties"]
    schema_id = input_schema.get("id") or (input_schema.get("schemaRef") or {}).get("id")
    if isinstance(schema_id, str):
        found = schemas.properties(schema_id)
        if found is None:
            raise bad_request(f"The input schema {schema_id} is not found.", "1006", "inputSchema.id")
        return found
    return None


def _checked(body: Any, validate: bool) -> tuple[str, list[FieldMapping]]:
    body = json_object(body, bad_request)
    schema_id = _schema_id(body)
    entries = body.get("mappings")
    if not isinstance(entries, list) or not entries:
        raise bad_request("mappings must be a non-empty list.", "1004", "mappings")
    mappings = [_field_mapping(i, e) for i, e in enumerate(entries)]
    schemas = platform().sandbox.schemas
    if not schemas.has_schema(schema_id):
        raise bad_request(f"The schema {schema_id} is not found.", "1003", "outputSchema.schemaRef.id")
    for index, mapping in enumerate(mappings):
        problem = schemas.path_problem(schema_id, mapping.destination)
        if problem:
            raise bad_request(problem, "1007", f"mappings[{index}].destination")
    sources = _source_paths(body.get("inputSchema"), schemas) if validate else None
    if sources is not None:
        for index, mapping in enumerate(mappings):
            if find_node(sources, mapping.source) is None:
                raise bad_request(f"The source attribute {mapping.source} is not a field of the input schema.",
                                  "1008", f"mappings[{index}].source")
    return schema_id, mappings


def _document(mapping_set_id: str, version: int, schema_id: str, mappings: list[FieldMapping], body: dict,
              created: int, stamp: int, created_by: str, actor: str) -> dict:
    """What ``GET /mappingSets/{id}`` returns: the set, its output schema and mappings in both spellings."""
    content_type = ((body.get("outputSchema") or {}).get("schemaRef") or {}).get(
        "contentType", "application/vnd.adobe.xed-full+json;version=1") \
        if isinstance(body.get("outputSchema"), dict) else "application/vnd.adobe.xed-full+json;version=1"
    return {
        "id": mapping_set_id, "version": version, "createdDate": created, "modifiedDate": stamp,
        "createdBy": created_by, "modifiedBy": actor, "status": "ENABLED", **platform().stamp(),
        "inputSchema": copy.deepcopy(body.get("inputSchema")),
        "outputSchema": {"schemaRef": {"id": schema_id, "contentType": content_type}},
        "xdmSchema": schema_id, "xdmVersion": str(body.get("xdmVersion", "1.0")),
        "mappings": [{"id": f"{mapping_set_id[:24]}{i:08x}", "version": version, "sourceType": "ATTRIBUTE",
                      "source": m.source, "destination": m.destination, "sourceAttribute": m.source,
                      "destinationXdmPath": m.destination, "identity": m.identity, "identityGroup": None,
                      "namespaceCode": m.namespace, "primaryIdentity": m.primary,
                      "createdDate": created, "modifiedDate": stamp, "createdBy": created_by, "modifiedBy": actor}
                     for i, m in enumerate(mappings)]}


def _answer(found: MappingSet) -> dict:
    document = found.document
    return {k: document[k] for k in ("id", "version", "createdDate", "modifiedDate", "createdBy", "modifiedBy")}


@bp.post("/mappingSets")
def create_mapping_set():
    """200 ``{id, version, createdDate, modifiedDate, createdBy, modifiedBy}``."""
    validate = _flag("validate")
    body = read_json(bad_request)
    call, aep = platform(), backend()
    with aep.lock:
        schema_id, mappings = _checked(body, validate)
        mapping_set_id, stamp = aep.ids.hex(32), now_ms()
        document = _document(mapping_set_id, 0, schema_id, mappings, body, stamp, stamp, call.actor, call.actor)
        found = mapping_sets().add(MappingSet(mapping_set_id, 0, schema_id, mappings, document))
        return json_response(_answer(found))


@bp.put("/mappingSets/<mapping_set_id>")
def update_mapping_set(mapping_set_id: str):
    """A new version of the set (version + 1), same answer shape as a create."""
    body = read_json(bad_request)
    call, aep = platform(), backend()
    with aep.lock:
        current = existing(mapping_set_id)
        schema_id, mappings = _checked(body, _flag("validate"))
        version = current.version + 1
        document = _document(mapping_set_id, version, schema_id, mappings, body,
                             current.document["createdDate"], now_ms(), current.document["createdBy"], call.actor)
        found = mapping_sets().add(MappingSet(mapping_set_id, version, schema_id, mappings, document))
        return json_response(_answer(found))


@bp.get("/mappingSets/<mapping_set_id>")
def get_mapping_set(mapping_set_id: str):
    with backend().lock:
        return json_response(copy.deepcopy(existing(mapping_set_id).document))


@bp.get("/mappingSets/<mapping_set_id>/mappings")
def get_mapping_set_mappings(mapping_set_id: str):
    with backend().lock:
        return json_response(copy.deepcopy(existing(mapping_set_id).document["mappings"]))


@bp.get("/mappingSets")
def list_mapping_sets():
    """``{"data": [...], "_page": {"count", "limit", "start"}}``, paged by ``limit`` and ``start``."""
    try:
        limit, start = int(request.args.get("limit", "50")), int(request.args.get("start", "0"))
    except ValueError:
        raise bad_request("limit and start must be integers.", "1002") from None
    if limit < 1 or start < 0:
        raise bad_request("limit must be at least 1 and start at least 0.", "1002")
    with backend().lock:
        documents = [copy.deepcopy(s.document) for s in mapping_sets().sets.values()]
    return json_response({"data": documents[start:start + limit],
                          "_page": {"count": len(documents), "limit": limit, "start": start}})
