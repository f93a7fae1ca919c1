"""AEP-FS-3 source and target connections (seed 004), AEP-FS-2 delete rules, AEP-ERR-1 bodies."""
from __future__ import annotations

import pytest

from aep_flow_helpers import (DATA_LAKE_SPEC, SALESFORCE_SPEC, SEED_SOURCE_TEXT, build_pipeline, seed_flow,
                              seed_source, seed_target)
from aep_helpers import Flow, ims_token, ssc_connection
from aep_platform_helpers import Platform


@pytest.fixture
def plat(crm_session) -> Platform:
    return Platform(crm_session, ims_token(crm_session))


@pytest.fixture
def base_id(flow) -> str:
    response = flow.post("connections", json={**ssc_connection(),
                                              "connectionSpec": {"id": SALESFORCE_SPEC, "version": "1.0"}})
    assert response.status_code == 201
    return response.json()["id"]


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"].endswith(f"FLOW-{code}-{status}"), body
    assert body["errorMessage"] == body["errorDetails"] == body["report"]["detailed-message"]  # AEP-ERR-1
    return body


# -- AEP-FS-3 source connections -------------------------------------------------------------------
def test_source_connection_created_read_listed(flow, base_id):
    response = flow.post("sourceConnections", json=seed_source(base_id))
    assert response.status_code == 201
    created = response.json()
    assert set(created) == {"id", "etag"} and created["etag"].startswith('"')
    assert response.headers["Location"].endswith(f"/sourceConnections/{created['id']}")
    item = flow.get(f"sourceConnections/{created['id']}").json()["items"][0]
    assert item["baseConnectionId"] == base_id and item["data"] == {"format": "tabular"}
    assert item["params"]["tableName"] == "Contact" and item["etag"] == created["etag"] == item["version"]
    assert item["connectionSpec"] == {"id": SALESFORCE_SPEC, "version": "1.0"}
    assert {"createdAt", "updatedAt", "createdBy", "sandboxId", "sandboxName", "imsOrgId"} <= set(item)
    listed = flow.get("sourceConnections", params={"property": f"baseConnectionId=={base_id}"}).json()
    assert [i["id"] for i in listed["items"]] == [created["id"]] and listed["_links"] == {}


def test_seed_source_body_verbatim_is_invalid_json(flow, base_id):
    """Decision: the seed's trailing comma is invalid JSON → 1405-400, as the real API's parser answers."""
    response = flow.post("sourceConnections", data=SEED_SOURCE_TEXT % base_id,
                         headers={"Content-Type": "application/json"})
    problem(response, 400, "1405")


def test_seed_source_spec_typo_is_an_unknown_spec(flow, base_id):
    body = seed_source(base_id, spec="ccfc0fee1-7dc0-40ef-b73e-d8b134c436f5")
    assert "ccfc0fee1" in problem(flow.post("sourceConnections", json=body), 400, "1413")["errorMessage"]


def test_seed_source_accounts_table_is_not_an_object(flow, base_id):
    body = problem(flow.post("sourceConnections", json=seed_source(base_id, table="Accounts")), 400, "1402")
    assert body["report"]["path"] == "params.tableName"
    assert flow.post("sourceConnections", json=seed_source(base_id, table="Account",
                                                           columns=("Name",))).status_code == 201


def test_seed_source_snake_case_columns_are_not_fields(flow, base_id):
    body = seed_source(base_id, columns=("first_name", "last_name", "email"))
    assert problem(flow.post("sourceConnections", json=body), 400, "1402")["report"]["path"] == \
        "params.columns[0].name"


@pytest.mark.parametrize("fmt", ["delimited", "json", "parquet", "tabular"])
def test_data_format_enum_allowed(flow, base_id, fmt):
    body = seed_source(base_id)
    body["data"]["format"] = fmt
    assert flow.post("sourceConnections", json=body).status_code == 201


@pytest.mark.parametrize("fmt", ["csv", "TABULAR", None, 3])
def test_data_format_enum_refused(flow, base_id, fmt):
    body = seed_source(base_id)
    body["data"]["format"] = fmt
    assert problem(flow.post("sourceConnections", json=body), 400, "1402")["report"]["path"] == "data.format"


def test_source_needs_an_existing_base_connection_of_the_same_spec(flow, base_id):
    missing = seed_source("00000000-0000-0000-0000-000000000000")
    assert problem(flow.post("sourceConnections", json=missing), 400, "1415")["report"]["path"] == \
        "baseConnectionId"
    other = flow.post("connections", json=ssc_connection()).json()["id"]  # Service Cloud spec
    problem(flow.post("sourceConnections", json=seed_source(other)), 400, "1416")
    del missing["baseConnectionId"]
    problem(flow.post("sourceConnections", json=missing), 400, "1402")


def test_source_connection_cross_sandbox_base_is_unknown(flow, crm_session, base_id):
    dev = Flow(crm_session, flow.headers["Authorization"].split()[1], sandbox="dev")
    problem(dev.post("sourceConnections", json=seed_source(base_id)), 400, "1415")
    created = flow.post("sourceConnections", json=seed_source(base_id)).json()["id"]
    problem(dev.get(f"sourceConnections/{created}"), 404, "1439")


def test_source_patch_with_if_match_quoted_or_not(flow, base_id):
    created = flow.post("sourceConnections", json=seed_source(base_id)).json()
    ops = [{"op": "replace", "path": "/name", "value": "renamed"}]
    problem(flow.patch(f"sourceConnections/{created['id']}", json=ops), 400, "1403")
    problem(flow.patch(f"sourceConnections/{created['id']}", json=ops, headers={"If-Match": '"nope"'}), 412, "1404")
    first = flow.patch(f"sourceConnections/{created['id']}", json=ops, headers={"If-Match": created["etag"]})
    assert first.status_code == 200 and first.json()["etag"] != created["etag"]
    unquoted = first.json()["etag"].strip('"')
    second = flow.patch(f"sourceConnections/{created['id']}", headers={"If-Match": unquoted},
                        json=[{"op": "replace", "path": "/params/tableName", "value": "Lead"},
                              {"op": "replace", "path": "/params/columns", "value": []}])
    assert second.status_code == 200
    item = flow.get(f"sourceConnections/{created['id']}").json()["items"][0]
    assert item["name"] == "renamed" and item["params"]["tableName"] == "Lead"
    bad = [{"op": "replace", "path": "/params/tableName", "value": "Nope"}]
    problem(flow.patch(f"sourceConnections/{created['id']}", json=bad, headers={"If-Match": item["etag"]}),
            400, "1402")
    spec = [{"op": "replace", "path": "/connectionSpec/id", "value": "x"}]
    problem(flow.patch(f"sourceConnections/{created['id']}", json=spec, headers={"If-Match": item["etag"]}),
            400, "1414")
    move = [{"op": "move", "from": "/name", "path": "/description"}]
    problem(flow.patch(f"sourceConnections/{created['id']}", json=move, headers={"If-Match": item["etag"]}),
            400, "1434")


def test_source_delete(flow, base_id):
    created = flow.post("sourceConnections", json=seed_source(base_id)).json()["id"]
    assert flow.delete(f"sourceConnections/{created}").status_code == 204
    problem(flow.get(f"sourceConnections/{created}"), 404, "1439")
    problem(flow.delete(f"sourceConnections/{created}"), 404, "1439")


# -- AEP-FS-3 target connections -------------------------------------------------------------------
def test_target_connection_seed_body_verbatim(flow, plat):
    schema = plat.schema()
    dataset = plat.dataset(schema["$id"])
    response = flow.post("targetConnections", json=seed_target(schema["$id"], dataset))
    assert response.status_code == 201
    item = flow.get(f"targetConnections/{response.json()['id']}").json()["items"][0]
    assert item["params"] == {"dataSetId": dataset} and item["connectionSpec"]["id"] == DATA_LAKE_SPEC
    with_format = seed_target(schema["$id"], dataset)
    with_format["data"]["format"] = "parquet_xdm"  # what clients send
    assert flow.post("targetConnections", json=with_format).status_code == 201


def test_target_needs_an_existing_dataset_and_the_data_lake_spec(flow, plat):
    schema = plat.schema()
    body = problem(flow.post("targetConnections", json=seed_target(schema["$id"], "5c8c3c555033b814b69f947f")),
                   400, "1415")
    assert body["report"]["path"] == "params.dataSetId"
    dataset = plat.dataset(schema["$id"])
    wrong = seed_target(schema["$id"], dataset)
    wrong["connectionSpec"]["id"] = SALESFORCE_SPEC
    problem(flow.post("targetConnections", json=wrong), 400, "1416")
    wrong["connectionSpec"]["id"] = "nope"
    problem(flow.post("targetConnections", json=wrong), 400, "1413")
    bad_format = seed_target(schema["$id"], dataset)
    bad_format["data"]["format"] = "xml"
    problem(flow.post("targetConnections", json=bad_format), 400, "1402")
    no_params = seed_target(schema["$id"], dataset)
    del no_params["params"]
    problem(flow.post("targetConnections", json=no_params), 400, "1402")


def test_target_cross_sandbox_dataset_is_unknown(flow, plat, crm_session):
    schema = plat.schema()
    dataset = plat.dataset(schema["$id"])
    dev = Flow(crm_session, flow.headers["Authorization"].split()[1], sandbox="dev")
    problem(dev.post("targetConnections", json=seed_target(schema["$id"], dataset)), 400, "1415")


# -- deleting what a flow or source connection uses ------------------------------------------------
def test_base_connection_in_use_cannot_be_deleted(flow, plat):
    pipe = build_pipeline(flow, plat)
    body = problem(flow.delete(f"connections/{pipe.base_id}"), 400, "1418")
    assert pipe.source_id in body["errorMessage"]
    flow_id = flow.post("flows", json=seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id)).json()["id"]
    assert "Found active flows" in problem(flow.delete(f"sourceConnections/{pipe.source_id}"), 400,
                                           "1447")["errorMessage"]
    problem(flow.delete(f"targetConnections/{pipe.target_id}"), 400, "1447")
    assert flow.delete(f"flows/{flow_id}").status_code == 204
    assert flow.delete(f"targetConnections/{pipe.target_id}").status_code == 204
    assert flow.delete(f"sourceConnections/{pipe.source_id}").status_code == 204
    assert flow.delete(f"connections/{pipe.base_id}").status_code == 204


# -- the wire: malformed bodies, junk filters, secrets ---------------------------------------------
@pytest.mark.parametrize("path", ["sourceConnections", "targetConnections", "flows", "runs"])
def test_malformed_bodies_are_problem_documents(flow, path):
    problem(flow.post(path, data=b"{nope", headers={"Content-Type": "application/json"}), 400, "1405")
    problem(flow.post(path, data=b"", headers={"Content-Type": "application/json"}), 400, "1405")
    problem(flow.post(path, json=[1, 2]), 400, "1405")


@pytest.mark.parametrize("path", ["sourceConnections", "targetConnections", "flows", "runs", "flowSpecs"])
@pytest.mark.parametrize(("name", "value", "code"), [("property", "==x", "1450"), ("property", "name==\"abc", "1450"), ("limit", "0", "1448"),
                                                     ("continuationToken", "x!", "1449"),
                                                     ("orderby", "--name", "1432"), ("sort", "name", "1451")])
def test_junk_list_parameters(flow, path, name, value, code):
    problem(flow.get(path, params={name: value}), 400, code)


def test_password_never_in_source_responses(flow, base_id):
    created = flow.post("sourceConnections", json=seed_source(base_id)).json()["id"]
    for response in (flow.get(f"connections/{base_id}"), flow.get("connections"),
                     flow.get(f"sourceConnections/{created}"), flow.get("sourceConnections")):
        assert "password123" not in response.text and "TOKEN123" not in response.text


def test_data_lake_spec_found_by_the_name_aepp_uses(flow, plat):
    """aepp's createTargetConnectionDataLake looks the spec up by name ``datalake`` and sends ``delimited``."""
    specs = flow.get("connectionSpecs", params={"property": "name==datalake"}).json()["items"]
    assert [s["id"] for s in specs] == [DATA_LAKE_SPEC]
    schema = plat.schema()
    body = seed_target(schema["$id"], plat.dataset(schema["$id"]))
    body["data"]["format"] = "delimited"
    assert flow.post("targetConnections", json=body).status_code == 201
