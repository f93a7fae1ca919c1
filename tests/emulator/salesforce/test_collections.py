"""sObject Collections: create, update, upsert, delete, retrieve; 200-record cap; allOrNone. Covers SF-REST-6."""
from __future__ import annotations

import threading

import pytest

from emulator import session_for
from emulator.testing import run_in_threads

ROLLED_BACK = {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message": "Record rolled back because not all "
               "records were valid and the request was using AllOrNone header", "fields": []}
LIMIT_MESSAGE = "record limit reached. cannot submit more than 200 records into this call"


def contact(last_name: str | None = "Doe", **fields) -> dict:
    record = {"attributes": {"type": "Contact"}, **fields}
    if last_name is not None:
        record["LastName"] = last_name
    return record


def live_count(rest, sobject: str) -> int:
    state = rest.session.get(f"{rest.base}/__emulator/state").json()
    return state["salesforce"]["orgs"][0]["records"].get(sobject, 0)


def create(rest, records: list[dict], all_or_none: bool = False):
    return rest.post("composite/sobjects", json={"allOrNone": all_or_none, "records": records})


def created_ids(rest, count: int) -> list[str]:
    response = create(rest, [contact(f"C{i}") for i in range(count)])
    assert response.status_code == 200
    return [r["id"] for r in response.json()]


# -- create ---------------------------------------------------------------------------------------------
def test_create_returns_one_result_per_record_in_order(rest):
    response = create(rest, [{"attributes": {"type": "Account"}, "Name": "example.com"},
                             contact("Johnson", FirstName="Erica")])
    assert response.status_code == 200
    body = response.json()
    assert [list(r) for r in body] == [["id", "success", "errors"]] * 2
    assert body[0]["id"].startswith("001") and body[1]["id"].startswith("003")
    assert all(r["success"] is True and r["errors"] == [] for r in body)
    assert rest.get(f"sobjects/Contact/{body[1]['id']}").json()["Name"] == "Erica Johnson"


def test_create_partial_success_reports_errors_with_status_code(rest):
    body = create(rest, [contact("Ok"), contact(None, FirstName="NoLast"), contact("Ok2")]).json()
    assert [r["success"] for r in body] == [True, False, True]
    assert body[1] == {"success": False, "errors": [{
        "statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [LastName]",
        "fields": ["LastName"]}]}
    assert "errorCode" not in body[1]["errors"][0]
    assert live_count(rest, "Contact") == 2


def test_create_refuses_records_that_carry_an_id(rest):
    existing = created_ids(rest, 1)[0]
    body = create(rest, [contact("Again", Id=existing), contact("Fine")]).json()
    assert body[0] == {"success": False, "errors": [{
        "statusCode": "INVALID_FIELD_FOR_INSERT_UPDATE", "message": "cannot specify Id in an insert call",
        "fields": ["Id"]}]}
    assert body[1]["success"] is True


def test_create_all_or_none_rolls_back_every_record(rest):
    before = live_count(rest, "Contact")
    response = create(rest, [contact("A"), contact("B"), contact(None), contact("D")], all_or_none=True)
    assert response.status_code == 200
    body = response.json()
    assert body[2]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    for entry in (body[0], body[1], body[3]):
        assert entry == {"success": False, "errors": [ROLLED_BACK]}
    assert live_count(rest, "Contact") == before


def test_create_all_or_none_succeeds_when_every_record_is_valid(rest):
    body = create(rest, [contact("A"), contact("B")], all_or_none=True).json()
    assert all(r["success"] for r in body)
    assert live_count(rest, "Contact") == 2


def test_two_hundred_records_pass_and_two_hundred_one_are_refused(rest):
    assert create(rest, [contact(f"N{i}") for i in range(200)]).status_code == 200
    response = create(rest, [contact(f"M{i}") for i in range(201)])
    assert response.status_code == 400
    assert response.json() == [{"message": LIMIT_MESSAGE, "errorCode": "EXCEEDED_ID_LIMIT"}]
    assert live_count(rest, "Contact") == 200


def test_ten_type_chunks_pass_and_eleven_are_refused(rest):
    def alternating(n: int) -> list[dict]:
        return [contact(f"C{i}") if i % 2 == 0 else {"attributes": {"type": "Account"}, "Name": f"A{i}"}
                for i in range(n)]
    assert create(rest, alternating(10)).status_code == 200
    response = create(rest, alternating(11))
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_BATCH_REQUEST"
    assert "10 chunks" in response.json()[0]["message"]
    # many records of few runs are one chunk each: 150 Contacts then 50 Accounts = 2 chunks
    grouped = [contact(f"G{i}") for i in range(150)] + [{"attributes": {"type": "Account"}, "Name": "x"}] * 50
    assert create(rest, grouped).status_code == 200


def test_records_without_a_known_type_fail_per_record(rest):
    body = create(rest, [{"LastName": "NoType"}, {"attributes": {"type": "Nope__c"}, "Name": "x"},
                         contact("Fine")]).json()
    assert body[0]["errors"][0] == {"statusCode": "INVALID_TYPE", "message": "Must send a concrete entity type.",
                                    "fields": []}
    assert body[1]["errors"][0]["statusCode"] == "INVALID_TYPE"
    assert body[2]["success"] is True


# -- update ---------------------------------------------------------------------------------------------
def test_update_by_id_in_order(rest):
    first, second = created_ids(rest, 2)
    response = rest.patch("composite/sobjects", json={"records": [
        contact(None, id=first, Title="Lead Engineer"), contact(None, Id=second, FirstName="Ada")]})
    assert response.status_code == 200
    assert response.json() == [{"id": first, "success": True, "errors": []},
                               {"id": second, "success": True, "errors": []}]
    assert rest.get(f"sobjects/Contact/{first}").json()["Title"] == "Lead Engineer"
    assert rest.get(f"sobjects/Contact/{second}").json()["Name"] == "Ada C1"


def test_update_of_a_deleted_record_is_entity_is_deleted(rest):
    gone, kept = created_ids(rest, 2)
    assert rest.delete(f"sobjects/Contact/{gone}").status_code == 204
    body = rest.patch("composite/sobjects", json={"records": [
        contact(None, id=gone, Title="x"), contact(None, id=kept, Title="y")]}).json()
    assert body[0] == {"success": False, "errors": [{"statusCode": "ENTITY_IS_DELETED",
                                                     "message": "entity is deleted", "fields": []}]}
    assert body[1]["success"] is True


def test_update_needs_a_well_formed_id_of_the_right_type(rest):
    account = create(rest, [{"attributes": {"type": "Account"}, "Name": "Acme"}]).json()[0]["id"]
    body = rest.patch("composite/sobjects", json={"records": [
        contact(None, Title="no id"), contact(None, id=account, Title="wrong type"),
        contact(None, id="003xx000004TmiQ999", Title="bad")]}).json()
    assert body[0]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    assert body[1]["errors"][0] == {"statusCode": "MALFORMED_ID", "fields": ["Id"],
                                    "message": f"Contact ID: id value of incorrect type: {account}"}
    assert body[2]["errors"][0]["statusCode"] == "MALFORMED_ID"


def test_update_all_or_none_restores_every_record(rest):
    first, second = created_ids(rest, 2)
    before = rest.get(f"sobjects/Contact/{first}").json()
    body = rest.patch("composite/sobjects", json={"allOrNone": True, "records": [
        contact("Changed", id=first, Email="ok@example.com"), contact(None, id=second, Email="not an email")]}).json()
    assert body[0] == {"id": first, "success": False, "errors": [ROLLED_BACK]}
    assert body[1]["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"
    after = rest.get(f"sobjects/Contact/{first}").json()
    assert after == before


def test_update_partial_success_keeps_valid_changes(rest):
    first, second = created_ids(rest, 2)
    body = rest.patch("composite/sobjects", json={"allOrNone": False, "records": [
        contact("Changed", id=first), contact(None, id=second, Email="bad")]}).json()
    assert [r["success"] for r in body] == [True, False]
    assert rest.get(f"sobjects/Contact/{first}").json()["LastName"] == "Changed"


# -- delete ---------------------------------------------------------------------------------------------
def test_delete_by_ids_partial_and_all_or_none(rest):
    first, second, third = created_ids(rest, 3)
    rolled = rest.delete("composite/sobjects", params={"ids": f"{first},001RM000003oLrB000", "allOrNone": "true"})
    assert rolled.status_code == 200
    assert rolled.json() == [{"id": first, "success": False, "errors": [ROLLED_BACK]},
                             {"success": False, "errors": [{"statusCode": "MALFORMED_ID",
                                                            "message": "malformed id 001RM000003oLrB000",
                                                            "fields": []}]}]
    assert rest.get(f"sobjects/Contact/{first}").status_code == 200
    partial = rest.delete("composite/sobjects", params={"ids": f"{first},{second},nope"}).json()
    assert partial[:2] == [{"id": first, "success": True, "errors": []}, {"id": second, "success": True, "errors": []}]
    assert partial[2]["success"] is False
    assert rest.get(f"sobjects/Contact/{first}").status_code == 404
    again = rest.delete("composite/sobjects", params={"ids": first}).json()
    assert again[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    assert live_count(rest, "Contact") == 1 and third


def test_delete_caps_and_requires_ids(rest):
    ids = ",".join(f"003Hs0000000{i:03d}AAA" for i in range(201))
    response = rest.delete("composite/sobjects", params={"ids": ids})
    assert response.status_code == 400 and response.json()[0]["message"] == LIMIT_MESSAGE
    assert rest.delete("composite/sobjects").status_code == 400


# -- retrieve -------------------------------------------------------------------------------------------
def test_retrieve_by_get_and_post_with_null_for_unknown_ids(rest):
    first, gone = created_ids(rest, 2)
    rest.delete(f"sobjects/Contact/{gone}")
    expected_first = {"attributes": {"type": "Contact", "url": f"/services/data/v59.0/sobjects/Contact/{first}"},
                      "Id": first, "LastName": "C0"}
    ids = [first, "003Hs000000zzzzAAA", gone, "garbage"]
    by_get = rest.get("composite/sobjects/Contact", params={"ids": ",".join(ids), "fields": "id,lastname"})
    assert by_get.status_code == 200 and by_get.json() == [expected_first, None, None, None]
    by_post = rest.post("composite/sobjects/Contact", json={"ids": ids, "fields": ["Id", "LastName"]})
    assert by_post.status_code == 200 and by_post.json() == [expected_first, None, None, None]


def test_retrieve_errors(rest):
    first = created_ids(rest, 1)[0]
    bad_field = rest.get("composite/sobjects/Contact", params={"ids": first, "fields": "Nope__c"})
    assert bad_field.status_code == 400 and bad_field.json()[0]["errorCode"] == "INVALID_FIELD"
    assert rest.get("composite/sobjects/Nope", params={"ids": first, "fields": "Id"}).status_code == 404
    assert rest.get("composite/sobjects/Contact", params={"fields": "Id"}).status_code == 400
    assert rest.post("composite/sobjects/Contact", json={"ids": "x", "fields": []}).status_code == 400


# -- upsert ---------------------------------------------------------------------------------------------
def test_upsert_creates_then_updates_with_created_flag(rest, external_id):
    records = [contact("One", Ext_Id__c="AAA"), contact("Two", Ext_Id__c="BBB")]
    first = rest.patch(f"composite/sobjects/Contact/{external_id}", json={"records": records})
    assert first.status_code == 200
    assert [(r["success"], r["created"]) for r in first.json()] == [(True, True), (True, True)]
    assert list(first.json()[0]) == ["id", "success", "errors", "created"]
    second = rest.patch(f"composite/sobjects/Contact/{external_id}", json={"records": [
        contact("Uno", Ext_Id__c="AAA"), contact("Three", Ext_Id__c="CCC")]}).json()
    assert second[0] == {"id": first.json()[0]["id"], "success": True, "errors": [], "created": False}
    assert second[1]["created"] is True
    assert rest.get(f"sobjects/Contact/{second[0]['id']}").json()["LastName"] == "Uno"


def test_upsert_all_or_none_and_record_errors(rest, external_id):
    body = rest.patch(f"composite/sobjects/Contact/{external_id}", json={"allOrNone": True, "records": [
        contact("Fine", Ext_Id__c="X1"), contact("NoKey"), contact("Bad", Ext_Id__c="X2", Email="bad")]}).json()
    assert body[0] == {"id": body[0]["id"], "success": False, "errors": [ROLLED_BACK], "created": False}
    assert body[1]["errors"][0]["statusCode"] == "MISSING_ARGUMENT" and body[1]["created"] is False
    assert body[2]["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS" and body[2]["created"] is False
    assert live_count(rest, "Contact") == 0


def test_upsert_needs_an_external_id_field(rest, external_id):
    unknown = rest.patch("composite/sobjects/Contact/Nope__c", json={"records": [contact("x")]})
    assert unknown.status_code == 404 and unknown.json()[0]["errorCode"] == "NOT_FOUND"
    plain = rest.patch("composite/sobjects/Contact/LastName", json={"records": [contact("x")]})
    assert plain.status_code == 400 and plain.json()[0]["errorCode"] == "INVALID_FIELD"
    too_many = rest.patch(f"composite/sobjects/Contact/{external_id}",
                          json={"records": [contact("x", Ext_Id__c=str(i)) for i in range(201)]})
    assert too_many.status_code == 400 and too_many.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


# -- malformed input, limits ----------------------------------------------------------------------------
@pytest.mark.parametrize("method,path,body", [
    ("POST", "composite/sobjects", b"{not json"),
    ("POST", "composite/sobjects", b"[]"),
    ("POST", "composite/sobjects", b'{"records": {"a": 1}}'),
    ("POST", "composite/sobjects", b'{"records": [1, 2]}'),
    ("POST", "composite/sobjects", b'{"allOrNone": "maybe", "records": []}'),
    ("PATCH", "composite/sobjects", b'{"records": null}'),
    ("PATCH", "composite/sobjects", b'"text"'),
    ("POST", "composite/sobjects/Contact", b'{"ids": [1], "fields": ["Id"]}'),
    ("POST", "composite/sobjects/Contact", b"\xff\xfe"),
    ("PATCH", "composite/sobjects", b'{"records": ' + b"[" * 100000),
])
def test_garbage_bodies_are_400_not_500(rest, method, path, body):
    response = rest.call(method, path, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_odd_but_valid_shapes_never_500(rest):
    weird = [{"attributes": "Contact", "LastName": "x"}, {"attributes": {"type": 5}}, contact("x", Id=None),
             contact(None, Birthdate=[1]), contact("y", LastName={"a": 1}), {"attributes": {"type": "Contact"},
                                                                            5: "x"}]
    for method in ("POST", "PATCH"):
        response = rest.call(method, "composite/sobjects", json={"records": weird})
        assert response.status_code == 200, response.text
        assert len(response.json()) == len(weird)
    assert create(rest, []).json() == []


def test_a_collection_call_counts_once_against_the_api_limit(rest):
    used = rest.get("limits").json()["DailyApiRequests"]
    create(rest, [contact(f"L{i}") for i in range(50)])
    after = rest.get("limits").json()["DailyApiRequests"]
    assert used["Remaining"] - after["Remaining"] == 2  # the collection call and this limits call


# -- allOrNone under concurrent writers -----------------------------------------------------------------
def test_all_or_none_never_leaves_partial_writes_under_8_concurrent_writers(rest, crm_app):
    """8 threads send allOrNone batches of 20; every third batch has one bad record. Only whole batches land."""
    threads, batches, size = 8, 12, 20
    valid_batches: list[int] = []
    failures: list[str] = []
    guard = threading.Lock()

    def writer(n: int) -> None:
        client = type(rest)(session_for(crm_app), rest.token)
        for b in range(batches):
            bad = b % 3 == 0
            records = [contact(f"W{n}-{b}-{i}") for i in range(size)]
            if bad:
                records[(n + b) % size] = contact(None, FirstName="missing last name")
            response = create(client, records, all_or_none=True)
            ok = response.status_code == 200 and all(r["success"] for r in response.json())
            if ok == bad:
                with guard:
                    failures.append(response.text[:200])
            elif ok:
                with guard:
                    valid_batches.append(size)

    run_in_threads(writer, threads)
    assert failures == []
    assert live_count(rest, "Contact") == sum(valid_batches) == threads * 8 * size
