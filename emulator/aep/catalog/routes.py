"""Catalog: ``/data/foundation/catalog/dataSets`` and ``/batches`` (AEP-CAT-1), per sandbox (AEP-ISO-1);
and the harness-only read of a dataset's rows under ``/__emulator/aep``."""
from __future__ import annotations

import copy
import re
from typing import Any

import jsonpatch
from flask import Blueprint, request

from ...core.admin import AdminError, current_emulator, require_admin_token
from ...core.http import json_response
from ..platform_routes import backend, guard, json_object, now, now_ms, platform, read_json, required_text
from .errors import bad_request, not_found
from .listing import page
from .model import Catalog, new_dataset_id

bp = guard(Blueprint("aep_catalog", __name__, url_prefix="/data/foundation/catalog"))
admin_bp = Blueprint("aep_catalog_admin", __name__, url_prefix="/__emulator/aep")
admin_bp.before_request(require_admin_token)
BEHAVIOUR = {"https://ns.adobe.com/xdm/context/profile": "record",
             "https://ns.adobe.com/xdm/context/experienceevent": "time-series"}


def catalog() -> Catalog:
    return platform().sandbox.catalog


def _table_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "dataset"


def _validated(body: Any) -> dict:
    body = json_object(body, bad_request)
    required_text(body, "name", "name is required.", bad_request)
    ref = body.get("schemaRef")
    if not isinstance(ref, dict) or not isinstance(ref.get("id"), str) or not ref["id"]:
        raise bad_request("schemaRef.id is required: a dataset is created from an XDM schema.")
    content_type = ref.get("contentType")
    if content_type is not None and (not isinstance(content_type, str)
                                     or not content_type.startswith("application/vnd.adobe.")):
        raise bad_request(f"schemaRef.contentType {content_type!r} is not valid: use "
                          "application/vnd.adobe.xed-full+json;version=1.")
    if body.get("tags") is not None and not isinstance(body["tags"], dict):
        raise bad_request("tags must be an object of string lists.")
    return body


@bp.post("/dataSets")
def create_dataset():
    """201 ``["@/dataSets/<24-hex id>"]``; the schema must exist in this sandbox."""
    body = _validated(read_json(bad_request))
    call, aep = platform(), backend()
    with aep.lock:
        schema = call.sandbox.schemas.find(body["schemaRef"]["id"])
        if schema is None:
            raise bad_request(f"The schema {body['schemaRef']['id']} referenced by schemaRef.id is not found.",
                              "1405")
        dataset_id, stamp = new_dataset_id(aep.ids, now()), now_ms()
        tags = {"adobe/pqs/table": [_table_name(body["name"])], "adobe/siphon/table/format": ["parquet"],
                **{str(k): v if isinstance(v, list) else [v] for k, v in (body.get("tags") or {}).items()}}
        document = {
            "name": body["name"], "description": body.get("description", ""), "imsOrg": call.org_id,
            "sandboxId": call.sandbox.id, "sandboxName": call.sandbox.name,
            "tags": tags, "version": "1.0.0", "created": stamp, "updated": stamp,
            "createdClient": call.client_id, "createdUser": call.actor, "updatedUser": call.actor,
            "classification": {"dataBehavior": BEHAVIOUR.get(schema["meta:class"], "record"),
                               "managedBy": "CUSTOMER"},
            "viewId": dataset_id, "state": "DRAFT", "files": f"@/dataSetFiles?dataSetId={dataset_id}",
            "schemaRef": {"id": schema["$id"],
                          "contentType": body["schemaRef"].get("contentType",
                                                               "application/vnd.adobe.xed-full+json;version=1")},
            "fileDescription": body.get("fileDescription") if isinstance(body.get("fileDescription"), dict)
            else {"persisted": True, "containerFormat": "parquet", "format": "parquet"},
            "requestDataSource": request.args.get("requestDataSource", "false").lower() == "true"}
        catalog().add_dataset(dataset_id, document)
    return json_response([f"@/dataSets/{dataset_id}"], 201)


@bp.get("/dataSets")
def list_datasets():
    """An object keyed by id, paged by ``limit``/``start``, ordered by ``orderBy``, trimmed by ``properties``."""
    with backend().lock:
        documents = {i: d.document for i, d in catalog().datasets.items()}
        answer = copy.deepcopy(page(documents, request.args, request.args.getlist("property")))
    return json_response(answer)


def _dataset(dataset_id: str):
    found = catalog().dataset(dataset_id)
    if found is None:
        raise not_found("dataSet", dataset_id)
    return found


@bp.get("/dataSets/<dataset_id>")
def get_dataset(dataset_id: str):
    with backend().lock:
        document = copy.deepcopy(_dataset(dataset_id).document)
    wanted = [p.strip() for p in request.args.get("properties", "").split(",") if p.strip()]
    if wanted:
        document = {k: document[k] for k in wanted if k in document}
    return json_response({dataset_id: document})


@bp.delete("/dataSets/<dataset_id>")
def delete_dataset(dataset_id: str):
    with backend().lock:
        _dataset(dataset_id)
        store = catalog()
        del store.datasets[dataset_id]
        for batch_id in [b.id for b in store.batches.values() if b.dataset_id == dataset_id]:
            del store.batches[batch_id]
    return json_response([f"@/dataSets/{dataset_id}"])


FROZEN = ("/schemaRef", "/imsOrg", "/sandboxId", "/sandboxName", "/created", "/createdClient", "/createdUser",
          "/viewId", "/files", "/version")


@bp.patch("/dataSets/<dataset_id>")
def patch_dataset(dataset_id: str):
    """A JSON Patch list (``application/json-patch+json``, aepp's ``enableDatasetProfile``) or an object of
    top-level fields to replace; ``schemaRef`` and the system fields are not updatable."""
    body = read_json(bad_request)
    if isinstance(body, dict):
        body = [{"op": "replace", "path": f"/{k}", "value": v} for k, v in body.items()]
    if not isinstance(body, list) or not body or not all(isinstance(op, dict) for op in body):
        raise bad_request("The body must be a JSON Patch list or an object of fields.")
    operations = []
    for op in body:
        path = op.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise bad_request(f"The patch path {path!r} is not valid.", "1406")
        if any(path == p or path.startswith(p + "/") for p in FROZEN):
            raise bad_request(f"The path {path} is not updatable.", "1406")
        top_level_set = op.get("op") == "replace" and path.count("/") == 1
        operations.append({**op, "op": "add"} if top_level_set else op)  # a field object sets, present or not
    call = platform()
    with backend().lock:
        dataset = _dataset(dataset_id)
        try:
            patched = jsonpatch.apply_patch(dataset.document, operations)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, ValueError) as error:
            raise bad_request(f"The patch cannot be applied: {error}", "1406") from None
        if not isinstance(patched.get("name"), str) or not patched["name"].strip() \
                or not isinstance(patched.get("tags"), dict):
            raise bad_request("A dataset keeps a name and an object of tags.", "1406")
        patched.update(updated=now_ms(), updatedUser=call.actor)
        dataset.document = patched
    return json_response([f"@/dataSets/{dataset_id}"])


@bp.get("/batches")
def list_batches():
    """Batches keyed by id; ``dataSet=<id>`` keeps one dataset's (as a field filter on relatedObjects)."""
    args = request.args.to_dict()
    dataset_id = args.pop("dataSet", None)
    with backend().lock:
        documents = {b.id: b.document for b in catalog().batches.values()
                     if dataset_id is None or b.dataset_id == dataset_id}
        answer = copy.deepcopy(page(documents, args, request.args.getlist("property")))
    return json_response(answer)


@bp.get("/batches/<batch_id>")
def get_batch(batch_id: str):
    with backend().lock:
        found = catalog().batch(batch_id)
        if found is None:
            raise not_found("batch", batch_id)
        return json_response({batch_id: copy.deepcopy(found.document)})


@admin_bp.get("/datasets/<dataset_id>/rows")
def dataset_rows(dataset_id: str):
    """Harness only: the XDM rows written to a dataset of any org/sandbox (``?batchId=`` for one batch)."""
    aep = current_emulator().aep
    batch_id = request.args.get("batchId")
    with aep.lock:
        for sandbox in aep.sandboxes.values():
            if sandbox.catalog.has_dataset(dataset_id):
                rows = sandbox.catalog.rows(dataset_id, batch_id)
                return json_response({"dataSetId": dataset_id, "imsOrgId": sandbox.org_id,
                                      "sandboxName": sandbox.name, "batchId": batch_id,
                                      "count": len(rows), "rows": rows})
    raise AdminError(404, f"no dataset {dataset_id}")
