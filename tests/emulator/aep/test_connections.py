"""Flow Service connection specs and base connections. Covers AEP-FS-1, AEP-FS-2, AEP-ISO-1 and AEP-ERR-1."""
from __future__ import annotations

import re

import pytest

from aep_helpers import FLOW, SSC_SPEC, ssc_connection

SPEC_IDS = {"cfc0fee1-7dc0-40ef-b73e-d8b134c436f5", SSC_SPEC, "38ad80fe-8b06-4938-94f4-d4ee80266b07",
            "c604ff05-7f1a-43c0-8e18-33bf874cb11c"}
ETAG = re.compile(r'^"[0-9a-f]{8}-0000-0200-0000-[0-9a-f]{12}"$')


def test_connection_specs_list_get_and_filter(flow):
    listed = flow.get("connectionSpecs").json()
    assert SPEC_IDS <= {s["id"] for s in listed["items"]} and "_links" in listed
    salesforce = flow.get("connectionSpecs", params={"property": 'name=="salesforce"'}).json()["items"]
    assert [s["id"] for s in salesforce] == ["cfc0fee1-7dc0-40ef-b73e-d8b134c436f5"]
    auth = salesforce[0]["authSpec"][0]
    assert auth["name"] == "Basic Authentication"
    assert set(auth["spec"]["required"]) == {"username", "password", "securityToken"}
    assert "environmentUrl" in auth["spec"]["properties"]
    by_ids = flow.get("connectionSpecs", params={"property": f"id=={SSC_SPEC},c604ff05-7f1a-43c0-8e18-33bf874cb11c"})
    assert len(by_ids.json()["items"]) == 2


def test_one_spec_by_id_the_seed_spelling_included(flow):
    for spec_id in (SSC_SPEC, SSC_SPEC[1:]):
        response = flow.get(f"connectionSpecs/{spec_id}")
        assert response.status_code == 200 and [s["id"] for s in response.json()["items"]] == [SSC_SPEC]
    missing = flow.get("connectionSpecs/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.json()["type"].endswith("/FLOW-1439-404")


def test_create_connection_with_the_seed_body(flow):
    response = flow.post("connections", json=ssc_connection())
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "etag"} and ETAG.match(body["etag"])
    assert response.headers["Location"].endswith(f"/connections/{body['id']}")
    item = flow.get(f"connections/{body['id']}").json()["items"]
    assert len(item) == 1
    item = item[0]
    assert item["connectionSpec"]["id"] == SSC_SPEC and item["state"] == "enabled"
    assert item["auth"]["params"] == {"username": "admin@example.com", "password": "***", "securityToken": "***"}
    assert {"createdAt", "updatedAt", "createdBy", "updatedBy", "createdClient", "updatedClient", "sandboxId",
            "sandboxName", "imsOrgId", "name", "description", "version", "etag"} <= set(item)
    assert isinstance(item["createdAt"], int) and item["imsOrgId"] == "HARNESS@AdobeOrg"
    assert item["sandboxName"] == "prod"


def test_secrets_never_come_back_in_lists_either(flow):
    flow.post("connections", json=ssc_connection())
    listed = flow.get("connections").text
    assert "password123" not in listed and "TOKEN123" not in listed


@pytest.mark.parametrize("body,code", [
    ({}, "1413"),
    ({**ssc_connection(), "connectionSpec": {"id": "not-a-spec", "version": "1.0"}}, "1413"),
    ({**ssc_connection(), "name": ""}, "1402"),
    ({**ssc_connection(), "auth": {"specName": "OAuth", "params": {}}}, "1402"),
    ({**ssc_connection(), "auth": {"specName": "Basic Authentication", "params": {"username": "u"}}}, "1402"),
    ([1, 2], "1405"),
])
def test_invalid_connections_are_refused_with_a_problem_document(flow, body, code):
    response = flow.post("connections", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["type"] == f"https://ns.adobe.com/aep/errors/FLOW-{code}-400"
    assert response.json()["report"]["detailed-message"]


def test_empty_body_is_refused(flow):
    response = flow.post("connections", data=b"", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["type"].endswith("/FLOW-1405-400")


def test_credentials_are_checked_against_the_emulated_salesforce_org(flow):
    good = flow.post("connections", json=ssc_connection()).json()["id"]
    bad = flow.post("connections", json=ssc_connection(password="wrong")).json()["id"]
    assert flow.get(f"connections/{good}/test").json() == {"result": True}
    failed = flow.get(f"connections/{bad}/test").json()
    assert failed["result"] is False and "authentication failure" in failed["reason"]
    item = flow.get(f"connections/{bad}").json()["items"][0]
    assert item["state"] == "failed" and item["stateReason"]


def test_patch_needs_if_match_and_the_current_etag(flow):
    created = flow.post("connections", json=ssc_connection()).json()
    rename = [{"op": "replace", "path": "/name", "value": "renamed"}]
    no_header = flow.patch(f"connections/{created['id']}", json=rename)
    assert no_header.status_code == 400 and no_header.json()["type"].endswith("/FLOW-1403-400")
    patched = flow.patch(f"connections/{created['id']}", json=rename, headers={"If-Match": created["etag"]})
    assert patched.status_code == 200 and patched.json()["etag"] != created["etag"]
    assert flow.get(f"connections/{created['id']}").json()["items"][0]["name"] == "renamed"
    stale = flow.patch(f"connections/{created['id']}", json=rename, headers={"If-Match": created["etag"]})
    assert stale.status_code == 412 and stale.json()["type"].endswith("/FLOW-1404-412")


@pytest.mark.parametrize("operation,code", [
    ({"op": "replace", "path": "/connectionSpec/id", "value": "x"}, "1414"),
    ({"op": "move", "from": "/name", "path": "/description"}, "1434"),
    ({"op": "remove", "path": "/auth/params/username"}, "1402"),
])
def test_patch_refusals(flow, operation, code):
    created = flow.post("connections", json=ssc_connection()).json()
    response = flow.patch(f"connections/{created['id']}", json=[operation], headers={"If-Match": created["etag"]})
    assert response.status_code == 400 and response.json()["type"].endswith(f"/FLOW-{code}-400")
    assert flow.get(f"connections/{created['id']}").json()["items"][0]["etag"] == created["etag"]


def test_delete_then_404(flow):
    created = flow.post("connections", json=ssc_connection()).json()
    assert flow.delete(f"connections/{created['id']}").status_code == 204
    gone = flow.get(f"connections/{created['id']}")
    assert gone.status_code == 404 and gone.json()["report"]["id"] == created["id"]
    assert flow.delete(f"connections/{created['id']}").status_code == 404


def test_connections_are_isolated_per_sandbox(flow):
    created = flow.post("connections", json=ssc_connection()).json()
    dev = {"x-sandbox-name": "dev"}
    assert flow.get(f"connections/{created['id']}", headers=dev).status_code == 404
    assert flow.get("connections", headers=dev).json()["items"] == []
    assert flow.delete(f"connections/{created['id']}", headers=dev).status_code == 404
    item = flow.get(f"connections/{created['id']}").json()["items"][0]
    assert item["sandboxName"] == "prod" and item["sandboxId"]


def test_connection_lists_filter_count_and_page(flow):
    for index in range(5):
        flow.post("connections", json=ssc_connection(name=f"conn-{index}"))
    assert flow.get("connections", params={"count": "true"}).json() == {"count": 5}
    assert len(flow.get("connections", params={"count": "False"}).json()["items"]) == 5
    named = flow.get("connections", params={"property": "name==conn-3"}).json()["items"]
    assert [c["name"] for c in named] == ["conn-3"]
    seen, url_params = [], {"limit": "2", "orderby": "name"}
    page = flow.get("connections", params=url_params).json()
    seen += [c["name"] for c in page["items"]]
    while "next" in page["_links"]:
        href = page["_links"]["next"]["href"]
        token = href.rsplit("continuationToken=", 1)[1]
        assert "=" not in token and "&" not in token
        page = flow.session.get(f"{FLOW}{href}", headers=flow.headers).json()
        seen += [c["name"] for c in page["items"]]
    assert seen == [f"conn-{i}" for i in range(5)]
    bad = flow.get("connections", params={"count": "true", "limit": "2"})
    assert bad.status_code == 400 and bad.json()["type"].endswith("/FLOW-1401-400")
    unknown = flow.get("connections", params={"colour": "blue"})
    assert unknown.status_code == 400 and unknown.json()["type"].endswith("/FLOW-1451-400")


def test_explore_lists_the_org_objects_and_previews_rows(flow, crm_emulator):
    records = crm_emulator.salesforce.records(crm_emulator.salesforce.default_org().org.id, "005")
    with crm_emulator.salesforce.lock:
        records.create("Contact", {"LastName": "Preview", "Email": "p@example.com"})
    connection = flow.post("connections", json=ssc_connection()).json()["id"]
    root = flow.get(f"connections/{connection}/explore", params={"objectType": "root"}).json()
    assert isinstance(root, list) and {"Contact", "Lead", "Account"} <= {t["path"] for t in root}
    assert all(t["type"] == "table" and t["canPreview"] and t["canFetchSchema"] for t in root)
    table = flow.get(f"connections/{connection}/explore",
                     params={"objectType": "table", "object": "Contact", "preview": "true"}).json()
    assert table["format"] == "flat"
    columns = {c["name"]: c for c in table["schema"]["columns"]}
    assert columns["Email"]["xdm"] == {"type": "string"} and columns["IsDeleted"]["xdm"] == {"type": "boolean"}
    assert [row["LastName"] for row in table["data"]] == ["Preview"]
    unknown = flow.get(f"connections/{connection}/explore", params={"objectType": "table", "object": "Nope"})
    assert unknown.status_code == 404
