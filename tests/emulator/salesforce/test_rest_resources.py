"""Versions, resources and describe. Covers SF-REST-1, SF-REST-2, SF-WIRE-1."""
from __future__ import annotations

import pytest


def test_versions_list_every_served_version_without_auth(crm_session):
    response = crm_session.get("https://harness.my.salesforce.com/services/data/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    versions = {v["version"]: v for v in response.json()}
    assert "31.0" in versions and "59.0" in versions and "50.0" in versions
    assert versions["59.0"]["url"] == "/services/data/v59.0"
    assert versions["65.0"]["label"] == "Winter '26"


def test_version_resources_and_unknown_version(rest):
    ok = rest.get("/services/data/v59.0")
    assert ok.status_code == 200
    assert ok.json()["sobjects"] == "/services/data/v59.0/sobjects"
    for bad in ("/services/data/v20.0", "/services/data/v99.0/limits", "/services/data/vfoo/sobjects"):
        response = rest.get(bad)
        assert response.status_code == 404, bad
        assert response.json() == [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]


@pytest.mark.parametrize("version", ["v31.0", "v50.0", "v59.0", "v66.0"])
def test_old_and_new_versions_behave_the_same(rest, version):
    created = rest.post(f"/services/data/{version}/sobjects/Contact/", json={"LastName": "Old"})
    assert created.status_code == 201
    record_id = created.json()["id"]
    fetched = rest.get(f"/services/data/{version}/sobjects/Contact/{record_id}")
    assert fetched.json()["attributes"]["url"] == f"/services/data/{version}/sobjects/Contact/{record_id}"


def test_global_describe_lists_standard_objects(rest):
    body = rest.get("sobjects/").json()
    names = {o["name"]: o for o in body["sobjects"]}
    assert body["maxBatchSize"] == 200
    assert {"Account", "Contact", "Lead", "User"} <= set(names)
    assert names["Contact"]["keyPrefix"] == "003" and names["Lead"]["keyPrefix"] == "00Q"
    assert names["Account"]["urls"]["describe"] == "/services/data/v59.0/sobjects/Account/describe"


def test_describe_gives_real_field_metadata(rest):
    fields = {f["name"]: f for f in rest.get("sobjects/Contact/describe").json()["fields"]}
    last = fields["LastName"]
    assert (last["type"], last["length"], last["nillable"], last["createable"]) == ("string", 80, False, True)
    assert fields["FirstName"]["length"] == 40
    assert (fields["Email"]["type"], fields["Email"]["length"]) == ("email", 80)
    assert fields["AccountId"]["type"] == "reference" and fields["AccountId"]["referenceTo"] == ["Account"]
    for system in ("Id", "CreatedDate", "LastModifiedDate", "SystemModstamp", "IsDeleted", "CreatedById",
                   "LastModifiedById"):
        assert fields[system]["createable"] is False and fields[system]["updateable"] is False
    for key in ("label", "custom", "externalId", "unique", "picklistValues", "updateable"):
        assert key in last
    lead = {f["name"]: f for f in rest.get("sobjects/Lead/describe/").json()["fields"]}
    assert lead["Company"]["nillable"] is False and lead["Company"]["length"] == 255
    status_values = [p["value"] for p in lead["Status"]["picklistValues"]]
    assert "Open - Not Contacted" in status_values
    assert lead["Status"]["defaultValue"] == "Open - Not Contacted"


def test_describe_unknown_object_is_not_found(rest):
    response = rest.get("sobjects/Nope__c/describe")
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_object_root_gives_summary(rest):
    created = rest.post("sobjects/Account", json={"Name": "Acme"}).json()["id"]
    assert rest.get("sobjects/Account").json()["recentItems"] == []  # created, not yet viewed
    rest.get(f"sobjects/Account/{created}")
    body = rest.get("sobjects/Account").json()
    assert body["objectDescribe"]["name"] == "Account"
    assert body["recentItems"][0]["Name"] == "Acme"


def test_trailing_slash_variants_are_served(rest):
    for path in ("limits", "limits/", "sobjects", "sobjects/", "sobjects/Contact/describe/"):
        assert rest.get(path).status_code == 200, path
