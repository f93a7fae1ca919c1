"""aepp (Adobe's Python SDK) unchanged against the emulator: under mock() on the real hosts, and against
``serve`` through aepp's "support" environment (its endpoint pointed at the server's base URL).

Covers AEP-AUTH-1, AEP-FS-1…AEP-FS-6 as aepp uses them, AEP-SR-1, AEP-CAT-1, AEP-CONV-1 and the paging
habits of aepp: Flow Service ``_links.next.href`` (appended to the endpoint in getConnections, split on
``=`` in getFlows/getRuns/getSourceConnections) and Catalog ``limit``/``start``.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
import requests

aepp = pytest.importorskip("aepp")
from aepp import catalog, dataprep, flowservice, schema  # noqa: E402

from aep_helpers import CLIENT, ORG, SECRET  # noqa: E402
from emulator.testing import serve_subprocess  # noqa: E402

SALESFORCE = "cfc0fee1-7dc0-40ef-b73e-d8b134c436f5"
DATA_LAKE = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
REFS = ["https://ns.adobe.com/xdm/context/profile", "https://ns.adobe.com/xdm/context/profile-person-details",
        "https://ns.adobe.com/xdm/context/profile-personal-details"]
SF_AUTH = {"specName": "Basic Authentication",
           "params": {"username": "admin@example.com", "password": "password123", "securityToken": "TOKEN123"}}


def configure_mock(sandbox: str = "prod") -> None:
    aepp.configure(org_id=ORG, client_id=CLIENT, secret=SECRET, scopes="openid,AdobeID,read_organizations",
                   sandbox=sandbox)


@pytest.fixture
def sdk(crm_mock):
    configure_mock()
    return crm_mock


def make_schema(title: str = "Salesforce target XDM schema") -> dict:
    return schema.Schema().createSchema({"title": title, "type": "object", "allOf": [{"$ref": r} for r in REFS],
                                         "meta:class": REFS[0]})


def pipeline(fs, cat, start_time: int, mapping: list | None = None) -> dict:
    """Base, source and target connections, dataset, mapping set and flow, all through aepp."""
    created = make_schema()
    dataset_id = cat.createDataSet(name="Salesforce target dataset", schemaId=created["$id"])[0].split("/")[-1]
    mapping_set = dataprep.DataPrep().createMappingSet(schemaId=created["$id"], validate=True, mappingList=mapping or [
        {"sourceType": "ATTRIBUTE", "source": "LastName", "destination": "person.name.lastName"},
        {"sourceType": "ATTRIBUTE", "source": "Email", "destination": "personalEmail.address"}])
    base = fs.createConnection(name="Salesforce", auth=SF_AUTH, connectionSpec={"id": SALESFORCE, "version": "1.0"})
    source = fs.createSourceConnection({
        "name": "Salesforce source", "baseConnectionId": base["id"], "data": {"format": "tabular"},
        "params": {"tableName": "Contact", "columns": [{"name": "LastName", "type": "string"},
                                                      {"name": "Email", "type": "string"}]},
        "connectionSpec": {"id": SALESFORCE, "version": "1.0"}})
    target = fs.createTargetConnection(name="Data lake", connectionSpecId=DATA_LAKE, datasetId=dataset_id)
    lake = fs.createTargetConnectionDataLake(name="Data lake 2", datasetId=dataset_id, schemaId=created["$id"])
    assert "id" in lake, lake  # aepp finds the data-lake spec by its name, "datalake"
    spec_id = fs.getFlowSpecIdFromNames("CRMToAEP")
    flow = fs.createFlow(spec_id, name="Salesforce dataflow", source_connection_id=source["id"],
                         target_connection_id=target["id"], schedule_start_time=start_time,
                         schedule_frequency="minute", schedule_interval=15,
                         transformation_mapping_id=mapping_set["id"], transformation_name="Mapping")
    assert "id" in flow, flow
    return {"schema": created, "dataset": dataset_id, "mapping": mapping_set, "base": base, "source": source,
            "target": target, "spec": spec_id, "flow": flow}


def test_token_and_connection_specs(sdk):
    fs = flowservice.FlowService()
    assert fs.connector.token.count(".") == 2
    specs = fs.getConnectionSpecsMap()
    assert specs["salesforce"] == SALESFORCE
    assert fs.getConnectionSpec(SALESFORCE)["items"][0]["id"] == SALESFORCE


def test_connections_page_through_next_href(sdk):
    fs = flowservice.FlowService()
    made = [fs.createConnection(name=f"c{i}", auth=SF_AUTH, connectionSpec={"id": SALESFORCE, "version": "1.0"})["id"]
            for i in range(5)]
    listed = fs.getConnections(limit=2, n_results="inf")
    assert sorted(c["id"] for c in listed) == sorted(made)
    assert all(c["auth"]["params"]["password"] != "password123" for c in listed)


def test_schema_dataset_and_mapping_set_through_aepp(sdk):
    created = make_schema()
    assert created["meta:altId"].startswith("_")
    full = schema.Schema().getSchema(created["$id"], full=True)
    assert "firstName" in full["properties"]["person"]["properties"]["name"]["properties"]
    assert schema.Schema().getSchema(created["meta:altId"], full=False)["title"] == created["title"]
    assert [s["$id"] for s in schema.Schema().getSchemas()] == [created["$id"]]
    extended = schema.Schema().addFieldGroupToSchema(created["$id"], ["https://ns.adobe.com/xdm/mixins/b2b-person-details"])
    assert extended["version"] == "1.1" and extended["meta:extends"][-1].endswith("b2b-person-details")
    cat = catalog.Catalog()
    dataset_id = cat.createDataSet(name="people", schemaId=created["$id"])[0].split("/")[-1]
    datasets = cat.getDataSets()
    assert datasets[dataset_id]["classification"]["dataBehavior"] == "record"
    assert cat.data.ids == {"people": dataset_id}
    assert cat.getDataSet(dataset_id)[dataset_id]["schemaRef"]["id"] == created["$id"]
    assert cat.enableDatasetProfile(dataset_id) == [f"@/dataSets/{dataset_id}"]
    assert cat.getDataSet(dataset_id)[dataset_id]["tags"]["unifiedProfile"] == ["enabled:true"]
    prep = dataprep.DataPrep()
    mapping = prep.createMappingSet(schemaId=created["$id"], validate=True, mappingList=[
        {"sourceType": "ATTRIBUTE", "source": "FirstName", "destination": "person.name.firstName"}])
    assert mapping["version"] == 0
    assert prep.getMappingSet(mapping["id"])["outputSchema"]["schemaRef"]["id"] == created["$id"]
    bad = prep.createMappingSet(schemaId=created["$id"], validate=True, mappingList=[
        {"sourceType": "ATTRIBUTE", "source": "FirstName", "destination": "person.nickname"}])
    assert bad["status"] == 400 and "person.nickname" in bad["detail"]


def test_catalog_paging_with_limit_and_start(sdk, crm_emulator):
    created = make_schema()
    cat = catalog.Catalog()
    made = [cat.createDataSet(name=f"ds{i}", schemaId=created["$id"])[0].split("/")[-1] for i in range(7)]
    # aepp's getDataSets loops while a page is full, asking start=1+limit next (an off-by-one of aepp's:
    # Catalog's start is a 0-based offset), so the dataset at offset `limit` is the one it skips.
    assert list(cat.getDataSets(limit=5)) == made[:5] + made[6:]
    assert list(cat.getDataSets(limit=100)) == made
    backend = crm_emulator.aep
    with backend.lock:
        store = backend.sandbox(ORG, "prod").catalog
        batches = [store.write_batch(backend.ids, backend.now(), made[0], [{"person": {}}]).id for _ in range(12)]
    assert sorted(cat.getBatches(limit=5, n_results=12)) == sorted(batches)
    assert len(cat.getBatches(limit=5)) == 5


def test_flow_pipeline_runs_and_delete(sdk, salesforce):
    for i in range(3):
        salesforce.create("Contact", {"LastName": f"Aepp{i}", "Email": f"aepp{i}@example.com"})
    fs, cat = flowservice.FlowService(), catalog.Catalog()
    start = int(sdk.clock.now().timestamp())
    made = pipeline(fs, cat, start)
    flow_id = made["flow"]["id"]
    found = fs.getFlow(flow_id)
    assert found["state"] == "enabled" and found["flowSpec"]["id"] == made["spec"]
    assert [f["id"] for f in fs.getFlows()] == [flow_id]
    assert [s["id"] for s in fs.getSourceConnections()] == [made["source"]["id"]]
    sdk.clock.advance(timedelta(minutes=16))
    runs = fs.getRuns(prop=f"flowId=={flow_id}")
    assert runs and all(r["flowId"] == flow_id for r in runs)
    assert fs.getRun(runs[0]["id"])[0]["id"] == runs[0]["id"]
    batch_ids = [b for r in runs for a in r.get("activities", []) for t in a.get("targetInfo", [])
                 for b in t["reference"]["ids"]]
    assert batch_ids
    batches = cat.getBatches(dataSet=made["dataset"])
    assert set(batch_ids) <= set(batches)
    rows = requests.get(f"https://platform.adobe.io/__emulator/aep/datasets/{made['dataset']}/rows").json()["rows"]
    assert {"person": {"name": {"lastName": "Aepp0"}}, "personalEmail": {"address": "aepp0@example.com"}} in rows
    assert fs.postFlowAction(flow_id, "disable")["id"] == flow_id
    assert fs.getFlow(flow_id)["state"] == "disabled"
    fs.deleteFlow(flow_id)
    assert fs.getFlow(flow_id) == {}  # aepp answers the first item, or {} for the 404
    assert fs.connector.getData(f"{fs.endpoint}/flows/{flow_id}")["type"].endswith("FLOW-1439-404")


def test_flows_and_runs_page_through_continuation_tokens(sdk):
    fs, cat = flowservice.FlowService(), catalog.Catalog()
    start = int(sdk.clock.now().timestamp())
    made = pipeline(fs, cat, start)
    extra = [fs.createFlow(made["spec"], name=f"more {i}", source_connection_id=made["source"]["id"],
                           target_connection_id=made["target"]["id"], schedule_start_time=start,
                           schedule_frequency="minute", schedule_interval=15,
                           transformation_mapping_id=made["mapping"]["id"], transformation_name="Mapping")["id"]
             for i in range(4)]
    assert len(fs.getFlows(limit=2, n_results="inf")) == 5
    sdk.clock.advance(timedelta(minutes=31))
    runs = fs.getRuns(limit=3, n_results="inf")
    assert len(runs) >= 10 and {r["flowId"] for r in runs} == {made["flow"]["id"], *extra}


def test_aepp_against_serve():
    """aepp configured as usual, then its platform endpoint and IMS token endpoint pointed at ``serve``
    (``aepp.config.endpoints["global"]`` and ``config_object["oauthTokenEndpointV2"]``: the two
    settings configure() derives from the environment)."""
    with serve_subprocess() as server:
        configure_mock()
        aepp.config.endpoints["global"] = server.base_url
        aepp.config.config_object["oauthTokenEndpointV2"] = f"{server.base_url}/ims/token/v3"
        try:
            fs = flowservice.FlowService()
            assert fs.endpoint.startswith(server.base_url) and fs.connector.token, fs.connector.config
            specs = fs.getConnectionSpecs()
            assert isinstance(specs, list), specs  # aepp hands back the error body when "items" is missing
            assert fs.getConnectionSpecsMap()["salesforce"] == SALESFORCE
            assert fs.getFlowSpecIdFromNames("CRMToAEP") == "14518937-270c-4525-bdec-c2ba7cce3860"
            created = make_schema()
            assert "$id" in created, created
            found = schema.Schema().getSchema(created["$id"])
            assert found.get("$id") == created["$id"], found
            cat = catalog.Catalog()
            answer = cat.createDataSet(name="served", schemaId=created["$id"])
            assert isinstance(answer, list), answer
            dataset_id = answer[0].split("/")[-1]
            assert list(cat.getDataSets()) == [dataset_id]
            base = fs.createConnection(name="sf", auth=SF_AUTH, connectionSpec={"id": SALESFORCE, "version": "1.0"})
            assert "id" in base, base
            assert fs.getConnection(base["id"])["id"] == base["id"]
            rows_url = f"{server.base_url}/__emulator/aep/datasets/{dataset_id}/rows"
            assert requests.get(rows_url).status_code == 401  # the harness read needs the admin token
            served = requests.get(rows_url, headers={"X-Admin-Token": server.admin_token})
            assert served.status_code == 200 and served.json()["rows"] == []
        finally:
            configure_mock()  # back to the real hosts for the other tests
