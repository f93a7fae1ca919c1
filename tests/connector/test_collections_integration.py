"""Connector collections and composite helpers against the in-process emulator.

Covers CON-SF-1 (chunking at 200, results merged in input order, all-or-none per call) on top of SF-REST-6
and SF-REST-7.
"""
from __future__ import annotations

import pytest

from connector.salesforce import MalformedRequest
from connector.salesforce.collections import (
    chunk,
    composite,
    create_many,
    delete_many,
    failures,
    retrieve_many,
    update_many,
    upsert_many,
)
from emulator.salesforce.sobjects.fields import FieldDef


def count(crm_session, sobject: str) -> int:
    state = crm_session.get("https://harness.my.salesforce.com/__emulator/state").json()
    return state["salesforce"]["orgs"][0]["records"].get(sobject, 0)


def test_chunk_splits_at_200_records_and_10_type_runs():
    same = [{"attributes": {"type": "Contact"}}] * 450
    assert [len(c) for c in chunk(same)] == [200, 200, 50]
    alternating = [{"attributes": {"type": "Contact" if i % 2 else "Account"}} for i in range(25)]
    assert [len(c) for c in chunk(alternating)] == [10, 10, 5]


def test_create_many_chunks_and_keeps_input_order(salesforce, crm_session):
    results = create_many(salesforce, "Contact", [{"LastName": f"Bulk {i}"} for i in range(450)])
    assert len(results) == 450 and all(r["success"] for r in results)
    assert count(crm_session, "Contact") == 450
    sample = salesforce.get("Contact", results[321]["id"], ["LastName"])
    assert sample["LastName"] == "Bulk 321"


def test_results_merge_failures_in_place(salesforce):
    records = [{"LastName": f"R{i}"} for i in range(205)]
    records[3] = {"FirstName": "no last name"}
    records[202] = {"LastName": "x", "Email": "bad"}
    results = create_many(salesforce, "Contact", records)
    assert [i for i, _ in failures(results)] == [3, 202]
    assert results[3]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert results[202]["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"


def test_all_or_none_holds_per_call(salesforce, crm_session):
    records = [{"LastName": f"A{i}"} for i in range(250)]
    records[240] = {"FirstName": "bad"}
    results = create_many(salesforce, "Contact", records, all_or_none=True)
    assert all(r["success"] for r in results[:200])  # the first call was whole and is kept
    assert not any(r["success"] for r in results[200:])
    assert [i for i, _ in failures(results)] == [240]
    assert results[201]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert count(crm_session, "Contact") == 200


def test_update_upsert_retrieve_delete(salesforce, crm_emulator, crm_session):
    ids = [r["id"] for r in create_many(salesforce, "Contact", [{"LastName": f"U{i}"} for i in range(230)])]
    updated = update_many(salesforce, "Contact", [{"Id": i, "Title": "Engineer"} for i in ids])
    assert [r["id"] for r in updated] == ids
    fetched = retrieve_many(salesforce, "Contact", [ids[0], "003Hs000000zzzzAAA", ids[229]], ["Id", "Title"])
    assert fetched[0]["Title"] == "Engineer" and fetched[1] is None and fetched[2]["Id"] == ids[229]

    org = crm_emulator.salesforce.default_org()
    org.schema.get("Contact").add_field(FieldDef("Ext__c", "Ext", "string", 20, custom=True, external_id=True))
    org.store("Contact").ensure_index("Ext__c")
    upserted = upsert_many(salesforce, "Contact", "Ext__c", [{"Ext__c": f"E{i}", "LastName": "Up"} for i in range(3)])
    assert [r["created"] for r in upserted] == [True, True, True]
    again = upsert_many(salesforce, "Contact", "Ext__c", [{"Ext__c": "E1", "LastName": "Again"}])
    assert again[0] == {"id": upserted[1]["id"], "success": True, "errors": [], "created": False}

    deleted = delete_many(salesforce, ids)
    assert len(deleted) == 230 and all(r["success"] for r in deleted)
    assert count(crm_session, "Contact") == 3
    gone = delete_many(salesforce, ids[:2], all_or_none=True)
    assert [r["errors"][0]["statusCode"] for r in gone] == ["ENTITY_IS_DELETED"] * 2


def test_update_needs_ids_and_types():
    with pytest.raises(ValueError):
        update_many(None, "Contact", [{"LastName": "no id"}])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        create_many(None, None, [{"LastName": "no type"}])  # type: ignore[arg-type]


def test_composite_with_references(salesforce, crm_session):
    responses = composite(salesforce, [
        {"method": "POST", "url": "sobjects/Account", "referenceId": "refAccount", "body": {"Name": "Acme"}},
        {"method": "POST", "url": "sobjects/Contact", "referenceId": "refContact",
         "body": {"LastName": "Ref", "AccountId": "@{refAccount.id}"}},
    ], all_or_none=True)
    assert [r["httpStatusCode"] for r in responses] == [201, 201]
    contact = salesforce.get("Contact", responses[1]["body"]["id"], ["AccountId"])
    assert contact["AccountId"] == responses[0]["body"]["id"]
    with pytest.raises(ValueError):
        composite(salesforce, [{"method": "GET", "url": "limits", "referenceId": f"r{i}"} for i in range(26)])


def test_request_level_errors_raise(salesforce):
    with pytest.raises(MalformedRequest) as error:
        salesforce.request("POST", "composite/sobjects", json={"records": [{}] * 201})
    assert error.value.error_code == "EXCEEDED_ID_LIMIT"
