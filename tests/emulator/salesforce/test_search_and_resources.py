"""SOSL search, parameterizedSearch, recent items, explain, the full resource list, tabs, SOAP
logout and Tooling sobjects — raw HTTP and simple_salesforce, in-process and served.
Covers SF-REST-14."""
from __future__ import annotations

import pytest
from sf_served_helpers import served_salesforce
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from emulator.testing import serve_subprocess

INSTANCE = "https://harness.my.salesforce.com"


def people(rest) -> dict:
    made = {}
    for first, last, email, phone in (("Ada", "Lovelace", "ada@engine.org", "(415) 555-0101"),
                                      ("Grace", "Hopper", "grace@navy.mil", "+1 212 555 0199"),
                                      ("Alan", "Turing", "alan.turing@bletchley.uk", "020 7946 0000")):
        made[last] = rest.post("sobjects/Contact", json={"FirstName": first, "LastName": last, "Email": email,
                                                         "Phone": phone}).json()["id"]
    made["lead"] = rest.post("sobjects/Lead", json={"LastName": "Lovelace", "Company": "Engines",
                                                    "Email": "byron@engine.org"}).json()["id"]
    return made


def search(rest, sosl: str, version: str = "v59.0"):
    return rest.get(f"/services/data/{version}/search", params={"q": sosl})


def names(response) -> list[tuple[str, str]]:
    return [(r["attributes"]["type"], r.get("Name") or r["Id"]) for r in response.json()["searchRecords"]]


# -- SOSL ------------------------------------------------------------------------------------------
def test_find_in_name_email_and_phone_fields(rest):
    people(rest)
    by_name = search(rest, "FIND {Lovelace} IN NAME FIELDS RETURNING Contact(Name), Lead(Name, Company)")
    assert by_name.status_code == 200
    assert names(by_name) == [("Contact", "Ada Lovelace"), ("Lead", "Lovelace")]
    assert by_name.json()["searchRecords"][1]["Company"] == "Engines"
    by_email = search(rest, "FIND {grace@navy.mil} IN EMAIL FIELDS RETURNING Contact(Name, Email)")
    assert names(by_email) == [("Contact", "Grace Hopper")]
    by_domain = search(rest, "FIND {engine.org} IN EMAIL FIELDS RETURNING Contact(Name), Lead(Name)")
    assert names(by_domain) == [("Contact", "Ada Lovelace"), ("Lead", "Lovelace")]
    by_phone = search(rest, "FIND {4155550101} IN PHONE FIELDS RETURNING Contact(Name, Phone)")
    assert names(by_phone) == [("Contact", "Ada Lovelace")]
    assert by_phone.json()["searchRecords"][0]["Phone"] == "(415) 555-0101"
    wrong_group = search(rest, "FIND {Lovelace} IN EMAIL FIELDS RETURNING Contact(Name)")
    assert wrong_group.json() == {"searchRecords": []}


def test_term_operators_wildcards_and_phrases(rest):
    people(rest)
    assert names(search(rest, "FIND {Hopper OR Turing} RETURNING Contact(Name ORDER BY Name)")) == [
        ("Contact", "Alan Turing"), ("Contact", "Grace Hopper")]
    # the Lead's email is byron@engine.org: ALL FIELDS sees it, NAME FIELDS does not
    assert names(search(rest, "FIND {Lovelace AND NOT Byron} RETURNING Contact(Name), Lead(Name)")) == [
        ("Contact", "Ada Lovelace")]
    assert names(search(rest, "FIND {Lovelace AND NOT Byron} IN NAME FIELDS RETURNING Contact(Name), Lead(Name)")) == [
        ("Contact", "Ada Lovelace"), ("Lead", "Lovelace")]
    assert names(search(rest, "FIND {Love*} RETURNING Contact(Name)")) == [("Contact", "Ada Lovelace")]
    assert names(search(rest, 'FIND {"Grace Hopper"} RETURNING Contact(Name)')) == [("Contact", "Grace Hopper")]
    assert names(search(rest, 'FIND {"Hopper Grace"} RETURNING Contact(Name)')) == []
    assert names(search(rest, "FIND {ada lovelace} RETURNING Contact(Name)")) == [("Contact", "Ada Lovelace")]


def test_returning_where_order_limit_and_default_id_only(rest):
    made = people(rest)
    rows = search(rest, "FIND {Lovelace OR Hopper OR Turing} RETURNING Contact(Name WHERE Email LIKE '%.uk' "
                        "ORDER BY Name LIMIT 5)")
    assert names(rows) == [("Contact", "Alan Turing")]
    limited = search(rest, "FIND {Lovelace OR Hopper OR Turing} RETURNING Contact(Name ORDER BY Name DESC LIMIT 2)")
    assert names(limited) == [("Contact", "Grace Hopper"), ("Contact", "Alan Turing")]
    bare = search(rest, "FIND {Hopper}")
    assert bare.json()["searchRecords"] == [{"attributes": {
        "type": "Contact", "url": f"/services/data/v59.0/sobjects/Contact/{made['Hopper']}"}, "Id": made["Hopper"]}]
    overall = search(rest, "FIND {Lovelace} RETURNING Contact(Name), Lead(Name) LIMIT 1")
    assert names(overall) == [("Contact", "Ada Lovelace")]


def test_search_follows_updates_and_deletes(rest):
    made = people(rest)
    rest.patch(f"sobjects/Contact/{made['Hopper']}", json={"LastName": "Murray"})
    assert names(search(rest, "FIND {Hopper} RETURNING Contact(Name)")) == []
    assert names(search(rest, "FIND {Murray} RETURNING Contact(Name)")) == [("Contact", "Grace Murray")]
    rest.delete(f"sobjects/Contact/{made['Turing']}")
    assert names(search(rest, "FIND {Turing} RETURNING Contact(Name)")) == []
    rest.post("sobjects/Contact", json={"LastName": "Turing"})
    assert names(search(rest, "FIND {Turing} RETURNING Contact(Name)")) == [("Contact", "Turing")]


def test_old_versions_answer_a_bare_array(rest):
    people(rest)
    response = search(rest, "FIND {Hopper} RETURNING Contact(Name)", "v36.0")
    assert isinstance(response.json(), list) and response.json()[0]["Name"] == "Grace Hopper"
    assert "searchRecords" in search(rest, "FIND {Hopper}", "v37.0").json()


@pytest.mark.parametrize("sosl, code, text", [
    ("FIND {Hopper", "MALFORMED_SEARCH", "no viable alternative at character '{'"),
    ("FIND Hopper", "MALFORMED_SEARCH", "unexpected token"),
    ("FIND {Hopper} RETURNING Contact(Name", "MALFORMED_SEARCH", "unexpected token: '<EOF>'"),
    ("FIND {Hopper} IN SIDEWAYS FIELDS", "MALFORMED_SEARCH", "unexpected token"),
    ("FIND {(Hopper}", "MALFORMED_SEARCH", "unexpected token"),
    ("FIND {x}", "INVALID_SEARCH", "search term must be longer than one character: x"),
    ("FIND {Hopper} RETURNING Nope", "INVALID_TYPE", "sObject type 'Nope' is not supported"),
    ("FIND {Hopper} RETURNING Contact(Nope)", "INVALID_FIELD", "No such column 'Nope' on entity 'Contact'"),
    ("FIND {Hopper} RETURNING Account(Name, (SELECT Id FROM Contacts))", "MALFORMED_SEARCH", "not supported"),
    ("", "MALFORMED_SEARCH", "No search term found"),
])
def test_bad_searches_are_the_real_errors(rest, sosl, code, text):
    response = search(rest, sosl)
    assert response.status_code == 400
    (error,) = response.json()
    assert error["errorCode"] == code and text in error["message"], error


def test_parameterized_search(rest):
    people(rest)
    response = rest.get("parameterizedSearch", params={"q": "Lovelace", "sobject": ["Contact", "Lead"],
                                                       "Contact.fields": "Id,Name,Email", "Lead.fields": "Company",
                                                       "in": "NAME"})
    assert response.status_code == 200
    rows = response.json()["searchRecords"]
    assert [(r["attributes"]["type"], r.get("Email") or r.get("Company")) for r in rows] == [
        ("Contact", "ada@engine.org"), ("Lead", "Engines")]
    assert rest.get("parameterizedSearch", params={"q": "x"}).json()[0]["errorCode"] == "INVALID_SEARCH"
    assert rest.get("parameterizedSearch").json()[0]["errorCode"] == "MALFORMED_SEARCH"
    bad_group = rest.get("parameterizedSearch", params={"q": "Lovelace", "in": "SIDEWAYS"})
    assert bad_group.status_code == 400 and bad_group.json()[0]["errorCode"] == "INVALID_SEARCH"
    old = rest.get("/services/data/v36.0/parameterizedSearch", params={"q": "Hopper", "sobject": "Contact"})
    assert isinstance(old.json(), list) and len(old.json()) == 1


def test_simple_salesforce_search_quick_search_and_restful(crm_session, rest):
    people(rest)
    sf = Salesforce(instance_url=INSTANCE, session_id=rest.token, session=crm_session)
    found = sf.search("FIND {Hopper} RETURNING Contact(Name)")
    assert found["searchRecords"][0]["Name"] == "Grace Hopper"
    assert sf.quick_search("Turing")["searchRecords"][0]["attributes"]["type"] == "Contact"
    with pytest.raises(SalesforceMalformedRequest):
        sf.search("FIND {Hopper")
    ps = sf.restful("parameterizedSearch", params={"q": "Hopper", "sobject": "Contact", "Contact.fields": "Name"})
    assert ps["searchRecords"][0]["Name"] == "Grace Hopper"
    resources = sf.restful("")
    assert {"search", "parameterizedSearch", "recent", "tabs", "jobs", "identity"} <= set(resources)


# -- recent items ------------------------------------------------------------------------------------
def test_recent_is_fed_by_record_gets_and_for_view(rest):
    made = people(rest)
    assert rest.get("recent").json() == []
    rest.get(f"sobjects/Contact/{made['Hopper']}")
    rest.get(f"sobjects/Lead/{made['lead']}")
    recent = rest.get("recent").json()
    assert [(r["attributes"]["type"], r["Id"], r["Name"]) for r in recent] == [
        ("Lead", made["lead"], "Lovelace"), ("Contact", made["Hopper"], "Grace Hopper")]
    assert rest.get("recent", params={"limit": 1}).json()[0]["Id"] == made["lead"]
    viewed = rest.get("query", params={"q": "SELECT Id FROM Contact WHERE LastName = 'Turing' FOR VIEW"})
    assert viewed.status_code == 200
    turing = rest.get("query", params={"q": "SELECT LastViewedDate, LastReferencedDate FROM Contact "
                                            "WHERE LastName = 'Turing'"}).json()["records"][0]
    assert turing["LastViewedDate"] is not None and turing["LastReferencedDate"] is not None
    rest.get("query", params={"q": "SELECT Id FROM Contact WHERE LastName = 'Lovelace' FOR REFERENCE"})
    ada = rest.get("query", params={"q": "SELECT LastViewedDate, LastReferencedDate FROM Contact "
                                         "WHERE LastName = 'Lovelace'"}).json()["records"][0]
    assert ada["LastViewedDate"] is None and ada["LastReferencedDate"] is not None
    assert [r["Id"] for r in rest.get("recent").json()[:2]] == [made["Lovelace"], made["Turing"]]
    assert rest.get("sobjects/Contact").json()["recentItems"][0]["Id"] == made["Lovelace"]
    bad = rest.get("recent", params={"limit": "many"})
    assert bad.status_code == 400
    rest.delete(f"sobjects/Lead/{made['lead']}")
    assert made["lead"] not in [r["Id"] for r in rest.get("recent").json()]
    bad_for = rest.get("query", params={"q": "SELECT Id FROM Contact FOR LOOKING"})
    assert bad_for.status_code == 400 and bad_for.json()[0]["errorCode"] == "MALFORMED_QUERY"


# -- explain -----------------------------------------------------------------------------------------
def test_explain_reports_the_planners_plan(rest):
    people(rest)
    indexed = rest.get("query", params={"explain": "SELECT Id FROM Contact WHERE Email = 'grace@navy.mil'"})
    assert indexed.status_code == 200
    first, scan = indexed.json()["plans"]
    assert (first["leadingOperationType"], first["fields"], first["cardinality"], first["sobjectCardinality"],
            first["sobjectType"]) == ("Index", ["Email"], 1, 3, "Contact")
    assert first["relativeCost"] < scan["relativeCost"] and scan["leadingOperationType"] == "TableScan"
    plans = rest.get("query", params={"explain": "SELECT Id FROM Contact WHERE LastName LIKE 'Ho%'"}).json()["plans"]
    assert [p["leadingOperationType"] for p in plans] == ["TableScan"]
    assert plans[0]["cardinality"] == 3
    assert plans[0]["notes"] == [{"description": "Not considering filter for optimization because unindexed",
                                  "fields": ["LastName"], "tableEnumOrId": "Contact"}]
    dated = rest.get("query", params={"explain": "SELECT Id FROM Contact WHERE SystemModstamp > "
                                                 "2000-01-01T00:00:00Z"}).json()["plans"][0]
    assert (dated["leadingOperationType"], dated["fields"]) == ("Index", ["SystemModstamp"])
    bad = rest.get("query", params={"explain": "SELECT FROM Contact"})
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "MALFORMED_QUERY"


# -- resource list, identity, tabs, tooling ----------------------------------------------------------
def test_resource_list_identity_and_tabs(rest, crm_session):
    body = rest.get("/services/data/v59.0").json()
    for name in ("sobjects", "query", "queryAll", "search", "parameterizedSearch", "recent", "limits",
                 "composite", "tooling", "jobs", "tabs"):
        assert body[name] == f"/services/data/v59.0/{name}"
    assert "jobs/ingest" not in body
    assert body["identity"].startswith(f"{INSTANCE}/id/00D")
    identity = crm_session.get(body["identity"], params={"format": "json", "oauth_token": rest.token})
    assert identity.status_code == 200 and identity.json()["username"] == "admin@example.com"
    assert crm_session.get(body["identity"], params={"oauth_token": "bogus"}).status_code == 401
    assert rest.get("tabs").status_code == 200
    tabs = {t["sobjectName"]: t for t in rest.get("tabs").json()}
    assert tabs["Account"]["url"] == f"{INSTANCE}/001/o" and tabs["Case"]["label"] == "Cases"
    unauthenticated = crm_session.get(f"{INSTANCE}/services/data/v59.0")
    assert unauthenticated.status_code == 401


def test_tooling_sobjects_lists_the_served_tooling_objects(rest):
    body = rest.get("tooling/sobjects").json()
    (custom_field,) = body["sobjects"]
    assert (custom_field["name"], custom_field["keyPrefix"]) == ("CustomField", "00N")
    assert custom_field["urls"]["sobject"] == "/services/data/v59.0/tooling/sobjects/CustomField"
    assert body["maxBatchSize"] == 200


# -- SOAP logout -------------------------------------------------------------------------------------
LOGOUT = ('<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv='
          '"http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Header>'
          '<urn:SessionHeader><urn:sessionId>{sid}</urn:sessionId></urn:SessionHeader></soapenv:Header>'
          '<soapenv:Body><urn:logout/></soapenv:Body></soapenv:Envelope>')


def test_soap_logout_ends_the_session(crm_session):
    sf = Salesforce(username="admin@example.com", password="password123", security_token="TOKEN123",
                    session=crm_session)
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 0
    headers = {"Content-Type": "text/xml", "SOAPAction": '""'}
    response = crm_session.post(f"{INSTANCE}/services/Soap/u/59.0", data=LOGOUT.format(sid=sf.session_id),
                                headers=headers)
    assert response.status_code == 200 and "<logoutResponse/>" in response.text
    after = crm_session.get(f"{INSTANCE}/services/data/v59.0/limits",
                            headers={"Authorization": f"Bearer {sf.session_id}"})
    assert after.status_code == 401 and after.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    again = crm_session.post(f"{INSTANCE}/services/Soap/u/59.0", data=LOGOUT.format(sid=sf.session_id),
                             headers=headers)
    assert again.status_code == 500 and "<faultcode>sf:INVALID_SESSION_ID</faultcode>" in again.text


# -- served --------------------------------------------------------------------------------------------
def test_served_search_recent_and_resources():
    with serve_subprocess("--demo") as server:
        sf = served_salesforce(server.base_url)
        contact = sf.query("SELECT Id, LastName FROM Contact LIMIT 1")["records"][0]
        found = sf.search(f"FIND {{{contact['LastName']}}} IN NAME FIELDS RETURNING Contact(Id, LastName)")
        assert contact["Id"] in [r["Id"] for r in found["searchRecords"]]
        sf.Contact.get(contact["Id"])
        assert sf.restful("recent")[0]["Id"] == contact["Id"]
        assert "identity" in sf.restful("")
        plans = sf.restful("query", params={"explain": f"SELECT Id FROM Contact WHERE Id = '{contact['Id']}'"})
        assert plans["plans"][0]["leadingOperationType"] == "Index"
