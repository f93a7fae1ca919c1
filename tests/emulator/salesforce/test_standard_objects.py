"""Standard objects as a real org has them: Opportunity, Case, complete fields, compound
fields, childRelationships. Covers SF-REST-15 (and SF-REST-2's describe)."""
from __future__ import annotations

import pytest
from sf_served_helpers import served_salesforce
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest


from emulator.testing import serve_subprocess
from fixtures.generate import generate_dataset

INSERT_UPDATE = ("Please check the security settings of this field and verify that it is read/write for "
                 "your profile or permission set.")


def fields_of(rest, sobject: str) -> dict:
    response = rest.get(f"sobjects/{sobject}/describe")
    assert response.status_code == 200
    return {f["name"]: f for f in response.json()["fields"]}


@pytest.mark.parametrize("sobject, present", [
    ("Account", ["LastActivityDate", "Sic", "SicDesc", "Site", "TickerSymbol", "Ownership", "AccountSource",
                 "Jigsaw", "JigsawCompanyId", "BillingAddress", "ShippingAddress", "MasterRecordId"]),
    ("Contact", ["MailingAddress", "OtherAddress", "ReportsToId", "MasterRecordId", "AssistantName",
                 "OtherPhone", "IsEmailBounced", "Name"]),
    ("Lead", ["Address", "ConvertedAccountId", "ConvertedDate", "CompanyDunsNumber", "Name"]),
    ("User", ["Address", "Alias", "ManagerId", "Name", "LastLoginDate"]),
    ("Opportunity", ["Name", "StageName", "CloseDate", "Amount", "Probability", "ForecastCategory", "IsWon"]),
    ("Case", ["CaseNumber", "Status", "Priority", "Origin", "ContactId", "AccountId", "IsClosed"]),
])
def test_describe_lists_the_standard_fields(rest, sobject, present):
    fields = fields_of(rest, sobject)
    assert set(present) <= set(fields)
    for system in ("Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById",
                   "SystemModstamp"):
        assert system in fields


def test_field_metadata_is_the_real_orgs(rest):
    account = fields_of(rest, "Account")
    assert (account["Sic"]["type"], account["Sic"]["length"]) == ("string", 20)
    assert [v["value"] for v in account["Ownership"]["picklistValues"]] == ["Public", "Private", "Subsidiary",
                                                                           "Other"]
    address = account["BillingAddress"]
    assert (address["type"], address["soapType"], address["createable"], address["updateable"],
            address["filterable"]) == ("address", "urn:address", False, False, False)
    assert account["BillingCity"]["compoundFieldName"] == "BillingAddress"
    assert (account["BillingLatitude"]["type"], account["BillingLatitude"]["scale"]) == ("double", 15)
    contact = fields_of(rest, "Contact")
    assert contact["ReportsToId"]["referenceTo"] == ["Contact"]
    assert contact["ReportsToId"]["relationshipName"] == "ReportsTo"
    assert contact["LastName"]["compoundFieldName"] == "Name"
    opportunity = fields_of(rest, "Opportunity")
    stage = opportunity["StageName"]
    assert (stage["nillable"], stage["defaultValue"], stage["restrictedPicklist"]) == (False, None, True)
    assert [v["value"] for v in stage["picklistValues"]][0::9] == ["Prospecting", "Closed Lost"]
    assert opportunity["CloseDate"]["type"] == "date" and opportunity["CloseDate"]["nillable"] is False
    case = fields_of(rest, "Case")
    assert [v["value"] for v in case["Status"]["picklistValues"]] == ["New", "Working", "Escalated", "Closed"]
    assert case["Status"]["defaultValue"] == "New" and case["Priority"]["defaultValue"] == "Medium"
    assert [v["value"] for v in case["Origin"]["picklistValues"]] == ["Phone", "Email", "Web"]
    assert case["CaseNumber"]["autoNumber"] is True and case["CaseNumber"]["createable"] is False


def test_global_describe_lists_opportunity_and_case(rest):
    objects = {o["name"]: o for o in rest.get("sobjects").json()["sobjects"]}
    assert objects["Opportunity"]["keyPrefix"] == "006" and objects["Case"]["keyPrefix"] == "500"
    assert objects["Opportunity"]["labelPlural"] == "Opportunities"


def test_child_relationships_in_describe(rest):
    account = rest.get("sobjects/Account/describe").json()["childRelationships"]
    names = {(c["childSObject"], c["field"]): c["relationshipName"] for c in account}
    assert names[("Contact", "AccountId")] == "Contacts"
    assert names[("Opportunity", "AccountId")] == "Opportunities"
    assert names[("Case", "AccountId")] == "Cases"
    contact = rest.get("sobjects/Contact/describe").json()["childRelationships"]
    assert {"childSObject": "Case", "field": "ContactId", "relationshipName": "Cases"}.items() <= next(
        c for c in contact if c["childSObject"] == "Case").items()


def test_opportunity_requires_name_stage_and_close_date(rest):
    missing = rest.post("sobjects/Opportunity", json={"Name": "Deal"})
    assert missing.status_code == 400
    assert missing.json() == [{"message": "Required fields are missing: [StageName, CloseDate]",
                               "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["StageName", "CloseDate"]}]
    bad_stage = rest.post("sobjects/Opportunity", json={"Name": "Deal", "StageName": "Won?",
                                                         "CloseDate": "2026-01-31"})
    assert bad_stage.json()[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    account = rest.post("sobjects/Account", json={"Name": "Acme"}).json()["id"]
    created = rest.post("sobjects/Opportunity", json={"Name": "Deal", "StageName": "Closed Won",
                                                       "CloseDate": "2026-01-31", "Amount": 1000,
                                                       "AccountId": account})
    assert created.status_code == 201
    record = rest.get(f"sobjects/Opportunity/{created.json()['id']}").json()
    assert (record["IsClosed"], record["IsWon"], record["Probability"], record["ForecastCategory"],
            record["ExpectedRevenue"]) == (True, True, 100.0, "Closed", 1000.0)
    assert rest.patch(f"sobjects/Opportunity/{record['Id']}", json={"StageName": "Prospecting"}).status_code == 204
    record = rest.get(f"sobjects/Opportunity/{record['Id']}").json()
    assert (record["IsClosed"], record["IsWon"], record["Probability"]) == (False, False, 10.0)


def test_case_needs_nothing_and_numbers_itself(rest):
    first = rest.post("sobjects/Case", json={})
    assert first.status_code == 201
    second = rest.post("sobjects/Case", json={"Subject": "Broken", "Origin": "Web"})
    one = rest.get(f"sobjects/Case/{first.json()['id']}").json()
    two = rest.get(f"sobjects/Case/{second.json()['id']}").json()
    assert (one["Status"], one["Priority"], one["IsClosed"]) == ("New", "Medium", False)
    assert one["CaseNumber"] == "00001001" and two["CaseNumber"] == "00001002"
    assert rest.patch(f"sobjects/Case/{one['Id']}", json={"Status": "Closed"}).status_code == 204
    closed = rest.get(f"sobjects/Case/{one['Id']}").json()
    assert closed["IsClosed"] is True and closed["ClosedDate"] is not None
    bad = rest.post("sobjects/Case", json={"Priority": "Urgent!"})
    assert bad.status_code == 201  # Priority is not a restricted picklist in a real org
    wrong_status = rest.post("sobjects/Case", json={"Status": "Lost"})
    assert wrong_status.json()[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    numbered = rest.post("sobjects/Case", json={"CaseNumber": "42"})
    assert numbered.status_code == 400 and numbered.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_compound_address_is_read_and_refused_on_write(rest):
    created = rest.post("sobjects/Account", json={"Name": "Geo", "BillingCity": "Paris", "BillingCountry": "France",
                                                   "BillingLatitude": 48.85})
    record = rest.get(f"sobjects/Account/{created.json()['id']}").json()
    assert record["BillingAddress"] == {"city": "Paris", "country": "France", "geocodeAccuracy": None,
                                        "latitude": 48.85, "longitude": None, "postalCode": None, "state": None,
                                        "street": None}
    assert record["ShippingAddress"] is None
    refused = rest.post("sobjects/Account", json={"Name": "Geo", "BillingAddress": {"city": "Paris"}})
    assert refused.status_code == 400
    assert refused.json() == [{"message": f"Unable to create/update fields: BillingAddress. {INSERT_UPDATE}",
                               "errorCode": "INVALID_FIELD_FOR_INSERT_UPDATE", "fields": ["BillingAddress"]}]
    contact = rest.post("sobjects/Contact", json={"LastName": "Lovelace", "MailingCity": "London"}).json()["id"]
    patched = rest.patch(f"sobjects/Contact/{contact}", json={"MailingAddress": {"city": "Paris"}})
    assert patched.status_code == 400 and patched.json()[0]["fields"] == ["MailingAddress"]
    named = rest.patch(f"sobjects/Contact/{contact}", json={"Name": "Ada Lovelace"})
    assert named.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_compound_fields_in_soql(rest):
    rest.post("sobjects/Contact", json={"LastName": "Lovelace", "MailingCity": "London", "MailingStreet": "1 St"})
    rows = rest.get("query", params={"q": "SELECT Name, MailingAddress, OtherAddress FROM Contact "
                                          "WHERE LastName = 'Lovelace'"}).json()["records"]
    assert rows[0]["MailingAddress"]["city"] == "London" and rows[0]["MailingAddress"]["street"] == "1 St"
    assert rows[0]["OtherAddress"] is None
    bad = rest.get("query", params={"q": "SELECT Id FROM Contact WHERE MailingAddress = null"})
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "INVALID_FIELD"


def test_demo_data_has_opportunities_and_cases(crm_emulator, rest):
    backend = crm_emulator.salesforce
    backend.load_dataset(backend.default_org(), generate_dataset(count=50, opportunities=25, cases=25))
    assert rest.get("query", params={"q": "SELECT COUNT() FROM Opportunity"}).json()["totalSize"] == 25
    cases = rest.get("query", params={"q": "SELECT CaseNumber, Status, Contact.Name FROM Case"}).json()
    assert cases["totalSize"] == 25
    assert all(r["CaseNumber"] and r["Contact"]["Name"] for r in cases["records"])


def check_with_simple_salesforce(sf) -> None:
    """Opportunity and Case through simple_salesforce's own calls, describe included."""
    describe = sf.Account.describe()
    assert {c["relationshipName"] for c in describe["childRelationships"]} >= {"Contacts", "Opportunities", "Cases"}
    assert "Opportunity" in {o["name"] for o in sf.describe()["sobjects"]}
    case = sf.Case.create({"Subject": "Gear", "Origin": "Web"})
    assert sf.Case.get(case["id"])["Status"] == "New"
    opportunity = sf.Opportunity.create({"Name": "Deal", "StageName": "Qualification", "CloseDate": "2026-05-01"})
    assert sf.Opportunity.get(opportunity["id"])["Probability"] == 10.0
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Account.create({"Name": "Geo", "ShippingAddress": {"city": "Paris"}})
    assert refused.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_simple_salesforce_in_process(crm_session, rest):
    check_with_simple_salesforce(Salesforce(instance_url="https://harness.my.salesforce.com", session_id=rest.token,
                                            session=crm_session))


def test_simple_salesforce_served():
    with serve_subprocess() as server:
        check_with_simple_salesforce(served_salesforce(server.base_url))
