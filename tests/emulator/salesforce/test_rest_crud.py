"""sObject CRUD and upsert by external id. Covers SF-REST-4."""
from __future__ import annotations

from datetime import timedelta

from sf_schema_helpers import add_external_id


def test_create_returns_201_with_ordered_body_and_location(rest):
    response = rest.post("sobjects/Contact/", json={"LastName": "Lovelace", "FirstName": "Ada"})
    assert response.status_code == 201
    assert list(response.json()) == ["id", "success", "errors"]
    assert response.json()["success"] is True and response.json()["errors"] == []
    assert response.headers["Location"].endswith(response.json()["id"])


def test_get_returns_attributes_and_fields(rest):
    record_id = rest.post("sobjects/Contact", json={"LastName": "Hopper", "Email": "grace@navy.mil"}).json()["id"]
    body = rest.get(f"sobjects/Contact/{record_id}").json()
    assert body["attributes"] == {"type": "Contact", "url": f"/services/data/v59.0/sobjects/Contact/{record_id}"}
    assert body["LastName"] == "Hopper" and body["Name"] == "Hopper" and body["IsDeleted"] is False
    only = rest.get(f"sobjects/Contact/{record_id}", params={"fields": "LastName,Email"}).json()
    assert set(only) == {"attributes", "LastName", "Email"}
    bad = rest.get(f"sobjects/Contact/{record_id}", params={"fields": "Nope"})
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "INVALID_FIELD"


def test_patch_updates_and_bumps_modstamp(rest, crm_emulator):
    record_id = rest.post("sobjects/Contact", json={"LastName": "Before"}).json()["id"]
    before = rest.get(f"sobjects/Contact/{record_id}").json()
    crm_emulator.clock.advance(timedelta(minutes=5))
    response = rest.patch(f"sobjects/Contact/{record_id}", json={"LastName": "After", "FirstName": "Now"})
    assert response.status_code == 204 and response.content == b""
    after = rest.get(f"sobjects/Contact/{record_id}").json()
    assert after["LastName"] == "After" and after["Name"] == "Now After"
    assert after["SystemModstamp"] > before["SystemModstamp"]
    assert after["CreatedDate"] == before["CreatedDate"]


def test_delete_then_get_is_not_found_and_update_is_entity_deleted(rest):
    record_id = rest.post("sobjects/Contact", json={"LastName": "Gone"}).json()["id"]
    assert rest.delete(f"sobjects/Contact/{record_id}").status_code == 204
    assert rest.get(f"sobjects/Contact/{record_id}").status_code == 404
    again = rest.patch(f"sobjects/Contact/{record_id}", json={"LastName": "Back"})
    assert again.json()[0]["errorCode"] == "ENTITY_IS_DELETED"
    assert rest.delete(f"sobjects/Contact/{record_id}").json()[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_upsert_creates_then_updates(rest, crm_emulator):
    add_external_id(crm_emulator)
    created = rest.patch("sobjects/Contact/Ext_Id__c/E-1", json={"LastName": "Up"})
    assert created.status_code == 201
    assert created.json()["created"] is True
    updated = rest.patch("sobjects/Contact/Ext_Id__c/E-1", json={"LastName": "Upper"})
    assert updated.status_code == 200
    assert updated.json() == {"id": created.json()["id"], "success": True, "errors": [], "created": False}
    old_api = rest.patch("/services/data/v45.0/sobjects/Contact/Ext_Id__c/E-1", json={"LastName": "Old"})
    assert old_api.status_code == 204
    fetched = rest.get("sobjects/Contact/Ext_Id__c/E-1").json()
    assert fetched["LastName"] == "Old" and fetched["Ext_Id__c"] == "E-1"


def test_upsert_with_several_matches_is_300(rest, crm_emulator):
    add_external_id(crm_emulator)
    first = rest.post("sobjects/Contact", json={"LastName": "A", "Ext_Id__c": "dup"}).json()["id"]
    second = rest.post("sobjects/Contact", json={"LastName": "B", "Ext_Id__c": "dup"}).json()["id"]
    response = rest.patch("sobjects/Contact/Ext_Id__c/dup", json={"LastName": "C"})
    assert response.status_code == 300
    assert sorted(response.json()) == sorted(f"/services/data/v59.0/sobjects/Contact/{i}" for i in (first, second))


def test_upsert_on_a_field_that_is_not_an_external_id(rest):
    response = rest.patch("sobjects/Contact/LastName/x", json={"FirstName": "y"})
    assert response.status_code == 400 and response.json()[0]["errorCode"] == "INVALID_FIELD"
    missing = rest.patch("sobjects/Contact/Nope__c/x", json={"FirstName": "y"})
    assert missing.status_code == 404 and missing.json()[0]["errorCode"] == "NOT_FOUND"


def test_unique_external_id_duplicates_are_refused(rest, crm_emulator):
    add_external_id(crm_emulator, unique=True)
    first = rest.post("sobjects/Contact", json={"LastName": "A", "Ext_Id__c": "U-1"}).json()["id"]
    response = rest.post("sobjects/Contact", json={"LastName": "B", "Ext_Id__c": "u-1"})
    assert response.status_code == 400
    assert response.json() == [{"message": f"duplicate value found: Ext_Id__c duplicates value on record with id: "
                                           f"{first}", "errorCode": "DUPLICATE_VALUE", "fields": []}]


def test_user_object_is_read_only(rest):
    response = rest.post("sobjects/User", json={"LastName": "X"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_TYPE_FOR_OPERATION"
