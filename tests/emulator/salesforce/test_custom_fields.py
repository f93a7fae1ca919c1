"""Tooling API custom fields, the per-object cap and unknown fields. Covers SF-REST-10."""
from __future__ import annotations


import pytest

from emulator.salesforce.soql.cursors import OrgQueryContext
from emulator.salesforce.soql import execute

ADMIN = "https://harness.my.salesforce.com/__emulator"
FIELDS = "tooling/sobjects/CustomField"
SEGMENT = {"FullName": "Contact.Segment_A__c",
           "Metadata": {"type": "LongTextArea", "length": 32768, "visibleLines": 3, "label": "Segment A"}}


def field(rest, full_name: str, type_: str = "LongTextArea", label: str | None = None, **metadata):
    if type_ == "LongTextArea":
        metadata = {"length": 32768, "visibleLines": 3, **metadata}
    body = {"FullName": full_name, "Metadata": {"type": type_, "label": label or full_name.split(".")[-1][:40],
                                                **metadata}}
    return rest.post(FIELDS, json=body)


def created(rest, full_name: str, type_: str = "LongTextArea", **metadata) -> str:
    response = field(rest, full_name, type_, **metadata)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def error(response, status: int = 400) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    return body[0]


def describe_field(rest, sobject: str, name: str) -> dict | None:
    fields = rest.get(f"sobjects/{sobject}/describe").json()["fields"]
    return next((f for f in fields if f["name"] == name), None)


def soql(crm_emulator, text: str) -> list[dict]:
    """Run SOQL through the engine on the demo org."""
    backend = crm_emulator.salesforce
    with backend.lock:
        data = backend.default_org()
        result = execute(text, OrgQueryContext(data, "v59.0", backend.now()))
        return [result.render(r) for r in result.records]


# -- create, read, delete -------------------------------------------------------------------
def test_create_long_text_area_as_seed_000_describes(rest):
    response = rest.post(FIELDS, json=SEGMENT)
    assert response.status_code == 201
    body = response.json()
    assert list(body)[:3] == ["id", "success", "errors"]
    assert body == {"id": body["id"], "success": True, "errors": [], "warnings": [], "infos": []}
    assert body["id"].startswith("00N") and len(body["id"]) == 18
    assert response.headers["Location"] == f"/services/data/v59.0/{FIELDS}/{body['id']}"


def test_get_returns_the_tooling_record(rest):
    field_id = rest.post(FIELDS, json=SEGMENT).json()["id"]
    record = rest.get(f"{FIELDS}/{field_id}").json()
    assert record["attributes"] == {"type": "CustomField", "url": f"/services/data/v59.0/{FIELDS}/{field_id}"}
    assert record["Id"] == field_id and record["FullName"] == "Contact.Segment_A__c"
    assert record["TableEnumOrId"] == "Contact" and record["DeveloperName"] == "Segment_A"
    assert record["Length"] == 32768 and record["NamespacePrefix"] is None
    metadata = record["Metadata"]
    assert (metadata["type"], metadata["length"], metadata["visibleLines"], metadata["label"]) == (
        "LongTextArea", 32768, 3, "Segment A")
    assert metadata["externalId"] is False and metadata["unique"] is False


def test_new_field_appears_in_describe_records_and_soql_at_once(rest, crm_emulator):
    contact = rest.post("sobjects/Contact", json={"LastName": "Before"}).json()["id"]
    rest.post(FIELDS, json=SEGMENT)
    described = describe_field(rest, "Contact", "Segment_A__c")
    assert described["type"] == "textarea" and described["length"] == 32768
    assert described["custom"] is True and described["label"] == "Segment A" and described["nillable"] is True
    assert rest.get(f"sobjects/Contact/{contact}").json()["Segment_A__c"] is None
    assert rest.patch(f"sobjects/Contact/{contact}", json={"Segment_A__c": "realized"}).status_code == 204
    other = rest.post("sobjects/Contact", json={"LastName": "After", "Segment_A__c": "existing"}).json()["id"]
    assert rest.get(f"sobjects/Contact/{other}").json()["Segment_A__c"] == "existing"
    rows = soql(crm_emulator, "SELECT Id, Segment_A__c FROM Contact ORDER BY LastName")
    assert [(r["Id"], r["Segment_A__c"]) for r in rows] == [(other, "existing"), (contact, "realized")]


def test_delete_frees_the_column_everywhere(rest, crm_emulator):
    field_id = rest.post(FIELDS, json=SEGMENT).json()["id"]
    contact = rest.post("sobjects/Contact", json={"LastName": "Doe", "Segment_A__c": "realized"}).json()["id"]
    response = rest.delete(f"{FIELDS}/{field_id}")
    assert response.status_code == 204 and response.content == b""
    assert error(rest.get(f"{FIELDS}/{field_id}"), 404)["errorCode"] == "NOT_FOUND"
    assert error(rest.delete(f"{FIELDS}/{field_id}"), 404)["errorCode"] == "NOT_FOUND"
    assert describe_field(rest, "Contact", "Segment_A__c") is None
    assert "Segment_A__c" not in rest.get(f"sobjects/Contact/{contact}").json()
    assert "Segment_A__c" not in crm_emulator.salesforce.default_org().store("Contact").get(contact)
    write = error(rest.patch(f"sobjects/Contact/{contact}", json={"Segment_A__c": "x"}))
    assert write == {"message": "No such column 'Segment_A__c' on sobject of type Contact",
                     "errorCode": "INVALID_FIELD"}
    bad_query = rest.get("tooling/query", params={"q": "SELECT Id FROM CustomField"}).json()
    assert bad_query["totalSize"] == 0
    with pytest.raises(Exception) as excinfo:
        soql(crm_emulator, "SELECT Segment_A__c FROM Contact")
    assert getattr(excinfo.value, "error_code", None) == "INVALID_FIELD"


def test_seed_000_unknown_mapping_id_field_is_invalid_field(rest):
    """The destination pushes a segment status to a Mapping ID field nobody created."""
    rest.post(FIELDS, json=SEGMENT)
    contact = rest.post("sobjects/Contact", json={"LastName": "Doe"}).json()["id"]
    response = rest.patch(f"sobjects/Contact/{contact}", json={"Segment_A__c": "realized", "Segment_B__c": "exited"})
    assert error(response) == {"message": "No such column 'Segment_B__c' on sobject of type Contact",
                               "errorCode": "INVALID_FIELD"}
    assert rest.get(f"sobjects/Contact/{contact}").json()["Segment_A__c"] is None  # nothing written


# -- types and flags -----------------------------------------------------------------------------
@pytest.mark.parametrize("type_, metadata, sf_type, length", [
    ("LongTextArea", {"length": 1000, "visibleLines": 5}, "textarea", 1000),
    ("Text", {"length": 100}, "string", 100),
    ("Checkbox", {"defaultValue": "true"}, "boolean", 0),
    ("Number", {"precision": 10, "scale": 2}, "double", 0),
    ("Date", {}, "date", 0),
    ("DateTime", {}, "datetime", 0),
    ("Email", {}, "email", 80),
    ("Phone", {}, "phone", 40),
    ("Url", {}, "url", 255),
])
def test_field_types_map_to_describe_types(rest, type_, metadata, sf_type, length):
    response = rest.post(FIELDS, json={"FullName": "Lead.F__c", "Metadata": {"type": type_, "label": "F",
                                                                              **metadata}})
    assert response.status_code == 201, response.text
    described = describe_field(rest, "Lead", "F__c")
    assert described["type"] == sf_type and described["length"] == length


def test_values_follow_the_field_type(rest):
    older = rest.post("sobjects/Contact", json={"LastName": "Older"}).json()["id"]
    created(rest, "Contact.Opted__c", "Checkbox", defaultValue="true")
    assert rest.get(f"sobjects/Contact/{older}").json()["Opted__c"] is True  # checkboxes are never null
    created(rest, "Contact.Score__c", "Number", precision=5, scale=2)
    created(rest, "Contact.Since__c", "Date")
    created(rest, "Contact.Tier__c", "Picklist", valueSet={"restricted": True, "valueSetDefinition": {"value": [
        {"fullName": "Gold", "default": False, "label": "Gold"}, {"fullName": "Silver", "default": True,
                                                                   "label": "Silver"}]}})
    record_id = rest.post("sobjects/Contact", json={"LastName": "Doe", "Score__c": 12.5,
                                                    "Since__c": "2024-05-01"}).json()["id"]
    record = rest.get(f"sobjects/Contact/{record_id}").json()
    assert (record["Opted__c"], record["Score__c"], record["Since__c"], record["Tier__c"]) == (
        True, 12.5, "2024-05-01", "Silver")
    assert describe_field(rest, "Contact", "Tier__c")["picklistValues"][1]["defaultValue"] is True
    bad = error(rest.patch(f"sobjects/Contact/{record_id}", json={"Tier__c": "Bronze"}))
    assert bad["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert error(rest.patch(f"sobjects/Contact/{record_id}", json={"Score__c": "many"}))["errorCode"] == \
        "JSON_PARSER_ERROR"


def test_external_id_and_unique_flags(rest, crm_emulator):
    created(rest, "Contact.Crm_Id__c", "Text", length=40, externalId=True)
    created(rest, "Contact.Badge__c", "Text", length=20, unique=True)
    described = describe_field(rest, "Contact", "Crm_Id__c")
    assert described["externalId"] is True and described["idLookup"] is True
    assert describe_field(rest, "Contact", "Badge__c")["unique"] is True
    assert "Crm_Id__c" in crm_emulator.salesforce.default_org().store("Contact").equality
    upsert = rest.patch("sobjects/Contact/Crm_Id__c/ext-1", json={"LastName": "Doe"})
    assert upsert.status_code == 201 and upsert.json()["created"] is True
    again = rest.patch("sobjects/Contact/Crm_Id__c/ext-1", json={"FirstName": "Jane"})
    assert again.status_code == 200 and again.json()["created"] is False
    rest.post("sobjects/Contact", json={"LastName": "A", "Badge__c": "B-1"})
    duplicate = error(rest.post("sobjects/Contact", json={"LastName": "B", "Badge__c": "b-1"}))
    assert duplicate["errorCode"] == "DUPLICATE_VALUE"


# -- names ---------------------------------------------------------------------------------------
NAME_RULES = ("The Field Name can only contain underscores and alphanumeric characters. It must be unique, "
              "begin with a letter, not include spaces, not end with an underscore, and not contain two "
              "consecutive underscores.")


@pytest.mark.parametrize("name", ["Segment A__c", "1Segment__c", "Seg__A__c", "Segment___c", "Segment-A__c",
                                  "Ségment__c", "__c", "_Segment__c"])
def test_bad_names_are_refused(rest, name):
    body = error(field(rest, f"Contact.{name}"))
    assert body == {"message": NAME_RULES, "errorCode": "FIELD_INTEGRITY_EXCEPTION", "fields": ["DeveloperName"]}
    assert describe_field(rest, "Contact", name) is None


def test_names_must_end_in_c_and_fit_40_characters(rest):
    missing = error(field(rest, "Contact.Segment_A"))
    assert missing == {"message": "Invalid fullName, must end in a custom suffix ( for ex. __c )",
                       "errorCode": "FIELD_INTEGRITY_EXCEPTION", "fields": ["FullName"]}
    long_name = "A" * 41
    too_long = error(field(rest, f"Contact.{long_name}__c"))
    assert too_long["errorCode"] == "STRING_TOO_LONG" and "max length=40" in too_long["message"]
    assert field(rest, f"Contact.{'A' * 40}__c").status_code == 201


def test_duplicate_names_are_refused_case_insensitively(rest):
    rest.post(FIELDS, json=SEGMENT)
    for full_name in ("Contact.Segment_A__c", "contact.segment_a__c"):
        body = error(field(rest, full_name))
        assert body == {"message": "There is already a field named Segment_A on Contact.",
                        "errorCode": "DUPLICATE_DEVELOPER_NAME", "fields": ["DeveloperName"]}
    assert field(rest, "Lead.Segment_A__c").status_code == 201  # another object


def test_table_enum_and_developer_name_instead_of_full_name(rest):
    body = {"TableEnumOrId": "Lead", "DeveloperName": "Score", "Metadata": {"type": "Number", "label": "Score"}}
    field_id = rest.post(FIELDS, json=body).json()["id"]
    assert rest.get(f"{FIELDS}/{field_id}").json()["FullName"] == "Lead.Score__c"


# -- the cap ----------------------------------------------------------------------------------
def test_25_fields_fit_the_26th_is_refused_and_deleting_frees_a_slot(rest):
    ids = [created(rest, f"Contact.Segment_{i}__c") for i in range(25)]
    refused = error(field(rest, "Contact.Segment_25__c"))
    assert refused["errorCode"] == "LIMIT_EXCEEDED" and "fields" not in refused
    assert "limit is 25" in refused["message"] and "Contact already has 25 custom fields" in refused["message"]
    assert describe_field(rest, "Contact", "Segment_25__c") is None
    assert field(rest, "Lead.Segment_0__c").status_code == 201  # the cap is per object
    assert rest.delete(f"{FIELDS}/{ids[0]}").status_code == 204
    assert field(rest, "Contact.Segment_25__c").status_code == 201
    assert error(field(rest, "Contact.Segment_26__c"))["errorCode"] == "LIMIT_EXCEEDED"


def test_cap_is_configurable(rest, crm_session):
    config = crm_session.post(f"{ADMIN}/config", json={"salesforce": {"custom_field_cap": 3}}).json()
    assert config["salesforce"]["custom_field_cap"] == 3
    for i in range(3):
        created(rest, f"Lead.S{i}__c")
    assert "limit is 3" in error(field(rest, "Lead.S3__c"))["message"]


def test_cap_scope_unique_external_counts_only_keyed_fields(rest, crm_session):
    crm_session.post(f"{ADMIN}/config", json={"salesforce": {"custom_field_cap": 2,
                                                             "custom_field_cap_scope": "unique_external"}})
    for i in range(4):
        created(rest, f"Contact.Plain{i}__c")
    created(rest, "Contact.Ext0__c", "Text", length=10, externalId=True)
    created(rest, "Contact.Ext1__c", "Email", unique=True)
    refused = error(field(rest, "Contact.Ext2__c", "Text", length=10, externalId=True))
    assert refused["errorCode"] == "LIMIT_EXCEEDED" and "external ID and unique fields" in refused["message"]
    created(rest, "Contact.Plain4__c")  # plain fields do not count


# -- tooling query ---------------------------------------------------------------------------------
def test_tooling_query_lists_fields_of_an_object(rest):
    ids = [created(rest, "Contact.A__c"), created(rest, "Contact.B__c")]
    created(rest, "Lead.C__c")
    body = rest.get("tooling/query", params={
        "q": "SELECT Id, DeveloperName FROM CustomField WHERE TableEnumOrId = 'Contact' ORDER BY DeveloperName"
    }).json()
    assert body["totalSize"] == 2 and body["done"] is True and body["entityTypeName"] == "CustomField"
    assert [(r["Id"], r["DeveloperName"]) for r in body["records"]] == list(zip(ids, ["A", "B"]))
    assert body["records"][0]["attributes"]["url"] == f"/services/data/v59.0/{FIELDS}/{ids[0]}"
    count = rest.get("tooling/query", params={"q": "SELECT COUNT() FROM CustomField"}).json()
    assert count["totalSize"] == 3 and count["records"] == []


def test_tooling_query_full_name_only_for_one_row(rest):
    created(rest, "Contact.A__c")
    created(rest, "Contact.B__c")
    many = error(rest.get("tooling/query", params={"q": "SELECT Id, FullName FROM CustomField"}))
    assert many == {"message": "When retrieving results with Metadata or FullName fields, the query qualifications "
                               "must specify no more than one row for retrieval. Result size: 2",
                    "errorCode": "MALFORMED_QUERY"}
    one = rest.get("tooling/query", params={"q": "SELECT FullName, Metadata FROM CustomField "
                                                 "WHERE DeveloperName = 'B'"}).json()
    assert one["records"][0]["FullName"] == "Contact.B__c" and one["records"][0]["Metadata"]["type"] == "LongTextArea"


@pytest.mark.parametrize("q, code", [("", "MALFORMED_QUERY"), ("SELECT FROM", "MALFORMED_QUERY"),
                                     ("SELECT Id FROM Contact", "INVALID_TYPE"),
                                     ("SELECT Nope FROM CustomField", "INVALID_FIELD")])
def test_tooling_query_errors(rest, q, code):
    response = rest.get("tooling/query", params={"q": q} if q else None)
    assert response.status_code == 400 and response.json()[0]["errorCode"] == code


# -- malformed input -------------------------------------------------------------------------------
@pytest.mark.parametrize("body, code, fields", [
    ({"Metadata": {"type": "Text", "label": "X", "length": 5}}, "REQUIRED_FIELD_MISSING", ["FullName"]),
    ({"FullName": "Contact.X__c"}, "REQUIRED_FIELD_MISSING", ["Metadata"]),
    ({"FullName": "Contact.X__c", "Metadata": {"type": "Text", "length": 5}}, "REQUIRED_FIELD_MISSING", ["label"]),
    ({"FullName": "Contact.X__c", "Metadata": {"label": "X"}}, "REQUIRED_FIELD_MISSING", ["type"]),
    ({"FullName": "Contact.X__c", "Metadata": {"type": "Hologram", "label": "X"}}, "JSON_PARSER_ERROR", None),
    ({"FullName": "Contact.X__c", "Metadata": {"type": "Text", "label": "X"}}, "REQUIRED_FIELD_MISSING", ["length"]),
    ({"FullName": "Contact.X__c", "Metadata": {"type": "Text", "label": "X", "length": 256}},
     "FIELD_INTEGRITY_EXCEPTION", ["length"]),
    ({"FullName": "Contact.X__c", "Metadata": {"type": "LongTextArea", "label": "X", "length": 100}},
     "FIELD_INTEGRITY_EXCEPTION", ["length"]),
    ({"FullName": "Contact.X__c", "Metadata": {"type": "Text", "label": "X", "length": "big"}},
     "FIELD_INTEGRITY_EXCEPTION", ["length"]),
    ({"FullName": "Contact.X__c", "Metadata": {"type": "Checkbox", "label": "X", "externalId": True}},
     "FIELD_INTEGRITY_EXCEPTION", ["externalId"]),
    ({"FullName": "Contact.X__c", "Metadata": {"type": "Number", "label": "X", "precision": 30}},
     "FIELD_INTEGRITY_EXCEPTION", ["precision"]),
    ({"FullName": "Contact.X__c", "Metadata": {"type": "Picklist", "label": "X"}},
     "FIELD_INTEGRITY_EXCEPTION", ["valueSet"]),
    ({"FullName": "Contact.X__c", "Metadata": {"type": "Text", "label": "X", "length": 5, "colour": "red"}},
     "JSON_PARSER_ERROR", None),
    ({"FullName": "Nope__c.X__c", "Metadata": {"type": "Date", "label": "X"}}, "FIELD_INTEGRITY_EXCEPTION",
     ["TableEnumOrId"]),
    ({"FullName": "X__c", "Metadata": {"type": "Date", "label": "X"}}, "FIELD_INTEGRITY_EXCEPTION", ["FullName"]),
    ({"FullName": 12, "Metadata": {"type": "Date", "label": "X"}}, "FIELD_INTEGRITY_EXCEPTION", ["FullName"]),
    ({"FullName": "Contact.X__c", "Metadata": "Date"}, "REQUIRED_FIELD_MISSING", ["Metadata"]),
    ({"FullName": "Contact.X__c", "Colour": "red", "Metadata": {"type": "Date", "label": "X"}}, "INVALID_FIELD",
     None),
])
def test_malformed_bodies_are_refused(rest, body, code, fields):
    detail = error(rest.post(FIELDS, json=body))
    assert detail["errorCode"] == code and detail.get("fields") == fields
    assert [f for f in rest.get("sobjects/Contact/describe").json()["fields"] if f["custom"]] == []


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[1, 2]", b'"text"', b"null"])
def test_bad_json_is_a_400(rest, raw):
    response = rest.post(FIELDS, data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_unknown_tooling_types_ids_and_methods(rest):
    field_id = rest.post(FIELDS, json=SEGMENT).json()["id"]
    assert error(rest.post("tooling/sobjects/ApexClass", json={}), 404)["errorCode"] == "NOT_FOUND"
    assert error(rest.get(f"{FIELDS}/not-an-id"), 404)["errorCode"] == "NOT_FOUND"
    assert error(rest.get(f"{FIELDS}/003Hs0000000001IAA"), 404)["errorCode"] == "NOT_FOUND"
    assert rest.patch(f"{FIELDS}/{field_id}", json={}).status_code == 405
    assert rest.post(FIELDS, json=SEGMENT, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_snapshot_restore_and_reset_carry_custom_fields(rest, crm_session, crm_emulator):
    crm_session.post(f"{ADMIN}/snapshot", json={"name": "empty"})
    field_id = rest.post(FIELDS, json=SEGMENT).json()["id"]
    crm_session.post(f"{ADMIN}/snapshot", json={"name": "with"})
    crm_session.post(f"{ADMIN}/restore", json={"name": "empty"})
    assert crm_emulator.salesforce.default_org().schema.get("Contact").field("Segment_A__c") is None
    crm_session.post(f"{ADMIN}/restore", json={"name": "with"})
    assert rest.get(f"{FIELDS}/{field_id}").json()["FullName"] == "Contact.Segment_A__c"
    crm_session.post(f"{ADMIN}/reset")
    assert crm_emulator.salesforce.default_org().schema.get("Contact").field("Segment_A__c") is None
