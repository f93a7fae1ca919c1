"""Parent-to-child subqueries through REST and simple_salesforce, in-process and served.
Covers SF-REST-8 (subqueries) and SF-REST-15 (childRelationships usable in subqueries)."""
from __future__ import annotations

from sf_served_helpers import served_salesforce
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from emulator.testing import serve_subprocess

Q = "SELECT Name, (SELECT LastName FROM Contacts WHERE LastName != 'Skip' ORDER BY LastName LIMIT 2) FROM Account"


def seed(rest) -> dict:
    ids = {name: rest.post("sobjects/Account", json={"Name": name}).json()["id"] for name in ("Acme", "Empty")}
    for last in ("Zed", "Bell", "Skip", "Adams"):
        rest.post("sobjects/Contact", json={"LastName": last, "AccountId": ids["Acme"]})
    rest.post("sobjects/Opportunity", json={"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2026-03-01",
                                            "AccountId": ids["Acme"]})
    return ids


def test_subquery_with_where_order_and_limit(rest):
    seed(rest)
    body = rest.get("query", params={"q": Q + " ORDER BY Name"}).json()
    acme, empty = body["records"]
    assert acme["Name"] == "Acme"
    assert list(acme) == ["attributes", "Name", "Contacts"]
    contacts = acme["Contacts"]
    assert (contacts["totalSize"], contacts["done"]) == (2, True)
    assert [c["LastName"] for c in contacts["records"]] == ["Adams", "Bell"]
    assert contacts["records"][0]["attributes"]["type"] == "Contact"
    assert empty["Contacts"] is None


def test_several_subqueries_and_parent_fields_inside(rest):
    seed(rest)
    q = ("SELECT Id, (SELECT Name, StageName FROM Opportunities), (SELECT LastName, Account.Name FROM Contacts "
         "ORDER BY LastName DESC) FROM Account WHERE Name = 'Acme'")
    (row,) = rest.get("query", params={"q": q}).json()["records"]
    assert row["Opportunities"]["records"][0]["StageName"] == "Prospecting"
    assert [c["LastName"] for c in row["Contacts"]["records"]] == ["Zed", "Skip", "Bell", "Adams"]
    assert row["Contacts"]["records"][0]["Account"]["Name"] == "Acme"


def test_deleted_children_are_left_out(rest):
    ids = seed(rest)
    q = f"SELECT (SELECT LastName FROM Contacts) FROM Account WHERE Id = '{ids['Acme']}'"
    for row in rest.get("query", params={"q": "SELECT Id FROM Contact"}).json()["records"]:
        rest.delete(f"sobjects/Contact/{row['Id']}")
    assert rest.get("query", params={"q": q}).json()["records"][0]["Contacts"] is None


def test_bad_subqueries_are_the_real_errors(rest):
    cases = {
        "SELECT Name, (SELECT LastName FROM Contactz) FROM Account": (
            "INVALID_TYPE", "Didn't understand relationship 'Contactz' in FROM part of query call."),
        "SELECT Name, (SELECT Bogus FROM Contacts) FROM Account": ("INVALID_FIELD", "No such column 'Bogus' on "
                                                                                    "entity 'Contact'."),
        "SELECT Name, (SELECT LastName FROM Contacts FROM Account": ("MALFORMED_QUERY", "unexpected token: 'FROM'"),
        "SELECT Name, (SELECT Id, (SELECT Id FROM Cases) FROM Contacts) FROM Account": (
            "MALFORMED_QUERY", "more than 1 level away from the root entity object"),
        "SELECT Name, (SELECT Id FROM Contacts), (SELECT Id FROM contacts) FROM Account": (
            "MALFORMED_QUERY", "duplicate field selected: Contacts"),
        "SELECT LastName, (SELECT Id FROM Contacts) FROM Contact": (
            "INVALID_TYPE", "Didn't understand relationship 'Contacts'"),
    }
    for soql, (code, text) in cases.items():
        response = rest.get("query", params={"q": soql})
        assert response.status_code == 400, soql
        (error,) = response.json()
        assert error["errorCode"] == code and text in error["message"], (soql, error)


def test_account_where_on_contacts_reference_uses_the_index(rest, crm_emulator):
    ids = seed(rest)
    data = crm_emulator.salesforce.default_org()
    store = data.store("Contact")
    assert "AccountId" in store.equality  # the subquery's children and AccountId filters come from here
    rows = rest.get("query", params={"q": f"SELECT LastName FROM Contact WHERE AccountId = '{ids['Acme']}'"})
    assert rows.json()["totalSize"] == 4


def test_simple_salesforce_query_with_a_subquery(crm_session, rest):
    seed(rest)
    sf = Salesforce(instance_url="https://harness.my.salesforce.com", session_id=rest.token, session=crm_session)
    result = sf.query_all(Q + " ORDER BY Name")
    assert [r["Name"] for r in result["records"]] == ["Acme", "Empty"]
    assert [c["LastName"] for c in result["records"][0]["Contacts"]["records"]] == ["Adams", "Bell"]
    try:
        sf.query("SELECT Name, (SELECT Id FROM Nope) FROM Account")
    except SalesforceMalformedRequest as error:
        assert error.content[0]["errorCode"] == "INVALID_TYPE"
    else:
        raise AssertionError("a bad relationship must fail")


def test_served_subquery_over_the_demo_data():
    with serve_subprocess("--demo") as server:
        sf = served_salesforce(server.base_url)
        rows = sf.query_all("SELECT Name, (SELECT LastName FROM Contacts), (SELECT CaseNumber FROM Cases), "
                            "(SELECT StageName FROM Opportunities) FROM Account")["records"]
        assert len(rows) == 5
        assert sum(r["Contacts"]["totalSize"] for r in rows if r["Contacts"]) == 50
        assert sum(r["Opportunities"]["totalSize"] for r in rows if r["Opportunities"]) == 25
        assert sum(r["Cases"]["totalSize"] for r in rows if r["Cases"]) == 25
