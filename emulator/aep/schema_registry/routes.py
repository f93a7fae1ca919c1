"""Schema Registry: ``/data/foundation/schemaregistry/tenant/schemas`` (AEP-SR-1), per sandbox (AEP-ISO-1)."""
from __future__ import annotations

import base64
import copy
import hashlib
import re
from typing import Any
from urllib.parse import unquote

import jsonpatch
from flask import Blueprint, request

from ...core.http import empty_response, json_response
from ..platform_routes import backend, guard, json_object, now, now_ms, platform, read_json, required_text
from .errors import SchemaRegistryError
from .model import SchemaRegistry, refs_of, standard_components, without_text

bp = guard(Blueprint("aep_schema_registry", __name__, url_prefix="/data/foundation/schemaregistry"))
ACCEPT = re.compile(r"^\s*application/vnd\.adobe\.(xed|xdm)((?:-(?:full|notext|desc|flat|deprecated|id))*)\+json"
                    r"\s*(?:;\s*version\s*=\s*\"?([^;\s\"]*)\"?)?\s*$", re.IGNORECASE)
LIST_ACCEPT = re.compile(r"^\s*application/(?:vnd\.adobe\.(?:xed|xdm)(?:-id)?\+json|json)\s*(?:;.*)?$", re.IGNORECASE)
SUPPORTED_MAJOR = "1"
DEFAULT_LIST_LIMIT = 300
CLASS_BEHAVIOUR = {"https://ns.adobe.com/xdm/context/profile": "record"}


def error(status: int, code: str, title: str, message: str) -> SchemaRegistryError:
    return SchemaRegistryError(status, code, title, message, now())


def bad_body(message: str) -> SchemaRegistryError:
    return error(400, "1000", "Bad request", message)


def tenant_id() -> str:
    """The org's tenant id (``{TENANT_ID}`` in Adobe's examples): fixture ``aep.tenant_id`` or from the org id."""
    configured = backend().spec.get("tenant_id")
    if configured:
        return str(configured)
    return re.sub(r"[^a-z0-9]", "", platform().org_id.split("@")[0].lower()) or "tenant"


def registry() -> SchemaRegistry:
    return platform().sandbox.schemas


def _etag(document: dict) -> str:
    digest = hashlib.sha1(repr(sorted(document.items())).encode()).digest()
    return base64.b64encode(digest).decode()


def _validated(body: Any, same: str | None = None) -> tuple[dict, str, list[str]]:
    """The body, its class and its refs; the registry's 400 for anything else (``same``: the schema
    being replaced, whose own title does not count as taken)."""
    body = json_object(body, bad_body)
    title = required_text(body, "title", "The schema title is required.", bad_body)
    parts = body.get("allOf")
    if not isinstance(parts, list) or not parts or not all(
            isinstance(p, dict) and isinstance(p.get("$ref"), str) for p in parts):
        raise bad_body("allOf must be a non-empty list of {\"$ref\": \"<class or field group $id>\"} objects.")
    refs = refs_of(body)
    unknown = SchemaRegistry.unknown_refs(refs)
    if unknown:
        raise error(400, "1008", "Invalid reference",
                    f"The referenced resource {unknown[0]} is not found. A schema may only reference "
                    "existing classes and field groups.")
    components = standard_components()
    classes = [r for r in refs if components[r]["meta:type"] == "class"]
    meta_class = body.get("meta:class")
    if len(classes) != 1:
        raise bad_body("A schema must reference exactly one class in allOf.")
    if meta_class is not None and meta_class != classes[0]:
        raise bad_body(f"meta:class {meta_class} is not the class referenced in allOf ({classes[0]}).")
    for existing in registry().schemas.values():
        if existing["title"] == title and existing["$id"] != same:
            raise error(400, "1521", "Title not unique",
                        f"Object titles must be unique. An object {existing['$id']} already exists with the same title")
    return body, classes[0], refs


@bp.post("/tenant/schemas")
@bp.post("/tenant/schemas/")
def create_schema():
    raw = read_json(bad_body)
    call, aep = platform(), backend()
    with aep.lock:  # validated under the lock: title uniqueness
        body, meta_class, refs = _validated(raw)
        tenant, hex_id, stamp = tenant_id(), aep.ids.hex(32), now_ms()
        document = {
            "$id": f"https://ns.adobe.com/{tenant}/schemas/{hex_id}", "meta:altId": f"_{tenant}.schemas.{hex_id}",
            "meta:resourceType": "schemas", "version": "1.0", "title": body["title"],
            "type": "object", "description": body.get("description", ""),
            "allOf": [{"$ref": r} for r in refs],
            "imsOrg": call.org_id, "meta:extensible": False, "meta:abstract": False,
            "meta:extends": list(dict.fromkeys(refs)), "meta:xdmType": "object", "meta:class": meta_class,
            "meta:containerId": "tenant", "meta:tenantNamespace": f"_{tenant}",
            "meta:sandboxId": call.sandbox.id, "meta:sandboxType": "production" if call.sandbox.name == "prod"
            else "development", "meta:dataBehavior": CLASS_BEHAVIOUR.get(meta_class, "record")}
        document["meta:registryMetadata"] = {
            "repo:createdDate": stamp, "repo:lastModifiedDate": stamp, "xdm:createdClientId": call.client_id,
            "xdm:lastModifiedClientId": call.client_id, "xdm:createdUserId": call.actor,
            "xdm:lastModifiedUserId": call.actor, "eTag": _etag(document)}
        registry().add(document)
        shown = copy.deepcopy(document)
    return json_response(shown, 201)


def _accept() -> tuple[bool, bool]:
    """(full, notext) from a lookup's Accept header; XDM-1006/1007-400 or XDM-1012-404 otherwise."""
    accept = request.headers.get("Accept", "")
    match = ACCEPT.match(accept)
    if match is None:
        raise error(400, "1006", "Accept header invalid",
                    f"The supplied Accept header is not valid: {accept} - A valid Accept value should look like "
                    "application/vnd.adobe.{xed|xdm}+json; version={MAJOR_VERSION}")
    version = match.group(3)
    if not version:
        raise error(400, "1007", "Accept header invalid",
                    f"The supplied Accept header is not valid: {accept} - A version is required, e.g. "
                    "application/vnd.adobe.xed+json; version=1")
    if version.split(".")[0] != SUPPORTED_MAJOR:
        args = request.view_args or {}
        raise _unknown(unquote(str(args.get("schema_id") or args.get("component_id") or "")), version)
    flags = match.group(2).lower()
    return "-full" in flags, "-notext" in flags


def _unknown(schema_id: str, version: str = "1") -> SchemaRegistryError:
    return error(404, "1012", "Resource not found",
                 f"The requested schema resource {schema_id} with version {version} is not found.")


def _find(schema_id: str) -> dict:
    found = registry().find(unquote(schema_id))
    if found is None:
        raise _unknown(unquote(schema_id))
    return found


@bp.get("/tenant/schemas/<path:schema_id>")
def get_schema(schema_id: str):
    """By ``$id`` or ``meta:altId``, URL-encoded; ``-full`` resolves the field tree, ``-notext`` drops text."""
    full, notext = _accept()
    with backend().lock:
        document = copy.deepcopy(_find(schema_id))
        properties = registry().properties(document["$id"]) if full else None
    if full:
        document.pop("allOf", None)
        document["properties"] = without_text(properties) if notext else properties
    if notext:
        document.pop("description", None)
    return json_response(document)


def _revise(document: dict, body: Any) -> dict:
    """A new minor version of ``document`` from a full definition (PUT) or a patched one (PATCH)."""
    body, meta_class, refs = _validated(body, same=document["$id"])
    call = platform()
    major, _, minor = str(document["version"]).partition(".")
    revised = {**document, "title": body["title"], "description": body.get("description", ""),
               "allOf": [{"$ref": r} for r in refs], "meta:extends": list(dict.fromkeys(refs)),
               "meta:class": meta_class, "version": f"{major}.{int(minor or 0) + 1}"}
    revised["meta:registryMetadata"] = {**document["meta:registryMetadata"], "repo:lastModifiedDate": now_ms(),
                                        "xdm:lastModifiedClientId": call.client_id,
                                        "xdm:lastModifiedUserId": call.actor}
    revised["meta:registryMetadata"]["eTag"] = _etag({k: v for k, v in revised.items()
                                                      if k != "meta:registryMetadata"})
    return registry().add(revised)


@bp.put("/tenant/schemas/<path:schema_id>")
def replace_schema(schema_id: str):
    """A full new definition (aepp's ``putSchema`` / ``addFieldGroupToSchema``); ``$id`` kept, version + 0.1."""
    body = read_json(bad_body)
    with backend().lock:
        return json_response(copy.deepcopy(_revise(_find(schema_id), body)))


@bp.patch("/tenant/schemas/<path:schema_id>")
def patch_schema(schema_id: str):
    """JSON Patch over the schema (e.g. ``add /allOf/-`` a field group); the result is validated as a PUT."""
    operations = read_json(bad_body)
    if not isinstance(operations, list) or not all(isinstance(op, dict) for op in operations):
        raise bad_body("The request body must be a JSON Patch list of operations.")
    with backend().lock:
        document = _find(schema_id)
        try:
            patched = jsonpatch.apply_patch(copy.deepcopy(document), operations)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, ValueError) as error:
            raise bad_body(f"The patch cannot be applied: {error}") from None
        if isinstance(patched, dict) and isinstance(patched.get("allOf"), dict):
            patched["allOf"] = [*document["allOf"], patched["allOf"]]  # aepp's documented "add /allOf" shape
        return json_response(copy.deepcopy(_revise(document, patched)))


@bp.delete("/tenant/schemas/<path:schema_id>")
def delete_schema(schema_id: str):
    with backend().lock:
        document = _find(schema_id)
        schemas = registry()
        del schemas.schemas[document["$id"]]
        schemas.alt_ids.pop(document["meta:altId"], None)
    return empty_response(204)


def _matches(document: dict, condition: str) -> bool:
    """``path==value`` / ``path!=value`` over a top-level key (a list value matches by membership)."""
    for op in ("!=", "=="):
        if op in condition:
            key, _, value = condition.partition(op)
            actual = document.get(key.strip())
            hit = value.strip() in actual if isinstance(actual, list) else str(actual) == value.strip()
            return hit if op == "==" else not hit
    return bool(document.get(condition.strip()))


def _list_wants_summaries() -> bool:
    """A list's ``Accept``: ``xed-id`` (or plain JSON) asks for summaries, ``xed`` for whole documents."""
    accept = request.headers.get("Accept", "")
    if not LIST_ACCEPT.match(accept):
        raise error(400, "1006", "Accept header invalid",
                    f"The supplied Accept header is not valid: {accept} - A valid Accept value should look like "
                    "application/vnd.adobe.{xed|xdm}-id+json")
    return "-id+json" in accept.lower() or accept.strip().lower().startswith("application/json")


@bp.get("/tenant/schemas")
@bp.get("/tenant/schemas/")
def list_schemas():
    """``{"results", "_page", "_links"}``; ``xed-id`` gives summaries, ``xed`` whole documents."""
    summaries = _list_wants_summaries()
    try:
        start = int(request.args.get("start", "0"))
        limit = int(request.args.get("limit", str(DEFAULT_LIST_LIMIT)))
    except ValueError:
        raise bad_body("start and limit must be integers.") from None
    if start < 0 or not 1 <= limit <= DEFAULT_LIST_LIMIT:
        raise bad_body(f"limit must be between 1 and {DEFAULT_LIST_LIMIT}, start at least 0.")
    conditions = [c for c in request.args.getlist("property") if c.strip()]
    with backend().lock:
        documents = [d for d in registry().schemas.values() if all(_matches(d, c) for c in conditions)]
        documents = sorted(documents, key=lambda d: d["title"])
        page = copy.deepcopy(documents[start:start + limit])
    results = [{"$id": d["$id"], "meta:altId": d["meta:altId"], "version": d["version"], "title": d["title"]}
               if summaries else d for d in page]
    more = start + limit < len(documents)
    return json_response({"results": results,
                          "_page": {"orderby": "title", "next": str(start + limit) if more else None,
                                    "count": len(results)},
                          "_links": {"next": {"href": f"{request.path}?start={start + limit}&limit={limit}"}}
                          if more else {}})



# -- the global container: the standard classes and field groups, read-only ----------------------
GLOBAL_KINDS = {"classes": "class", "fieldgroups": "mixin", "mixins": "mixin"}


def _standard_document(component: dict, notext: bool = False) -> dict:
    """A standard component as the registry shows it; its field tree is already resolved data."""
    alt = "_" + component["$id"].split("://", 1)[-1].split("/", 1)[-1].replace("/", ".")
    document = {"$id": component["$id"], "meta:altId": alt, "meta:resourceType": component["meta:type"] + (
        "es" if component["meta:type"] == "class" else "s"), "version": "1.0", "title": component["title"],
                "type": "object", "meta:abstract": True, "meta:extensible": True, "meta:containerId": "global",
                "properties": without_text(component["properties"]) if notext else copy.deepcopy(
                    component["properties"])}
    if component.get("meta:extends"):
        document["meta:extends"] = list(component["meta:extends"])
    if notext:
        document.pop("title")
    return document


def _kind(kind: str) -> str:
    if kind not in GLOBAL_KINDS:
        raise error(404, "1010", "Resource not found", f"The requested resource type {kind} is not found.")
    return GLOBAL_KINDS[kind]


@bp.get("/global/<kind>")
@bp.get("/global/<kind>/")
def list_standard(kind: str):
    """``/global/classes`` and ``/global/fieldgroups`` (``/mixins``): the standard components, summaries."""
    wanted = _kind(kind)
    summaries = _list_wants_summaries()
    found = [_standard_document(c) for c in standard_components().values() if c["meta:type"] == wanted]
    results = [{k: d[k] for k in ("$id", "meta:altId", "version", "title")} if summaries else d for d in found]
    return json_response({"results": results, "_page": {"orderby": "title", "next": None, "count": len(results)},
                          "_links": {}})


@bp.get("/global/<kind>/<path:component_id>")
def get_standard(kind: str, component_id: str):
    wanted = _kind(kind)
    full, notext = _accept()
    del full  # a standard component's tree is stored resolved: every view shows it
    ref = unquote(component_id)
    for component in standard_components().values():
        if component["meta:type"] == wanted and ref in (component["$id"], _standard_document(component)["meta:altId"]):
            return json_response(_standard_document(component, notext))
    raise error(404, "1011" if wanted == "class" else "1013", "Resource not found",
                f"The requested {kind} resource {ref} with version 1 is not found.")
