"""AEP-CAT-1: datasets from a schema, keyed lists with limit/start/orderBy/properties, batches, the rows read."""
from __future__ import annotations

import re


from aep_helpers import ims_token
from aep_platform_helpers import Platform


def test_seed_dataset_body_answers_an_id_list(aep, schema_id):
    response = aep.post("catalog/dataSets?requestDataSource=true", json={
        "name": "Salesforce target dataset",
        "schemaRef": {"id": schema_id, "contentType": "application/vnd.adobe.xed-full-notext+json; version=1"}})
    assert response.status_code == 201
    [ref] = response.json()
    assert re.fullmatch(r"@/dataSets/[0-9a-f]{24}", ref)


def test_get_is_keyed_by_id_with_tags_and_classification(aep, schema_id):
    dataset_id = aep.dataset(schema_id)
    body = aep.get(f"catalog/dataSets/{dataset_id}").json()
    assert list(body) == [dataset_id]
    document = body[dataset_id]
    assert document["name"] == "Salesforce target dataset" and document["schemaRef"]["id"] == schema_id
    assert isinstance(document["tags"], dict) and document["classification"]["dataBehavior"] == "record"
    assert document["imsOrg"] and "items" not in body


def test_unknown_schema_and_bad_bodies_are_400(aep):
    response = aep.post("catalog/dataSets", json={"name": "x", "schemaRef": {
        "id": "https://ns.adobe.com/harness/schemas/none", "contentType": "application/vnd.adobe.xed+json;version=1"}})
    assert response.status_code == 400
    assert response.json()["type"].startswith("https://ns.adobe.com/aep/errors/CAT-")
    assert aep.post("catalog/dataSets", json={"name": "no schema"}).status_code == 400
    assert aep.post("catalog/dataSets", data="[", headers={"Content-Type": "application/json"}).status_code == 400


def test_unknown_dataset_is_404(aep):
    response = aep.get("catalog/dataSets/5c8c3c555033b814b69f947f")
    assert response.status_code == 404 and response.json()["status"] == 404


def test_list_honours_limit_start_order_and_properties(aep, schema_id):
    ids = [aep.dataset(schema_id, name=f"ds {i:03d}") for i in range(7)]
    page = aep.get("catalog/dataSets", params={"limit": 3}).json()
    assert list(page) == ids[:3]
    page = aep.get("catalog/dataSets", params={"limit": 3, "start": 6}).json()
    assert list(page) == ids[6:]
    ordered = aep.get("catalog/dataSets", params={"orderBy": "desc:name", "limit": 2}).json()
    assert [d["name"] for d in ordered.values()] == ["ds 006", "ds 005"]
    trimmed = aep.get("catalog/dataSets", params={"properties": "name", "limit": 1}).json()
    assert list(trimmed.values()) == [{"name": "ds 000"}]
    assert aep.get("catalog/dataSets", params={"name": "ds 004"}).json().keys() == {ids[4]}
    assert list(aep.get("catalog/dataSets", params={"property": "name~^ds 00[12]$"}).json()) == ids[1:3]
    assert len(aep.get("catalog/dataSets", params={"property": "name!=ds 000"}).json()) == 6


def test_default_limit_is_50_and_max_is_100(aep, schema_id):
    for i in range(51):
        aep.dataset(schema_id, name=f"many {i}")
    assert len(aep.get("catalog/dataSets").json()) == 50
    assert len(aep.get("catalog/dataSets", params={"limit": 100}).json()) == 51
    too_many = aep.get("catalog/dataSets", params={"limit": 101})
    assert too_many.status_code == 400 and too_many.json()["type"].startswith("https://ns.adobe.com/aep/errors/CAT-")
    assert aep.get("catalog/dataSets", params={"limit": "x"}).status_code == 400
    assert aep.get("catalog/dataSets", params={"orderBy": "sideways:name"}).status_code == 400


def test_batches_and_rows_from_the_model(crm_emulator, aep, schema_id):
    dataset_id = aep.dataset(schema_id)
    backend = crm_emulator.aep
    with backend.lock:
        sandbox = backend.sandbox("HARNESS@AdobeOrg", "prod")
        batch = sandbox.catalog.write_batch(backend.ids, backend.now(), dataset_id,
                                            [{"person": {"name": {"lastName": "Doe"}}}],
                                            failed_record_count=1, tags={"flowId": "f-1"},
                                            errors=[{"code": "MAP-1", "description": "bad row"}])
    assert len(batch.id) == 26
    listed = aep.get("catalog/batches", params={"dataSet": dataset_id}).json()
    document = listed[batch.id]
    assert document["status"] == "success" and document["recordCount"] == 1
    assert document["failedRecordCount"] == 1 and document["tags"] == {"flowId": ["f-1"]}
    assert document["relatedObjects"] == [{"type": "dataSet", "id": dataset_id}]
    assert document["errors"] == [{"code": "MAP-1", "description": "bad row"}]
    assert {"started", "completed", "created", "updated"} <= document.keys()
    assert aep.get(f"catalog/batches/{batch.id}").json()[batch.id]["status"] == "success"
    assert aep.get("catalog/batches/01ARZ3NDEKTSV4RRFFQ69G5FAV").status_code == 404
    rows = aep.session.get(f"https://platform.adobe.io/__emulator/aep/datasets/{dataset_id}/rows").json()
    assert rows["rows"] == [{"person": {"name": {"lastName": "Doe"}}}] and rows["count"] == 1


def test_rows_of_unknown_dataset_is_404(aep):
    assert aep.session.get("https://platform.adobe.io/__emulator/aep/datasets/nope/rows").status_code == 404


def test_datasets_are_per_sandbox(crm_session, aep, schema_id):
    dataset_id = aep.dataset(schema_id)
    dev = Platform(crm_session, aep.headers["Authorization"].split()[1], sandbox="dev")
    assert dev.get(f"catalog/dataSets/{dataset_id}").status_code == 404
    assert dataset_id not in dev.get("catalog/dataSets").json()


def test_delete_dataset(aep, schema_id):
    dataset_id = aep.dataset(schema_id)
    assert aep.delete(f"catalog/dataSets/{dataset_id}").json() == [f"@/dataSets/{dataset_id}"]
    assert aep.get(f"catalog/dataSets/{dataset_id}").status_code == 404


def test_gateway_checks_apply(aep):
    assert aep.get("catalog/dataSets", headers={"x-gw-ims-org-id": None}).json()["error_code"] == "400003"
    assert aep.get("catalog/dataSets", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_seed_ids_printed_with_placeholders_are_unknown(aep):
    """Seed 004 prints its schema id with a literal ``{TENANT_ID}`` (and a non-hex 'g'): no such schema."""
    response = aep.post("catalog/dataSets?requestDataSource=true", json={
        "name": "Salesforce target dataset",
        "schemaRef": {"id": "https://ns.adobe.com/{TENANT_ID}/schemas/417a33eg81a221bd10495920574gfa2d",
                      "contentType": "application/vnd.adobe.xed-full-notext+json; version=1"}})
    assert response.status_code == 400 and "{TENANT_ID}" in response.json()["detail"]


def test_patch_dataset_with_json_patch_or_fields(aep, schema_id):
    dataset_id = aep.dataset(schema_id)
    enabled = aep.call("PATCH", f"catalog/dataSets/{dataset_id}",
                       headers={"Content-Type": "application/json-patch+json"},
                       json=[{"op": "add", "path": "/tags/unifiedProfile", "value": ["enabled:true"]}])
    assert enabled.status_code == 200 and enabled.json() == [f"@/dataSets/{dataset_id}"]
    renamed = aep.call("PATCH", f"catalog/dataSets/{dataset_id}", json={"description": "CRM contacts"})
    assert renamed.status_code == 200
    document = aep.get(f"catalog/dataSets/{dataset_id}").json()[dataset_id]
    assert document["tags"]["unifiedProfile"] == ["enabled:true"] and document["description"] == "CRM contacts"
    frozen = aep.call("PATCH", f"catalog/dataSets/{dataset_id}", json={"schemaRef": {"id": "x"}})
    assert frozen.status_code == 400 and "schemaRef" in frozen.json()["detail"]
    assert aep.call("PATCH", f"catalog/dataSets/{dataset_id}", json=[{"op": "remove", "path": "/nope"}]).status_code == 400
    assert aep.call("PATCH", f"catalog/dataSets/{dataset_id}", json={"name": ""}).status_code == 400
    for junk in ([{"op": "replace", "path": 5}], [{"op": "replace", "path": "", "value": 5}], [{"op": "jump", "path": "/x"}]):
        assert aep.call("PATCH", f"catalog/dataSets/{dataset_id}", json=junk).status_code == 400, junk
    assert aep.call("PATCH", "catalog/dataSets/5c8c3c555033b814b69f947f", json={"name": "x"}).status_code == 404
    wrong_type = aep.call("PATCH", f"catalog/dataSets/{dataset_id}", headers={"Content-Type": "text/plain"},
                          data="{}")
    assert wrong_type.status_code == 400 and wrong_type.json()["detail"] == "A valid content-type must be specified"


def test_snapshots_and_reset_cover_schemas_datasets_and_mapping_sets(crm_emulator, aep, schema_id):
    kept = aep.dataset(schema_id, name="kept")
    mapping = aep.mapping_set(schema_id)["id"]
    crm_emulator.snapshot("before")
    dropped = aep.dataset(schema_id, name="dropped")
    crm_emulator.restore("before")
    assert set(aep.get("catalog/dataSets").json()) == {kept}
    assert aep.get(f"conversion/mappingSets/{mapping}").status_code == 200
    assert dropped not in aep.get("catalog/dataSets").json()
    crm_emulator.reset()
    fresh = Platform(aep.session, ims_token(aep.session))
    assert fresh.get("catalog/dataSets").json() == {}
    assert fresh.get(f"conversion/mappingSets/{mapping}").status_code == 404
