"""AEP-CONV-1: mapping sets in both body formats, paths checked against the schema and the input schema."""
from __future__ import annotations


from aep_platform_helpers import Platform, seed_mapping, verbatim_seed_mapping

SETS = "conversion/mappingSets"


def aepp_body(schema_id: str, destination: str = "person.name.lastName", **extra) -> dict:
    return {"outputSchema": {"schemaRef": {"id": schema_id,
                                           "contentType": "application/vnd.adobe.xed-full+json;version=1"}},
            "mappings": [{"sourceType": "ATTRIBUTE", "source": "LastName", "destination": destination},
                         {"sourceType": "ATTRIBUTE", "source": "Id", "destination": "identityMap.crmID"}],
            **extra}


def test_seed_body_verbatim_answers_200_with_the_real_fields(aep, schema_id):
    response = aep.post(SETS, data=verbatim_seed_mapping(schema_id))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"id", "version", "createdDate", "modifiedDate", "createdBy", "modifiedBy"}
    assert len(body["id"]) == 32 and body["version"] == 0


def test_aepp_body_with_validate_false(aep, schema_id):
    response = aep.post(SETS, params={"validate": "False"}, json=aepp_body(schema_id))
    assert response.status_code == 200, response.text
    found = aep.get(f"{SETS}/{response.json()['id']}").json()
    assert found["outputSchema"]["schemaRef"]["id"] == schema_id
    assert [(m["source"], m["destination"]) for m in found["mappings"]] == [
        ("LastName", "person.name.lastName"), ("Id", "identityMap.crmID")]


def test_destination_not_in_schema_is_400_naming_it(aep, schema_id):
    response = aep.post(SETS, json=seed_mapping(schema_id, first_path="person.name.nickName"))
    assert response.status_code == 400
    error = response.json()
    assert "person.name.nickName" in error["detail"] and error["report"]["path"] == "mappings[0].destination"
    assert error["type"].startswith("https://ns.adobe.com/aep/errors/CONV-")


def test_b2b_path_needs_the_b2b_field_group(aep, schema_id):
    response = aep.post(SETS, json=aepp_body(schema_id, destination="b2b.companyName"))
    assert response.status_code == 400 and "b2b.companyName" in response.json()["detail"]


def test_object_path_is_not_a_field(aep, schema_id):
    assert aep.post(SETS, json=aepp_body(schema_id, destination="person.name")).status_code == 400
    assert aep.post(SETS, json=aepp_body(schema_id, destination="identityMap")).status_code == 400
    assert aep.post(SETS, json=aepp_body(schema_id, destination="identityMap.crmID.id")).status_code == 400
    assert aep.post(SETS, json=aepp_body(schema_id, destination="person..name")).status_code == 400


def test_source_checked_against_input_schema_when_validating(aep, schema_id):
    columns = {"columns": [{"name": "LastName", "type": "string"}, {"name": "Id", "type": "string"}]}
    ok = aep.post(SETS, params={"validate": "true"}, json=aepp_body(schema_id, inputSchema=columns))
    assert ok.status_code == 200, ok.text
    bad_columns = {"columns": [{"name": "Email", "type": "string"}]}
    bad = aep.post(SETS, params={"validate": "true"}, json=aepp_body(schema_id, inputSchema=bad_columns))
    assert bad.status_code == 400 and "LastName" in bad.json()["detail"]
    assert bad.json()["report"]["path"] == "mappings[0].source"
    unchecked = aep.post(SETS, params={"validate": "false"}, json=aepp_body(schema_id, inputSchema=bad_columns))
    assert unchecked.status_code == 200


def test_unknown_schema_bad_validate_and_bad_bodies(aep, schema_id):
    assert aep.post(SETS, json=seed_mapping("https://ns.adobe.com/harness/schemas/none")).status_code == 400
    assert aep.post(SETS, params={"validate": "maybe"}, json=seed_mapping(schema_id)).status_code == 400
    assert aep.post(SETS, json={"xdmSchema": schema_id, "mappings": []}).status_code == 400
    assert aep.post(SETS, data="{", headers={"Content-Type": "application/json"}).status_code == 400
    expression = aepp_body(schema_id)
    expression["mappings"][0]["sourceType"] = "EXPRESSION"
    assert aep.post(SETS, json=expression).json()["report"]["path"] == "mappings[0].sourceType"


def test_get_unknown_is_404_and_sets_are_per_sandbox(crm_session, aep, schema_id):
    assert aep.get(f"{SETS}/{'0' * 32}").status_code == 404
    created = aep.mapping_set(schema_id)
    dev = Platform(crm_session, aep.headers["Authorization"].split()[1], sandbox="dev")
    assert dev.get(f"{SETS}/{created['id']}").status_code == 404
    found = aep.get(f"{SETS}/{created['id']}").json()
    assert (found["imsOrgId"], found["sandboxName"]) == ("HARNESS@AdobeOrg", "prod") and found["sandboxId"]


def test_put_makes_a_new_version(aep, schema_id):
    created = aep.mapping_set(schema_id)
    updated = aep.put(f"{SETS}/{created['id']}", json=aepp_body(schema_id))
    assert updated.status_code == 200 and updated.json()["version"] == 1
    assert aep.get(f"{SETS}/{created['id']}").json()["version"] == 1


def test_model_applies_a_mapping(crm_emulator, aep, schema_id):
    created = aep.post(SETS, json=aepp_body(schema_id)).json()
    backend = crm_emulator.aep
    with backend.lock:
        found = backend.sandbox("HARNESS@AdobeOrg", "prod").conversion.get(created["id"], "0")
    assert found is not None and found.source_attributes() == ["LastName", "Id"]
    assert found.apply({"LastName": "Doe", "Id": "003Hs0000000001AAA"}) == {
        "person": {"name": {"lastName": "Doe"}},
        "identityMap": {"crmID": [{"id": "003Hs0000000001AAA", "primary": False}]}}
    assert found.apply({"LastName": None}) == {}


def test_compiled_mapping_handles_odd_names_shared_prefixes_and_identities():
    from emulator.aep.conversion.model import FieldMapping, MappingSet
    mappings = [FieldMapping("it's", "a.b'c.d"), FieldMapping("x\\y", "a.b'c.e"), FieldMapping("Id", "a.id", True, "crm\"ID", True),
                FieldMapping("Id", "identityMap.ECID"), FieldMapping("n", "top")]
    found = MappingSet("m", 0, "s", mappings, {})
    assert found.apply({"it's": 1, "x\\y": 2, "Id": "003", "n": None}) == {
        "a": {"b'c": {"d": 1, "e": 2}, "id": "003"},
        "identityMap": {"crm\"ID": [{"id": "003", "primary": True}], "ECID": [{"id": "003", "primary": False}]}}
    assert found.apply({}) == {}


def test_seed_body_with_its_placeholder_schema_is_refused(aep):
    response = aep.post(SETS, data=verbatim_seed_mapping(
        "https://ns.adobe.com/{TENANT_ID}/schemas/417a33eg81a221bd10495920574gfa2d"))
    assert response.status_code == 400 and response.json()["report"]["path"] == "outputSchema.schemaRef.id"
