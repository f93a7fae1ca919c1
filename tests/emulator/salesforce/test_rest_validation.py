"""Record validation errors with the real codes and bodies. Covers SF-REST-5."""
from __future__ import annotations

import pytest


def test_valid_lead_is_created_with_default_status(rest):
    response = rest.post("sobjects/Lead", json={"LastName": "Ok", "Company": "Acme", "Email": "ok@acme.io"})
    assert response.status_code == 201
    lead = rest.get(f"sobjects/Lead/{response.json()['id']}").json()
    assert lead["Status"] == "Open - Not Contacted"


def test_required_field_missing(rest):
    response = rest.post("sobjects/Lead", json={"LastName": "NoCompany"})
    assert response.status_code == 400
    assert response.json() == [{"message": "Required fields are missing: [Company]",
                                "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["Company"]}]
    record_id = rest.post("sobjects/Contact", json={"LastName": "Keep"}).json()["id"]
    nulled = rest.patch(f"sobjects/Contact/{record_id}", json={"LastName": None})
    assert nulled.json()[0]["errorCode"] == "REQUIRED_FIELD_MISSING"


def test_string_too_long_names_the_label(rest):
    ok = rest.post("sobjects/Contact", json={"LastName": "x" * 80})
    assert ok.status_code == 201
    value = "y" * 81
    response = rest.post("sobjects/Contact", json={"LastName": value})
    assert response.status_code == 400
    assert response.json() == [{"message": f"Last Name: data value too large: {value} (max length=80)",
                                "errorCode": "STRING_TOO_LONG", "fields": ["LastName"]}]


def test_unknown_field(rest):
    response = rest.post("sobjects/Contact", json={"LastName": "X", "Foo__c": "bar"})
    assert response.status_code == 400
    assert response.json() == [{"message": "No such column 'Foo__c' on sobject of type Contact",
                                "errorCode": "INVALID_FIELD"}]


def test_unknown_object(rest):
    response = rest.post("sobjects/Nope", json={"Name": "x"})
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


@pytest.mark.parametrize("payload,code", [
    ({"LastName": "X", "HasOptedOutOfEmail": "maybe"}, "JSON_PARSER_ERROR"),
    ({"LastName": "X", "Birthdate": "2020-13-45"}, "JSON_PARSER_ERROR"),
    ({"LastName": {"nested": 1}}, "JSON_PARSER_ERROR"),
    ({"LastName": "X", "Birthdate": 12}, "INVALID_TYPE_ON_FIELD_IN_RECORD"),
])
def test_wrong_types(rest, payload, code):
    response = rest.post("sobjects/Contact", json=payload)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == code


def test_right_types_are_accepted(rest):
    response = rest.post("sobjects/Contact", json={"LastName": "T", "HasOptedOutOfEmail": True,
                                                   "Birthdate": "1990-05-17"})
    assert response.status_code == 201
    body = rest.get(f"sobjects/Contact/{response.json()['id']}").json()
    assert body["Birthdate"] == "1990-05-17" and body["HasOptedOutOfEmail"] is True


def test_invalid_email(rest):
    response = rest.post("sobjects/Contact", json={"LastName": "X", "Email": "not-an-email"})
    assert response.json() == [{"message": "Email: invalid email address: not-an-email",
                                "errorCode": "INVALID_EMAIL_ADDRESS", "fields": ["Email"]}]


def test_read_only_field(rest):
    response = rest.post("sobjects/Contact", json={"LastName": "X", "CreatedDate": "2020-01-01T00:00:00Z"})
    assert response.status_code == 400
    body = response.json()[0]
    assert body["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE" and body["fields"] == ["CreatedDate"]


def test_restricted_picklist(rest):
    response = rest.post("sobjects/Lead", json={"LastName": "X", "Company": "C", "Status": "Bogus"})
    assert response.json() == [{"message": "Status: bad value for restricted picklist field: Bogus",
                                "errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "fields": ["Status"]}]
    ok = rest.post("sobjects/Lead", json={"LastName": "X", "Company": "C", "Status": "Working - Contacted"})
    assert ok.status_code == 201


def test_references_must_point_at_live_records_of_the_right_type(rest):
    account = rest.post("sobjects/Account", json={"Name": "Acme"}).json()["id"]
    ok = rest.post("sobjects/Contact", json={"LastName": "X", "AccountId": account})
    assert ok.status_code == 201
    wrong_type = rest.post("sobjects/Contact", json={"LastName": "X", "AccountId": ok.json()["id"]})
    assert wrong_type.json()[0]["errorCode"] == "MALFORMED_ID"
    rest.delete(f"sobjects/Account/{account}")
    deleted = rest.post("sobjects/Contact", json={"LastName": "X", "AccountId": account})
    assert deleted.json()[0]["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"
