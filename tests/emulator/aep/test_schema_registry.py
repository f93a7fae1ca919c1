"""AEP-SR-1: tenant schemas from seed 004, their resolved field trees, lookups and the registry's errors."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from aep_platform_helpers import SEED_SCHEMA, TENANT, XED_FULL, Platform

SCHEMAS = "schemaregistry/tenant/schemas"


def assert_xdm_error(response, code: str) -> None:
    """``response`` is the Schema Registry problem ``XDM-<code>``, e.g. ``1012-404``, with that status."""
    assert response.status_code == int(code.rsplit("-", 1)[1])
    assert response.json()["type"] == f"http://ns.adobe.com/aep/errors/XDM-{code}"


def test_seed_schema_is_created_with_the_real_fields(aep):
    created = aep.schema()
    assert created["$id"].startswith(f"https://ns.adobe.com/{TENANT}/schemas/")
    hex_id = created["$id"].rsplit("/", 1)[1]
    assert len(hex_id) == 32
    assert created["meta:altId"] == f"_{TENANT}.schemas.{hex_id}"
    assert created["version"] == "1.0"
    assert created["meta:extends"] == [r["$ref"] for r in SEED_SCHEMA["allOf"]]
    assert created["meta:abstract"] is False and created["meta:extensible"] is False
    assert created["meta:registryMetadata"]["eTag"]
    assert created["meta:class"] == "https://ns.adobe.com/xdm/context/profile"


def test_trailing_slash_is_the_same_resource(aep):
    response = aep.post(SCHEMAS + "/", json=SEED_SCHEMA)
    assert response.status_code == 201, response.text


def test_full_lookup_resolves_standard_refs(aep):
    created = aep.schema()
    full = aep.get(f"{SCHEMAS}/{quote(created['$id'], safe='')}", headers={"Accept": XED_FULL}).json()
    props = full["properties"]
    assert props["person"]["properties"]["name"]["properties"]["firstName"]["type"] == "string"
    assert props["personalEmail"]["properties"]["address"]["type"] == "string"
    assert "identityMap" in props and "crmID" not in props
    assert "allOf" not in full


def test_segmentation_and_b2b_field_groups_resolve(aep):
    body = dict(SEED_SCHEMA, title="B2B", allOf=SEED_SCHEMA["allOf"] + [
        {"$ref": "https://ns.adobe.com/xdm/context/profile-segmentation"},
        {"$ref": "https://ns.adobe.com/xdm/mixins/b2b-person-details"}])
    created = aep.schema(body)
    props = aep.get(f"{SCHEMAS}/{quote(created['meta:altId'])}", headers={"Accept": XED_FULL}).json()["properties"]
    assert "segmentMembership" in props
    assert props["b2b"]["properties"]["companyName"]["type"] == "string"


def test_lookup_by_alt_id_keeps_the_leading_underscore(aep):
    created = aep.schema()
    found = aep.get(f"{SCHEMAS}/{created['meta:altId']}", headers={"Accept": "application/vnd.adobe.xed+json; version=1"})
    assert found.status_code == 200 and found.json()["$id"] == created["$id"]
    assert found.json()["allOf"] == SEED_SCHEMA["allOf"]
    missing = aep.get(f"{SCHEMAS}/{created['meta:altId'].lstrip('_')}",
                      headers={"Accept": "application/vnd.adobe.xed+json; version=1"})
    assert_xdm_error(missing, "1012-404")


def test_notext_drops_titles_and_descriptions(aep):
    created = aep.schema()
    body = aep.get(f"{SCHEMAS}/{quote(created['$id'], safe='')}",
                   headers={"Accept": "application/vnd.adobe.xed-full-notext+json; version=1"}).json()
    assert "description" not in body and "properties" in body


def test_unknown_ref_is_a_400(aep):
    body = dict(SEED_SCHEMA, allOf=SEED_SCHEMA["allOf"] + [{"$ref": "https://ns.adobe.com/xdm/context/no-such"}])
    response = aep.post(SCHEMAS, json=body)
    assert response.status_code == 400
    error = response.json()
    assert error["type"].startswith("http://ns.adobe.com/aep/errors/XDM-") and error["status"] == 400
    assert "no-such" in error["detail"] and error["report"]["detailed-message"] == error["detail"]


@pytest.mark.parametrize("accept, code", [
    ("application/vnd.adobe.xed-full+json", "1007-400"),  # no version
    ("application/json", "1006-400"),
])
def test_bad_accept_is_an_xdm_error(aep, accept, code):
    created = aep.schema()
    response = aep.get(f"{SCHEMAS}/{quote(created['$id'], safe='')}", headers={"Accept": accept})
    assert_xdm_error(response, code)


def test_unknown_id_is_xdm_1012(aep):
    response = aep.get(f"{SCHEMAS}/{quote('https://ns.adobe.com/harness/schemas/nope', safe='')}",
                       headers={"Accept": XED_FULL})
    assert_xdm_error(response, "1012-404")


def test_duplicate_title_and_bad_bodies(aep):
    aep.schema()
    assert aep.post(SCHEMAS, json=SEED_SCHEMA).json()["type"].endswith("XDM-1521-400")
    assert aep.post(SCHEMAS, data="{\"title\": ", headers={"Content-Type": "application/json"}).status_code == 400
    assert aep.post(SCHEMAS, json={"title": "x", "allOf": []}).status_code == 400
    no_class = dict(SEED_SCHEMA, title="y", allOf=SEED_SCHEMA["allOf"][1:])
    assert aep.post(SCHEMAS, json=no_class).status_code == 400


def test_schemas_are_per_sandbox(crm_session, aep):
    created = aep.schema()
    dev = Platform(crm_session, aep.headers["Authorization"].split()[1], sandbox="dev")
    response = dev.get(f"{SCHEMAS}/{quote(created['$id'], safe='')}", headers={"Accept": XED_FULL})
    assert_xdm_error(response, "1012-404")


def test_gateway_checks_apply(aep):
    assert aep.post(SCHEMAS, json=SEED_SCHEMA, headers={"Authorization": None}).status_code == 403
    assert aep.post(SCHEMAS, json=SEED_SCHEMA, headers={"x-api-key": None}).json()["error_code"] == "403000"
    assert aep.post(SCHEMAS, json=SEED_SCHEMA, headers={"x-sandbox-name": None}).status_code == 400


def test_list_pages_with_start(aep):
    for i in range(3):
        aep.schema(title=f"schema {i}")
    first = aep.get(SCHEMAS, params={"limit": 2}, headers={"Accept": "application/vnd.adobe.xed-id+json"}).json()
    assert [r["title"] for r in first["results"]] == ["schema 0", "schema 1"]
    rest = aep.get(SCHEMAS, params={"limit": 2, "start": first["_page"]["next"]},
                   headers={"Accept": "application/vnd.adobe.xed-id+json"}).json()
    assert [r["title"] for r in rest["results"]] == ["schema 2"] and rest["_page"]["next"] is None


def test_put_and_patch_add_field_groups_as_a_new_minor_version(aep):
    created = aep.schema()
    path = f"{SCHEMAS}/{quote(created['$id'], safe='')}"
    body = dict(SEED_SCHEMA, allOf=SEED_SCHEMA["allOf"] + [
        {"$ref": "https://ns.adobe.com/xdm/context/profile-work-details", "type": "object"}])
    replaced = aep.put(path, json=body)
    assert replaced.status_code == 200 and replaced.json()["version"] == "1.1"
    assert replaced.json()["$id"] == created["$id"] and len(replaced.json()["meta:extends"]) == 4
    patched = aep.call("PATCH", path, json=[{"op": "add", "path": "/allOf/-",
                                             "value": {"$ref": "https://ns.adobe.com/xdm/context/profile-segmentation"}}])
    assert patched.status_code == 200 and patched.json()["version"] == "1.2"
    props = aep.get(path, headers={"Accept": XED_FULL}).json()["properties"]
    assert {"workEmail", "segmentMembership", "person"} <= props.keys()
    bad = aep.call("PATCH", path, json=[{"op": "add", "path": "/allOf/-", "value": {"$ref": "https://x/none"}}])
    assert bad.status_code == 400 and bad.json()["type"].endswith("XDM-1008-400")
    assert aep.call("PATCH", path, json=[{"op": "move", "path": "/nope"}]).status_code == 400
    assert aep.put(f"{SCHEMAS}/_harness.schemas.none", json=body).status_code == 404


def test_global_classes_and_field_groups_are_listed_and_readable(aep):
    listed = aep.get("schemaregistry/global/fieldgroups", headers={"Accept": "application/vnd.adobe.xed-id+json"})
    ids = [r["$id"] for r in listed.json()["results"]]
    assert "https://ns.adobe.com/xdm/mixins/b2b-person-details" in ids
    assert "https://ns.adobe.com/xdm/context/profile" not in ids
    classes = aep.get("schemaregistry/global/classes", headers={"Accept": "application/vnd.adobe.xed-id+json"})
    assert [r["$id"] for r in classes.json()["results"]] == ["https://ns.adobe.com/xdm/context/profile"]
    one = aep.get(f"schemaregistry/global/fieldgroups/{quote('https://ns.adobe.com/xdm/context/profile-person-details', safe='')}",
                  headers={"Accept": XED_FULL})
    assert one.status_code == 200 and "person" in one.json()["properties"]
    by_alt = aep.get(f"schemaregistry/global/classes/{classes.json()['results'][0]['meta:altId']}", headers={"Accept": XED_FULL})
    assert by_alt.status_code == 200 and "identityMap" in by_alt.json()["properties"]
    missing = aep.get("schemaregistry/global/classes/https%3A%2F%2Fns.adobe.com%2Fxdm%2Fcontext%2Fnope",
                      headers={"Accept": XED_FULL})
    assert missing.status_code == 404 and missing.json()["type"].endswith("XDM-1011-404")
    assert aep.get("schemaregistry/global/widgets", headers={"Accept": XED_FULL}).status_code == 404
    no_version = aep.get(f"schemaregistry/global/classes/{classes.json()['results'][0]['meta:altId']}",
                         headers={"Accept": "application/vnd.adobe.xed+json"})
    assert no_version.json()["type"].endswith("XDM-1007-400")


def test_patch_junk_is_a_400(aep):
    created = aep.schema()
    path = f"{SCHEMAS}/{created['meta:altId']}"
    for junk in ([{"op": "replace", "path": 5}], [{"op": "replace", "path": "", "value": 5}], [{"op": "jump", "path": "/x"}],
                 [{"op": "add", "path": "/allOf/-", "value": 5}], [{"op": "remove", "path": "/title"}], {"op": "add"}, [5]):
        response = aep.call("PATCH", path, json=junk)
        assert response.status_code == 400, (junk, response.text)
        assert response.json()["type"].startswith("http://ns.adobe.com/aep/errors/XDM-")
