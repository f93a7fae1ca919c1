"""AEP-DEST-1: the Salesforce CRM destination inside the emulated Flow Service, streaming through the connector."""
from __future__ import annotations

import pytest
import requests

from aep_flow_helpers import DEST_FLOW_SPEC, SalesforceRest, add_contacts
from aep_helpers import CLIENT, SECRET, Flow
from connector.destination import UNKNOWN_ERRORS
from emulator.testing import serve_subprocess

DEST_SPEC = "0b23e41a-cb4a-4321-a78f-3b654f5d7d97"
PROFILE_SPEC = "8a9c3494-9708-43d7-ae3f-cda01e5030e1"
ADMIN = "http://x/__emulator/aep"
DESTINATION_FLOWS = "inheritedAttributes.properties.isDestinationFlow==true"


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"].endswith(f"FLOW-{code}-{status}"), body
    return body


def destination_auth(password: str = "password123TOKEN123", domain: str = "harness") -> dict:
    """Seed 000's form: password (token appended), custom domain prefix, client id and secret, username."""
    return {"specName": "Salesforce CRM Authentication", "params": {
        "password": password, "customDomain": domain, "clientId": "harness-client-id",
        "clientSecret": "harness-client-secret", "username": "admin@example.com"}}


def connection(flow: Flow, **auth) -> requests.Response:
    return flow.post("connections", json={"name": "Salesforce CRM", "auth": destination_auth(**auth),
                                          "connectionSpec": {"id": DEST_SPEC, "version": "1.0"}})


def general_transform() -> list[dict]:
    return [{"name": "GeneralTransform", "params": {"profileSelectors": {"selectors": []},
                                                    "segmentSelectors": {"selectors": []}}}]


def destination_flow(flow: Flow, id_type: str = "Contact") -> dict:
    """Base connection, profile source, Salesforce CRM target, then the flow; the flow item."""
    base = connection(flow)
    assert base.status_code == 201, base.text
    source = flow.post("sourceConnections", json={"name": "Profiles", "data": {"format": "json"},
                                                  "connectionSpec": {"id": PROFILE_SPEC, "version": "1.0"}})
    assert source.status_code == 201, source.text
    target = flow.post("targetConnections", json={
        "name": "Salesforce CRM", "baseConnectionId": base.json()["id"], "params": {"salesforceIdType": id_type},
        "connectionSpec": {"id": DEST_SPEC, "version": "1.0"}})
    assert target.status_code == 201, target.text
    created = flow.post("flows", json={"name": "Salesforce CRM activation", "flowSpec": {"id": DEST_FLOW_SPEC,
                                                                                        "version": "1.0"},
                                       "sourceConnectionIds": [source.json()["id"]],
                                       "targetConnectionIds": [target.json()["id"]],
                                       "transformations": general_transform()})
    assert created.status_code == 201, created.text
    return flow.get(f"flows/{created.json()['id']}").json()["items"][0]


def activate(flow: Flow, item: dict, segment: str, mapping_id: str, etag: str | None = "current"):
    op = {"op": "add", "path": "/transformations/0/params/segmentSelectors/selectors/-",
          "value": {"type": "PLATFORM_SEGMENT", "value": {"id": segment, "name": segment, "description": "",
                                                           "mappingId": mapping_id}}}
    headers = {} if etag is None else {"If-Match": item["etag"] if etag == "current" else etag}
    return flow.patch(f"flows/{item['id']}", json=[op], headers=headers)


def activated_flow(flow: Flow, mapping_id: str = "VIP_Status__c", id_type: str = "Contact") -> dict:
    """A destination flow with the segment ``seg-vip`` activated to ``mapping_id``; the flow item."""
    item = destination_flow(flow, id_type)
    done = activate(flow, item, "seg-vip", mapping_id)
    assert done.status_code == 200, done.text
    return item


def request_limit_fault(drop: int) -> dict:
    """Refuse the next ``drop`` composite upserts with 403 REQUEST_LIMIT_EXCEEDED."""
    return {"path": "*/composite/sobjects", "method": "PATCH", "status": 403, "drop": drop,
            "body": [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]}


def runs_of(flow: Flow, flow_id: str) -> list[dict]:
    response = flow.get("runs", params={"property": f"flowId=={flow_id}"})
    assert response.status_code == 200, response.text
    return sorted(response.json()["items"], key=lambda r: r["createdAt"])


@pytest.fixture
def org(crm_session):
    """Three Contacts and a Mapping-ID field on Contact; profiles carrying their crmID in one segment."""
    rest = SalesforceRest(crm_session)
    field = rest.post("tooling/sobjects/CustomField", json={"FullName": "Contact.VIP_Status__c", "Metadata": {
        "type": "Text", "length": 40, "label": "VIP Status"}})
    assert field.status_code == 201, field.text
    ids = add_contacts(rest, 3)
    assert crm_session.post(f"{ADMIN}/segments", json={"id": "seg-vip", "name": "VIP"}).status_code == 201
    profiles = [{"id": f"p{i}", "identityMap": {"crmID": [{"id": cid}]},
                 "person": {"name": {"firstName": f"F{i}", "lastName": f"L{i}"}}} for i, cid in enumerate(ids)]
    assert crm_session.post(f"{ADMIN}/profiles", json={"profiles": profiles}).status_code == 201
    return rest, ids


def status_field(rest: SalesforceRest, contact_id: str, field: str = "VIP_Status__c"):
    response = rest.call("GET", f"sobjects/Contact/{contact_id}")
    assert response.status_code == 200, response.text
    return response.json().get(field)


# -- the spec and the connection -------------------------------------------------------------------------
def test_the_salesforce_crm_spec_is_listed_with_its_form(flow):
    items = flow.get("connectionSpecs").json()["items"]
    spec = next(s for s in items if s["id"] == DEST_SPEC)
    assert spec["name"] == "Salesforce CRM"
    auth = spec["authSpec"][0]["spec"]
    assert set(auth["required"]) == {"password", "customDomain", "clientId", "clientSecret", "username"}
    assert spec["targetSpec"]["spec"]["properties"]["salesforceIdType"]["enum"] == ["Contact", "Lead"]
    assert any(s["id"] == PROFILE_SPEC for s in items)


def test_a_destination_connection_is_tested_against_the_org_and_secrets_are_masked(flow):
    created = connection(flow)
    assert created.status_code == 201, created.text
    item = flow.get(f"connections/{created.json()['id']}").json()["items"][0]
    assert item["state"] == "enabled" and "stateReason" not in item
    assert item["auth"]["params"]["password"] == "***" and item["auth"]["params"]["clientSecret"] == "***"
    assert item["auth"]["params"]["customDomain"] == "harness"
    assert "password123" not in flow.get("connections").text


@pytest.mark.parametrize("auth, reason", [
    ({"password": "wrong"}, "invalid_grant: authentication failure"),
    ({"domain": "nosuchorg"}, "no org has the My Domain nosuchorg.my.salesforce.com"),
])
def test_a_destination_connection_that_cannot_log_in_fails_with_the_reason(flow, auth, reason):
    created = connection(flow, **auth)
    assert created.status_code == 201, created.text
    item = flow.get(f"connections/{created.json()['id']}").json()["items"][0]
    assert item["state"] == "failed" and reason in item["stateReason"]
    assert "wrong" not in item["stateReason"]


def test_a_destination_connection_missing_a_field_of_the_form_is_a_400(flow):
    body = {"name": "x", "auth": destination_auth(), "connectionSpec": {"id": DEST_SPEC, "version": "1.0"}}
    del body["auth"]["params"]["clientSecret"]
    response = flow.post("connections", json=body)
    assert response.status_code == 400 and "clientSecret" in response.text


# -- flows and activation --------------------------------------------------------------------------------
def test_a_destination_flow_is_created_and_listed_as_a_destination_flow(flow):
    item = destination_flow(flow)
    assert item["inheritedAttributes"]["properties"] == {"isDestinationFlow": True}
    assert item["inheritedAttributes"]["targetConnections"][0]["baseConnection"]["connectionSpec"]["id"] == DEST_SPEC
    listed = flow.get("flows", params={"property": DESTINATION_FLOWS}).json()["items"]
    assert [f["id"] for f in listed] == [item["id"]]


def test_destination_flow_validation_refuses_bad_bodies(flow):
    item = destination_flow(flow)
    body = {"name": "bad", "flowSpec": {"id": DEST_FLOW_SPEC}, "sourceConnectionIds": item["sourceConnectionIds"],
            "targetConnectionIds": item["targetConnectionIds"],
            "transformations": [{"name": "GeneralTransform", "params": {"profileSelectors": {"selectors": []}}}]}
    response = flow.post("flows", json=body)
    assert response.status_code == 400 and "segmentSelectors" in response.text
    wrong_target = flow.post("targetConnections", json={
        "name": "t", "baseConnectionId": "nope", "params": {"salesforceIdType": "Account"},
        "connectionSpec": {"id": DEST_SPEC, "version": "1.0"}})
    assert wrong_target.status_code == 400 and "baseConnectionId" in wrong_target.text
    base_id = item["inheritedAttributes"]["targetConnections"][0]["baseConnection"]["id"]
    bad_type = flow.post("targetConnections", json={
        "name": "t", "baseConnectionId": base_id, "params": {"salesforceIdType": "Account"},
        "connectionSpec": {"id": DEST_SPEC, "version": "1.0"}})
    assert bad_type.status_code == 400 and "salesforceIdType" in bad_type.text


def test_activation_needs_the_current_etag(flow):
    item = destination_flow(flow)
    assert activate(flow, item, "seg-vip", "VIP_Status__c", etag=None).status_code == 400
    assert activate(flow, item, "seg-vip", "VIP_Status__c", etag='"stale"').status_code == 412
    done = activate(flow, item, "seg-vip", "VIP_Status__c")
    assert done.status_code == 200, done.text
    stored = flow.get(f"flows/{item['id']}").json()["items"][0]
    selector = stored["transformations"][0]["params"]["segmentSelectors"]["selectors"][0]
    assert selector == {"type": "PLATFORM_SEGMENT", "value": {"id": "seg-vip", "name": "seg-vip", "description": "",
                                                              "mappingId": "VIP_Status__c"}}


# -- streaming export ------------------------------------------------------------------------------------
def test_profiles_moving_in_and_out_reach_the_mapping_id_field_at_the_next_request(flow, org, crm_session):
    rest, ids = org
    item = activated_flow(flow, "vip_status__C")
    moved = crm_session.post(f"{ADMIN}/segments/seg-vip/members", json={"enter": ["p0", "p1"]})
    assert moved.status_code == 200
    assert [status_field(rest, cid) for cid in ids] == ["realized", "realized", None]
    runs = runs_of(flow, item["id"])
    assert runs[-1]["metrics"]["statusSummary"]["status"] == "success"
    assert runs[-1]["metrics"]["recordSummary"] == {"inputRecordCount": 2, "outputRecordCount": 2,
                                                    "failedRecordCount": 0}
    crm_session.post(f"{ADMIN}/segments/seg-vip/members", json={"exit": ["p1"]})
    assert [status_field(rest, cid) for cid in ids] == ["realized", "exited", None]
    assert len(runs_of(flow, item["id"])) == len(runs) + 1
    assert flow.get(f"flows/{item['id']}").json()["items"][0]["lastRunDetails"]["state"] == "success"


def test_a_profile_change_without_a_membership_change_sends_its_attributes(flow, org, crm_session):
    rest, ids = org
    activated_flow(flow)
    crm_session.post(f"{ADMIN}/segments/seg-vip/members", json={"enter": ["p0"]})
    crm_session.post(f"{ADMIN}/profiles", json={"id": "p0", "identityMap": {"crmID": [{"id": ids[0]}]},
                                                "person": {"name": {"firstName": "Ada", "lastName": "Lovelace"}},
                                                "segments": {"seg-vip": "existing"}})
    record = rest.call("GET", f"sobjects/Contact/{ids[0]}").json()
    assert (record["LastName"], record["VIP_Status__c"]) == ("Lovelace", "existing")


def test_a_missing_mapping_id_field_fails_the_run_with_the_seed_message(flow, org, crm_session):
    rest, ids = org
    item = activated_flow(flow, "No_Such_Field__c")
    crm_session.post(f"{ADMIN}/segments/seg-vip/members", json={"enter": ["p0"]})
    run = runs_of(flow, item["id"])[-1]
    summary = run["metrics"]["statusSummary"]
    assert summary["status"] == "failed"
    assert summary["errors"][0]["message"] == UNKNOWN_ERRORS
    assert summary["errors"][0]["detail"].startswith("INVALID_FIELD") and "No_Such_Field__c" in \
        summary["errors"][0]["detail"]
    assert run["metrics"]["recordSummary"]["failedRecordCount"] == 1
    assert flow.get(f"flows/{item['id']}").json()["items"][0]["lastRunDetails"]["state"] == "failed"
    assert status_field(rest, ids[0]) is None


def test_an_unknown_crm_id_fails_that_profile_only(flow, org, crm_session):
    rest, ids = org
    item = activated_flow(flow)
    crm_session.post(f"{ADMIN}/profiles", json={"id": "ghost", "identityMap": {"crmID": [{"id": "003000000000000AAA"}]},
                                                "person": {"name": {"lastName": "Ghost"}}})
    crm_session.post(f"{ADMIN}/segments/seg-vip/members", json={"enter": ["p0", "ghost"]})
    run = runs_of(flow, item["id"])[-1]
    assert run["metrics"]["recordSummary"] == {"inputRecordCount": 2, "outputRecordCount": 1, "failedRecordCount": 1}
    assert run["metrics"]["statusSummary"]["status"] == "success"
    assert run["metrics"]["statusSummary"]["errors"][0]["profileId"] == "ghost"
    assert flow.get(f"flows/{item['id']}").json()["items"][0]["lastRunDetails"]["state"] == "partialSuccess"
    assert status_field(rest, ids[0]) == "realized"


def test_a_disabled_destination_flow_sends_nothing_and_runs_leave_no_secret(flow, org, crm_session):
    rest, ids = org
    item = activated_flow(flow)
    assert flow.post(f"flows/{item['id']}/action", params={"op": "disable"}).status_code == 200
    crm_session.post(f"{ADMIN}/segments/seg-vip/members", json={"enter": ["p0"]})
    assert status_field(rest, ids[0]) is None and runs_of(flow, item["id"]) == []
    assert flow.post(f"flows/{item['id']}/action", params={"op": "enable"}).status_code == 200
    assert status_field(rest, ids[0]) == "realized"
    text = flow.get("runs", params={"property": f"flowId=={item['id']}"}).text
    assert "password123" not in text and "harness-client-secret" not in text


def test_streaming_export_over_serve():
    with serve_subprocess() as server, requests.Session() as session:
        admin = {"X-Admin-Token": server.admin_token}
        rest = SalesforceRest(session, base=server.base_url, login=server.base_url)
        assert rest.post("tooling/sobjects/CustomField", json={"FullName": "Contact.VIP_Status__c", "Metadata": {
            "type": "Text", "length": 40, "label": "VIP Status"}}).status_code == 201
        contact = add_contacts(rest, 1)[0]
        token = session.post(f"{server.base_url}/ims/token/v3", data={
            "grant_type": "client_credentials", "client_id": CLIENT, "client_secret": SECRET}).json()["access_token"]
        flow = Flow(session, token, host=server.base_url)
        item = activated_flow(flow)
        aep = f"{server.base_url}/__emulator/aep"
        assert session.post(f"{aep}/segments", json={"id": "seg-vip"}, headers=admin).status_code == 201
        assert session.post(f"{aep}/profiles", json={"id": "p0", "identityMap": {"crmID": [{"id": contact}]},
                                                     "person": {"name": {"lastName": "L"}},
                                                     "segments": {"seg-vip": "realized"}},
                            headers=admin).status_code == 201
        assert rest.call("GET", f"sobjects/Contact/{contact}").json()["VIP_Status__c"] == "realized"
        runs = runs_of(flow, item["id"])
        assert runs[-1]["metrics"]["recordSummary"]["outputRecordCount"] == 1


def test_the_password_alone_connects_when_the_org_trusts_the_callers_range(flow, crm_session):
    refused = connection(flow, password="password123")
    assert flow.get(f"connections/{refused.json()['id']}").json()["items"][0]["state"] == "failed"
    trusted = crm_session.post("http://x/__emulator/config", json={"salesforce": {"trusted_ip_ranges": ["127.0.0.0/8"]}})
    assert trusted.status_code == 200, trusted.text
    allowed = connection(flow, password="password123")
    assert flow.get(f"connections/{allowed.json()['id']}").json()["items"][0]["state"] == "enabled"


def test_a_segment_activated_to_leads_writes_the_lead_field(flow, crm_session):
    rest = SalesforceRest(crm_session)
    assert rest.post("tooling/sobjects/CustomField", json={"FullName": "Lead.VIP_Status__c", "Metadata": {
        "type": "Text", "length": 40, "label": "VIP Status"}}).status_code == 201
    lead = rest.post("sobjects/Lead", json={"LastName": "Hopper", "Company": "Navy"}).json()["id"]
    crm_session.post(f"{ADMIN}/segments", json={"id": "seg-vip"})
    crm_session.post(f"{ADMIN}/profiles", json={"id": "p", "identityMap": {"crmID": [{"id": lead}]},
                                                "person": {"name": {"lastName": "Hopper"}},
                                                "b2b": {"companyName": "US Navy"}})
    activated_flow(flow, id_type="Lead")
    crm_session.post(f"{ADMIN}/segments/seg-vip/members", json={"enter": ["p"]})
    record = rest.call("GET", f"sobjects/Lead/{lead}").json()
    assert (record["VIP_Status__c"], record["Company"]) == ("realized", "US Navy")


def test_snapshots_keep_what_was_sent_and_the_journal_has_no_secret(flow, org, crm_session):
    rest, ids = org
    item = activated_flow(flow)
    assert crm_session.post("http://x/__emulator/snapshot", json={"name": "before"}).status_code == 200
    crm_session.post(f"{ADMIN}/segments/seg-vip/members", json={"enter": ["p0"]})
    assert status_field(rest, ids[0]) == "realized"
    assert crm_session.post("http://x/__emulator/snapshot", json={"name": "after"}).status_code == 200
    assert crm_session.post("http://x/__emulator/restore", json={"name": "after"}).status_code == 200
    crm_session.post(f"{ADMIN}/segments/seg-vip/members", json={"enter": ["p0"]})  # realized -> existing
    assert status_field(rest, ids[0]) == "existing"
    assert crm_session.post("http://x/__emulator/restore", json={"name": "before"}).status_code == 200
    assert runs_of(flow, item["id"]) == []
    journal = crm_session.get("http://x/__emulator/journal", params={"limit": 500}).text
    assert "password123" not in journal and "harness-client-secret" not in journal


def test_a_streaming_destination_flow_takes_no_on_demand_run(flow):
    item = destination_flow(flow)
    refused = problem(flow.post("runs", json={"flowId": item["id"], "params": {}}), 400, "1444")
    assert "streaming" in refused["report"]["detailed-message"]


def test_request_limit_exceeded_mid_export_is_retried_without_loss(flow, org, crm_session):
    rest, ids = org
    item = activated_flow(flow)
    assert crm_session.post("http://x/__emulator/faults", json=request_limit_fault(2)).status_code in (200, 201)
    crm_session.post(f"{ADMIN}/segments/seg-vip/members", json={"enter": ["p0", "p1"]})
    assert [status_field(rest, cid) for cid in ids[:2]] == ["realized", "realized"]
    run = runs_of(flow, item["id"])[-1]
    assert run["metrics"]["statusSummary"]["status"] == "success"
    assert run["metrics"]["recordSummary"]["outputRecordCount"] == 2


def test_refusals_past_the_retries_fail_the_run_and_the_next_change_sends_them(flow, org, crm_session):
    rest, ids = org
    item = activated_flow(flow)
    assert crm_session.post("http://x/__emulator/faults", json=request_limit_fault(4)).status_code in (200, 201)
    crm_session.post(f"{ADMIN}/segments/seg-vip/members", json={"enter": ["p0"]})
    assert status_field(rest, ids[0]) is None
    failed = runs_of(flow, item["id"])[-1]["metrics"]["statusSummary"]
    assert failed["status"] == "failed" and "REQUEST_LIMIT_EXCEEDED" in failed["errors"][0]["message"]
    crm_session.post(f"{ADMIN}/segments/seg-vip/members", json={"enter": ["p1"]})
    assert [status_field(rest, cid) for cid in ids[:2]] == ["realized", "realized"]
