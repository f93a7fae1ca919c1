"""CON-SRC-1: the seed-004 pipeline through connector.flowservice, as one call and step by step, with two
scheduled runs across a clock jump where the second ingests exactly the Contacts changed in between."""
from __future__ import annotations

from datetime import timedelta

import pytest

from connector.flowservice import AepClient, NotFound, SourcePipeline, SourcePipelineConfig, ValidationError

CLIENT, SECRET, ORG = "harness-aep-client", "harness-aep-secret", "HARNESS@AdobeOrg"
CONFIG = dict(username="admin@example.com", password="password123", security_token="TOKEN123")


@pytest.fixture
def aep(crm_session) -> AepClient:
    return AepClient(CLIENT, SECRET, ORG, "prod", session=crm_session)


def rows(crm_session, dataset_id: str, batch_id: str | None = None) -> list[dict]:
    params = {"batchId": batch_id} if batch_id else None
    answer = crm_session.get(f"https://platform.adobe.io/__emulator/aep/datasets/{dataset_id}/rows", params=params)
    return answer.json()["rows"]


def batch_of(run: dict) -> str:
    return next(i for a in run["activities"] for t in a.get("targetInfo", []) for i in t["reference"]["ids"])


def test_one_call_returns_every_id_and_runs_ingest_incrementally(crm_emulator, crm_session, aep, salesforce):
    crm_emulator.clock.freeze(True)  # only the jumps below move time
    first = [salesforce.create("Contact", {"FirstName": f"F{i}", "LastName": f"L{i}", "Email": f"c{i}@example.com"})
             for i in range(4)]
    crm_emulator.clock.advance(timedelta(minutes=1))
    start = int(crm_emulator.clock.now().timestamp())
    pipeline = SourcePipeline(aep, SourcePipelineConfig(**CONFIG, frequency="minute", interval=15))
    ids = pipeline.run(start)
    for name in ("base_connection_id", "source_connection_id", "schema_id", "schema_alt_id", "dataset_id",
                 "target_connection_id", "mapping_set_id", "flow_spec_id", "flow_id"):
        assert getattr(ids, name), name
    assert ids.flow_spec_id == "14518937-270c-4525-bdec-c2ba7cce3860"
    assert {c["name"] for c in ids.columns} >= {"FirstName", "LastName", "Email", "LastModifiedDate"}

    crm_emulator.clock.advance(timedelta(minutes=1))
    runs = pipeline.runs()  # the slot at startTime fired: the backfill of every row
    assert len(runs) == 1 and runs[0]["metrics"]["statusSummary"]["status"] == "success"
    first_rows = rows(crm_session, ids.dataset_id, batch_of(runs[0]))
    assert {r["identityMap"]["crmID"][0]["id"] for r in first_rows} >= set(first)

    changed = first[1]
    salesforce.update("Contact", changed, {"Email": "changed@example.com"})
    added = salesforce.create("Contact", {"FirstName": "New", "LastName": "Comer", "Email": "new@example.com"})
    crm_emulator.clock.advance(timedelta(minutes=45))  # a jump over three slots: +15, +30, +45
    runs = pipeline.runs()
    assert len(runs) == 4 and ids.run_ids == [r["id"] for r in runs]
    second = runs[1]
    assert second["metrics"]["recordSummary"]["outputRecordCount"] == 2
    ingested = rows(crm_session, ids.dataset_id, batch_of(second))
    assert sorted(r["identityMap"]["crmID"][0]["id"] for r in ingested) == sorted([changed, added])
    assert {"address": "changed@example.com"} in [r["personalEmail"] for r in ingested]
    assert [r["metrics"]["recordSummary"]["outputRecordCount"] for r in runs[2:]] == [0, 0]


def test_step_by_step_and_typed_errors(crm_emulator, aep, salesforce):
    pipeline = SourcePipeline(aep, SourcePipelineConfig(**CONFIG, table="Contact"))
    assert pipeline.base_connection()
    assert pipeline.explore()
    with pytest.raises(RuntimeError):
        pipeline.dataset()  # the schema step has not run
    assert pipeline.source_connection()
    schema_id = pipeline.schema()
    assert pipeline.dataset() and pipeline.ids.schema_id == schema_id
    assert pipeline.target_connection()
    assert pipeline.mapping_set()
    assert pipeline.flow_spec()
    flow_id = pipeline.flow(int(crm_emulator.clock.now().timestamp()) + 3600)  # first slot in an hour
    assert pipeline.runs() == [] and pipeline.ids.flow_id == flow_id
    connection = aep.get(f"flowservice/connections/{pipeline.ids.base_connection_id}")
    assert "password123" not in str(connection)
    with pytest.raises(ValidationError) as schema_twice:
        pipeline.schema()
    assert schema_twice.value.code == "XDM-1521-400"
    with pytest.raises(NotFound) as unknown:
        aep.get("flowservice/flows/00000000-0000-0000-0000-000000000000")
    assert unknown.value.code == "FLOW-1439-404"


def test_unknown_table_and_bad_mapping_are_refused(aep):
    explore_missing = SourcePipeline(aep, SourcePipelineConfig(**CONFIG, table="Accounts"))
    explore_missing.base_connection()
    with pytest.raises(NotFound):
        explore_missing.explore()
    bad_mapping = SourcePipeline(aep, SourcePipelineConfig(**CONFIG, mapping={"Title": "person.jobTitle"}))
    bad_mapping.schema()
    with pytest.raises(ValidationError) as caught:
        bad_mapping.mapping_set()
    assert caught.value.code == "CONV-1007-400" and "person.jobTitle" in caught.value.message
