"""AEP-FS-4 flowSpecs and AEP-FS-5 flows: references, the flowSpec's own schemas, enable/disable."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from aep_flow_helpers import (CLOUD_FLOW_SPEC, CRM_FLOW_SPEC, DEST_FLOW_SPEC, build_pipeline, seed_flow)
from aep_helpers import Flow, ims_token
from aep_platform_helpers import Platform

SEED_004 = Path("/work/shared/seeds/004_2d6b41e10ed15955.txt")


@pytest.fixture
def plat(crm_session) -> Platform:
    return Platform(crm_session, ims_token(crm_session))


@pytest.fixture
def pipe(flow, plat):
    return build_pipeline(flow, plat)


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"].endswith(f"FLOW-{code}-{status}"), body
    return body


# -- AEP-FS-4 flowSpecs ----------------------------------------------------------------------------
@pytest.mark.parametrize("value", ['name=="CRMToAEP"', "name==CRMToAEP"])
def test_flow_spec_by_name_quoted_or_not(flow, value):
    body = flow.get("flowSpecs", params={"property": value}).json()
    assert [s["id"] for s in body["items"]] == [CRM_FLOW_SPEC]


def test_crm_flow_spec_is_the_seed_verbatim_plus_spec_attributes(flow):
    spec = flow.get(f"flowSpecs/{CRM_FLOW_SPEC}").json()["items"][0]
    if SEED_004.exists():
        text = SEED_004.read_text(encoding="utf-8")
        start = text.index("{", text.index("```json", text.index("Récupération des spécifications")))
        seed = json.loads(text[start:text.index("```", start)])["items"][0]
        for key, value in seed.items():
            if key != "attributes":
                assert spec[key] == value, key
        assert spec["attributes"]["notification"] == seed["attributes"]["notification"]
    assert spec["attributes"]["isSourceFlow"] is True and spec["attributes"]["frequency"] == "batch"
    assert spec["runSpec"]["spec"]["required"] == ["startTime", "windowStartTime", "windowEndTime", "deltaColumn"]


def test_destination_flow_spec_is_data(flow):
    spec = flow.get(f"flowSpecs/{DEST_FLOW_SPEC}").json()["items"][0]
    assert spec["attributes"]["isDestinationFlow"] is True
    assert [t["name"] for t in spec["transformationSpecs"]] == ["GeneralTransform"]


def test_unknown_flow_spec_and_empty_filter(flow):
    problem(flow.get("flowSpecs/00000000-0000-0000-0000-000000000000"), 404, "1439")
    assert flow.get("flowSpecs", params={"property": "name==Nope"}).json() == {"items": [], "_links": {}}


# -- AEP-FS-5 flows: create and read ----------------------------------------------------------------
def test_seed_flow_with_crm_spec_created_and_shown(flow, pipe):
    response = flow.post("flows", json=seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id))
    assert response.status_code == 201, response.text
    created = response.json()
    item = flow.get(f"flows/{created['id']}").json()["items"][0]
    assert item["state"] == "enabled" and item["etag"] == created["etag"] == item["version"]
    assert item["scheduleParams"] == {"startTime": "1567411548", "frequency": "minute", "interval": "30"}
    assert item["sourceConnectionIds"] == [pipe.source_id] and item["targetConnectionIds"] == [pipe.target_id]
    inherited = item["inheritedAttributes"]
    assert inherited["sourceConnections"][0]["baseConnection"]["id"] == pipe.base_id
    assert inherited["targetConnections"][0]["id"] == pipe.target_id
    assert inherited["properties"] == {"isSourceFlow": True}
    assert item["runs"] == f"/runs?property=flowId=={created['id']}"
    assert item["lastOperation"]["operation"] == "create" and "lastRunDetails" not in item
    found = flow.get("flows", params={"property": "inheritedAttributes.properties.isSourceFlow==true"}).json()
    assert [f["id"] for f in found["items"]] == [created["id"]]
    by_source = flow.get("flows", params={"property": f"sourceConnectionIds[]=={pipe.source_id}"}).json()
    assert len(by_source["items"]) == 1


def test_seed_flow_spec_id_is_cloud_storage_and_incompatible(flow, pipe):
    """Decision: seed 004's 9753525b-… is CloudStorageToAEP: a Salesforce source is refused as incompatible."""
    body = seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id, spec=CLOUD_FLOW_SPEC)
    assert problem(flow.post("flows", json=body), 400, "1416")["report"]["path"] == "sourceConnectionIds[0]"
    body["flowSpec"]["id"] = "00000000-0000-0000-0000-000000000000"
    problem(flow.post("flows", json=body), 400, "1413")


def test_seed_delta_column_updated_at_refused(flow, pipe):
    """Decision: ``updatedAt`` is no datetime column of Contact → 400 naming the path; dateFormat is kept as sent."""
    body = seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id, delta="updatedAt")
    assert problem(flow.post("flows", json=body), 400, "1402")["report"]["path"] == \
        "transformations[0].params.deltaColumn.name"
    for column in ("LastModifiedDate", "SystemModstamp", "systemmodstamp"):
        body = seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id, delta=column)
        assert flow.post("flows", json=body).status_code == 201


def test_seed_flow_without_authorization_is_a_gateway_403(flow, pipe):
    body = seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id)
    response = flow.post("flows", json=body, headers={"Authorization": None})
    assert response.status_code == 403
    assert response.json() == {"error_code": "403010", "message": "Oauth token is missing."}


@pytest.mark.parametrize("schedule", [
    {"startTime": 1567411548, "frequency": "minute", "interval": 15},
    {"startTime": "1567411548", "frequency": "hour", "interval": "1"},
    {"startTime": "1567411548", "frequency": "day", "interval": 1, "backfill": False},
    {"startTime": "1567411548", "frequency": "week", "interval": "2", "foldernameTemplate": "x"},
    {"startTime": "1567411548", "frequency": "once"}])
def test_schedule_allowed(flow, pipe, schedule):
    body = seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id, schedule=schedule)
    response = flow.post("flows", json=body)
    assert response.status_code == 201, response.text
    assert flow.get(f"flows/{response.json()['id']}").json()["items"][0]["scheduleParams"] == schedule


@pytest.mark.parametrize(("schedule", "path"), [
    ({"startTime": "1567411548", "frequency": "minute", "interval": "14"}, "scheduleParams.interval"),
    ({"startTime": "1567411548", "frequency": "hour", "interval": "0"}, "scheduleParams.interval"),
    ({"startTime": "1567411548", "frequency": "hour"}, "scheduleParams"),
    ({"startTime": "1567411548", "frequency": "monthly", "interval": 1}, "scheduleParams.frequency"),
    ({"startTime": "soon", "frequency": "hour", "interval": 1}, "scheduleParams.startTime"),
    ({"frequency": "hour", "interval": 1}, "scheduleParams"),
    ({"startTime": "1567411548", "frequency": "once", "interval": 15}, "scheduleParams"),
    ({"startTime": "1567411548", "frequency": "once", "backfill": True}, "scheduleParams"),
    ({"startTime": "1567411548", "frequency": "day", "interval": "1.5"}, "scheduleParams.interval")])
def test_schedule_refused_with_path(flow, pipe, schedule, path):
    body = seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id, schedule=schedule)
    assert problem(flow.post("flows", json=body), 400, "1402")["report"]["path"] == path


def test_interval_minimum_follows_the_schema_not_the_prose(flow, pipe):
    """The seed's prose says ≥ 15 for every frequency; its schema says ≥ 15 for minute only: the schema wins."""
    body = seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id,
                     schedule={"startTime": "1567411548", "frequency": "day", "interval": "3"})
    assert flow.post("flows", json=body).status_code == 201


def test_references_checked(flow, pipe, crm_session):
    body = seed_flow("00000000-0000-0000-0000-000000000000", pipe.target_id, pipe.mapping_id)
    assert problem(flow.post("flows", json=body), 400, "1415")["report"]["path"] == "sourceConnectionIds[0]"
    body = seed_flow(pipe.source_id, "00000000-0000-0000-0000-000000000000", pipe.mapping_id)
    assert problem(flow.post("flows", json=body), 400, "1415")["report"]["path"] == "targetConnectionIds[0]"
    body = seed_flow(pipe.source_id, pipe.target_id, "500a9b747fcf4908a21917d49bd61780")
    assert problem(flow.post("flows", json=body), 400, "1415")["report"]["path"] == \
        "transformations[1].params.mappingId"
    body = seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id)
    body["sourceConnectionIds"] = []
    problem(flow.post("flows", json=body), 400, "1402")
    del body["flowSpec"]
    problem(flow.post("flows", json=body), 400, "1402")
    dev = Flow(crm_session, flow.headers["Authorization"].split()[1], sandbox="dev")
    problem(dev.post("flows", json=seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id)), 400, "1415")


@pytest.mark.parametrize("version", [0, "0"])
def test_mapping_version_integer_or_string(flow, pipe, version):
    body = seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id)
    body["transformations"][1]["params"]["mappingVersion"] = version  # aepp sends the integer 0
    assert flow.post("flows", json=body).status_code == 201


def test_mapping_version_mismatch_and_unknown_transformation(flow, pipe):
    body = seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id)
    body["transformations"][1]["params"]["mappingVersion"] = 3
    problem(flow.post("flows", json=body), 400, "1412")
    body = seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id)
    body["transformations"].append({"name": "GeneralTransform", "params": {}})
    assert problem(flow.post("flows", json=body), 400, "1402")["report"]["path"] == "transformations[2].name"
    body = seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id)
    body["transformations"][0]["params"] = {}
    assert problem(flow.post("flows", json=body), 400, "1402")["report"]["path"] == "transformations[0].params"


def test_state_in_create_body_refused(flow, pipe):
    body = {**seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id), "state": "enabled"}
    problem(flow.post("flows", json=body), 400, "1410")


def test_options_validated(flow, pipe):
    body = {**seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id),
            "options": {"partialIngestionPercent": "10", "errorDiagnosticsEnabled": True}}
    created = flow.post("flows", json=body)
    assert created.status_code == 201
    assert flow.get(f"flows/{created.json()['id']}").json()["items"][0]["options"]["partialIngestionPercent"] == 10
    body["options"] = {"partialIngestionPercent": 0}
    assert problem(flow.post("flows", json=body), 400, "1402")["report"]["path"] == \
        "options.partialIngestionPercent"


# -- enable / disable, PATCH, DELETE -----------------------------------------------------------------
def test_enable_disable_action_without_body_or_if_match(flow, pipe):
    flow_id = flow.post("flows", json=seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id)).json()["id"]
    headers = {"Content-Type": None}
    disabled = flow.post(f"flows/{flow_id}/action", params={"op": "disable"}, headers=headers)
    assert disabled.status_code == 200 and disabled.json()["id"] == flow_id
    item = flow.get(f"flows/{flow_id}").json()["items"][0]
    assert item["state"] == "disabled" and item["etag"] == disabled.json()["etag"]
    assert item["lastOperation"]["operation"] == "disable"
    assert flow.post(f"flows/{flow_id}/action", params={"op": "enable"}, headers=headers).status_code == 200
    assert flow.get(f"flows/{flow_id}").json()["items"][0]["state"] == "enabled"
    problem(flow.post(f"flows/{flow_id}/action", params={"op": "pause"}, headers=headers), 400, "1445")
    problem(flow.post("flows/00000000-0000-0000-0000-000000000000/action", params={"op": "enable"},
                      headers=headers), 404, "1439")


def test_flow_patch(flow, pipe):
    created = flow.post("flows", json=seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id)).json()
    ops = [{"op": "replace", "path": "/scheduleParams/interval", "value": "60"},
           {"op": "replace", "path": "/name", "value": "renamed"}]
    problem(flow.patch(f"flows/{created['id']}", json=ops), 400, "1403")
    patched = flow.patch(f"flows/{created['id']}", json=ops, headers={"If-Match": created["etag"].strip('"')})
    assert patched.status_code == 200
    item = flow.get(f"flows/{created['id']}").json()["items"][0]
    assert item["name"] == "renamed" and item["scheduleParams"]["interval"] == "60" and item["state"] == "enabled"
    bad = [{"op": "replace", "path": "/scheduleParams/interval", "value": "5"}]
    assert problem(flow.patch(f"flows/{created['id']}", json=bad, headers={"If-Match": item["etag"]}), 400,
                   "1402")["report"]["path"] == "scheduleParams.interval"
    state = [{"op": "replace", "path": "/state", "value": "disabled"}]
    problem(flow.patch(f"flows/{created['id']}", json=state, headers={"If-Match": item["etag"]}), 400, "1410")
    fixed = [{"op": "replace", "path": "/flowSpec/id", "value": CLOUD_FLOW_SPEC}]
    problem(flow.patch(f"flows/{created['id']}", json=fixed, headers={"If-Match": item["etag"]}), 400, "1414")
    problem(flow.patch(f"flows/{created['id']}", json=ops, headers={"If-Match": created["etag"]}), 412, "1404")


def test_flow_delete_and_unknown(flow, pipe):
    flow_id = flow.post("flows", json=seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id)).json()["id"]
    assert flow.delete(f"flows/{flow_id}").status_code == 204
    body = problem(flow.get(f"flows/{flow_id}"), 404, "1439")
    assert body["report"]["type"] == "flows" and body["report"]["id"] == flow_id


def test_flow_list_paging_count_false(flow, pipe):
    for index in range(5):
        body = {**seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id), "name": f"flow {index}"}
        assert flow.post("flows", json=body).status_code == 201
    assert flow.get("flows", params={"count": "true"}).json() == {"count": 5}
    page = flow.get("flows", params={"limit": "2", "count": "False", "orderby": "name"}).json()
    names = [f["name"] for f in page["items"]]
    while page["_links"].get("next"):
        href = page["_links"]["next"]["href"]
        assert href.startswith("/flows?continuationToken=") and href.count("=") == 1
        page = flow.get(f"flows?continuationToken={href.split('=')[1]}").json()
        names += [f["name"] for f in page["items"]]
    assert names == [f"flow {i}" for i in range(5)]


def test_gets_with_content_type_and_cross_sandbox_ids(flow, pipe, crm_session):
    """aepp sends Content-Type on GETs; another sandbox's flow is a 404 there."""
    flow_id = flow.post("flows", json=seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id)).json()["id"]
    json_header = {"Content-Type": "application/json"}
    assert flow.get(f"flows/{flow_id}", headers=json_header).status_code == 200
    assert flow.get("flowSpecs", headers=json_header, params={"property": "name==CRMToAEP"}).status_code == 200
    dev = Flow(crm_session, flow.headers["Authorization"].split()[1], sandbox="dev")
    for path in (f"flows/{flow_id}", f"sourceConnections/{pipe.source_id}", f"targetConnections/{pipe.target_id}"):
        problem(dev.get(path), 404, "1439")
    problem(dev.delete(f"flows/{flow_id}"), 404, "1439")
    problem(dev.post(f"flows/{flow_id}/action", params={"op": "disable"}), 404, "1439")
    assert dev.get("flows").json() == {"items": [], "_links": {}}
    assert flow.get(f"flows/{flow_id}").json()["items"][0]["state"] == "enabled"
