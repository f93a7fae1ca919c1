"""SOQL over REST: /query, /queryAll, queryMore locators, batch sizes. Covers SF-REST-8, SF-WIRE-1."""
from __future__ import annotations

from datetime import timedelta

import pytest


@pytest.fixture
def contacts(rest):
    account = rest.post("sobjects/Account", json={"Name": "Acme"}).json()["id"]
    return [rest.post("sobjects/Contact", json={"LastName": f"N{i:03d}", "Email": f"c{i}@acme.io",
                                                "AccountId": account}).json()["id"] for i in range(450)]


def test_query_shape_and_parent_fields(rest, contacts):
    body = rest.get("query/", params={"q": "SELECT Id, LastName, Account.Name, Owner.Name FROM Contact "
                                           "WHERE Email = 'C7@ACME.IO'"}).json()
    assert list(body) == ["totalSize", "done", "records"]
    assert body["totalSize"] == 1 and body["done"] is True
    row = body["records"][0]
    assert row["attributes"] == {"type": "Contact", "url": f"/services/data/v59.0/sobjects/Contact/{contacts[7]}"}
    assert row["LastName"] == "N007" and row["Account"]["Name"] == "Acme"
    assert row["Owner"]["Name"] == "Ada Admin"


def test_query_more_follows_root_relative_locators(rest, contacts):
    first = rest.get("query", params={"q": "SELECT Id FROM Contact ORDER BY LastName"},
                     headers={"Sforce-Query-Options": "batchSize=200"}).json()
    assert first["totalSize"] == 450 and first["done"] is False and len(first["records"]) == 200
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    assert first["nextRecordsUrl"].endswith("-200")
    seen = [r["Id"] for r in first["records"]]
    page = first
    while not page["done"]:
        page = rest.get(page["nextRecordsUrl"]).json()
        seen += [r["Id"] for r in page["records"]]
    assert "nextRecordsUrl" not in page and seen == contacts
    spent = rest.get(first["nextRecordsUrl"])
    assert spent.status_code == 400
    assert spent.json() == [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}]


def test_default_batch_is_2000_and_small_results_need_no_locator(rest, contacts):
    body = rest.get("query", params={"q": "SELECT Id FROM Contact"}).json()
    assert body["done"] is True and len(body["records"]) == 450
    tiny = rest.get("query", params={"q": "SELECT Id FROM Contact"},
                    headers={"Sforce-Query-Options": "batchSize=5"}).json()
    assert len(tiny["records"]) == 200  # clamped to the 200 minimum


def test_locators_expire_after_15_idle_minutes(rest, contacts, crm_emulator):
    first = rest.get("query", params={"q": "SELECT Id FROM Contact"},
                     headers={"Sforce-Query-Options": "batchSize=200"}).json()
    crm_emulator.clock.advance(timedelta(minutes=16))
    expired = rest.get(first["nextRecordsUrl"])
    assert expired.status_code == 400 and expired.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_query_all_includes_deleted_rows(rest, contacts):
    rest.delete(f"sobjects/Contact/{contacts[0]}")
    soql = "SELECT Id, IsDeleted FROM Contact WHERE LastName = 'N000'"
    assert rest.get("query", params={"q": soql}).json()["totalSize"] == 0
    rows = rest.get("queryAll/", params={"q": soql}).json()["records"]
    assert rows[0]["Id"] == contacts[0] and rows[0]["IsDeleted"] is True


def test_count(rest, contacts):
    body = rest.get("query", params={"q": "SELECT COUNT() FROM Contact WHERE LastName LIKE 'N1%'"}).json()
    assert body == {"totalSize": 100, "done": True, "records": []}


@pytest.mark.parametrize("soql,code", [
    ("SELECT Idd FROM Contact", "INVALID_FIELD"),
    ("SELECT Id FROM Nope", "INVALID_TYPE"),
    ("SELECT Id FRO Contact", "MALFORMED_QUERY"),
    ("SELECT Id FROM Contact LIMIT -1", "MALFORMED_QUERY"),
    ("", "MALFORMED_QUERY"),
])
def test_query_errors(rest, soql, code):
    response = rest.get("query", params={"q": soql})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()[0]["errorCode"] == code
