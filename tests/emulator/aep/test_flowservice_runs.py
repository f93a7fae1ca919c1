"""AEP-FS-6 runs: slots on the clock, incremental reads through the Salesforce API, the run shape."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from aep_flow_helpers import (START, SalesforceRest, add_contacts, build_pipeline, epoch, rows, runs_of,
                              seed_flow)
from aep_helpers import Flow, ims_token
from aep_platform_helpers import Platform
from emulator.app import create_app
from emulator.core.transport import session_for
from emulator.pytest_plugin import fresh_emulator
from emulator.testing import run_in_threads

QUARTER = 15 * 60


class World:
    """One emulator with a frozen clock, a Flow Service caller, a platform caller and a Salesforce caller."""

    def __init__(self, emulator) -> None:
        self.emulator = emulator
        emulator.clock.freeze()
        emulator.clock.set(START - timedelta(minutes=10))
        self.session = session_for(create_app(emulator))
        token = ims_token(self.session)
        self.flow = Flow(self.session, token)
        self.platform = Platform(self.session, token)
        self.rest = SalesforceRest(self.session)

    def at(self, moment) -> None:
        """Move the clock; a fresh IMS token, as a client would get after a long jump."""
        self.emulator.clock.set(moment)
        token = ims_token(self.session)
        self.flow.headers["Authorization"] = self.platform.headers["Authorization"] = f"Bearer {token}"

    def scheduled_flow(self, pipe, schedule: dict | None = None, **extra) -> str:
        schedule = schedule or {"startTime": str(epoch(START)), "frequency": "minute", "interval": "15"}
        body = {**seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id, schedule=schedule), **extra}
        response = self.flow.post("flows", json=body)
        assert response.status_code == 201, response.text
        return response.json()["id"]


@pytest.fixture
def world(crm_emulator) -> World:
    return World(crm_emulator)


def status(run: dict) -> str:
    return run["metrics"]["statusSummary"]["status"]


def batch_ids(run: dict) -> list[str]:
    return run["activities"][0]["targetInfo"][0]["reference"]["ids"]


def test_first_slot_backfills_then_each_slot_reads_only_its_window(world):
    contacts = add_contacts(world.rest, 5)
    pipe = build_pipeline(world.flow, world.platform)
    world.at(START)
    flow_id = world.scheduled_flow(pipe)
    first = runs_of(world.flow, flow_id)
    assert len(first) == 1 and status(first[0]) == "success"
    run = first[0]
    assert "status" not in run and run["flowId"] == flow_id
    assert run["metrics"]["recordSummary"] == {"inputRecordCount": 5, "outputRecordCount": 5, "failedRecordCount": 0}
    assert run["metrics"]["durationSummary"]["startedAtUTC"] == epoch(START) * 1000
    assert run["metrics"]["sizeSummary"]["inputBytes"] > 0 and run["metrics"]["sizeSummary"]["outputBytes"] > 0
    copy_activity, promotion = run["activities"]
    assert copy_activity["id"] == "copyActivity" and promotion["id"] == "promotionActivity"
    assert copy_activity["sourceInfo"] == [{"id": pipe.source_id, "type": "SourceConnection"}]
    assert copy_activity["durationSummary"]["extensions"] == {"windowStart": 0, "windowEnd": epoch(START) * 1000}
    batch = batch_ids(run)
    assert len(batch) == 1 and len(batch[0]) == 26
    written = rows(world.flow, pipe.dataset_id, batch[0])
    assert sorted(r["person"]["name"]["firstName"] for r in written) == [f"c{i}" for i in range(5)]
    assert written[0]["personalEmail"]["address"].endswith("@example.com")
    details = world.flow.get(f"flows/{flow_id}").json()["items"][0]["lastRunDetails"]
    assert details["id"] == run["id"] and details["state"] == "success"

    world.at(START + timedelta(minutes=5))
    for contact_id in contacts[:2]:
        assert world.rest.patch(f"sobjects/Contact/{contact_id}", json={"FirstName": "changed"}).status_code == 204
    world.at(START + timedelta(minutes=50))  # slots +15, +30, +45 fire, each once, in order
    runs = runs_of(world.flow, flow_id)
    assert [r["metrics"]["durationSummary"]["startedAtUTC"] // 1000 for r in runs] == \
        [epoch(START) + k * QUARTER for k in range(4)]
    assert [r["metrics"]["recordSummary"]["inputRecordCount"] for r in runs] == [5, 2, 0, 0]
    assert [len(batch_ids(r)) for r in runs] == [1, 1, 0, 0]
    second = rows(world.flow, pipe.dataset_id, batch_ids(runs[1])[0])
    assert [r["person"]["name"]["firstName"] for r in second] == ["changed", "changed"]
    assert len(rows(world.flow, pipe.dataset_id)) == 7
    assert len(runs_of(world.flow, flow_id)) == 4  # reading again fires nothing


def test_runs_read_salesforce_through_its_rest_api(world):
    add_contacts(world.rest, 3)
    pipe = build_pipeline(world.flow, world.platform)
    world.at(START)
    world.scheduled_flow(pipe)
    world.flow.get("runs")
    calls = [(e["method"], e["path"], e["query"]) for e in world.emulator.journal.entries()
             if e["path"].startswith("/services/Soap") or "/query" in e["path"]]
    assert calls[0][:2] == ("POST", "/services/Soap/u/59.0")
    assert calls[1][1] == "/services/data/v59.0/query" and "LastModifiedDate" in calls[1][2]


def test_query_more_pages_are_followed(world):
    add_contacts(world.rest, 2300)
    pipe = build_pipeline(world.flow, world.platform)
    world.at(START)
    flow_id = world.scheduled_flow(pipe)
    run = runs_of(world.flow, flow_id)[0]
    assert run["metrics"]["recordSummary"]["outputRecordCount"] == 2300
    assert any("/query/01g" in e["path"] for e in world.emulator.journal.entries())


def test_backfill_false_reads_from_start_time(world):
    add_contacts(world.rest, 3, prefix="old")
    pipe = build_pipeline(world.flow, world.platform)
    world.at(START + timedelta(minutes=1))
    add_contacts(world.rest, 2, prefix="new")
    schedule = {"startTime": str(epoch(START)), "frequency": "minute", "interval": "15", "backfill": False}
    world.at(START + timedelta(minutes=16))
    flow_id = world.scheduled_flow(pipe, schedule)  # start in the past: first slot at +30
    assert runs_of(world.flow, flow_id) == []
    world.at(START + timedelta(minutes=30))
    run = runs_of(world.flow, flow_id)[0]
    assert run["metrics"]["recordSummary"]["inputRecordCount"] == 2
    assert run["activities"][0]["durationSummary"]["extensions"]["windowStart"] == epoch(START) * 1000


def test_disabled_flow_does_not_run_and_resumes_at_its_next_slot(world):
    add_contacts(world.rest, 2)
    pipe = build_pipeline(world.flow, world.platform)
    world.at(START)
    flow_id = world.scheduled_flow(pipe)
    assert len(runs_of(world.flow, flow_id)) == 1
    world.flow.post(f"flows/{flow_id}/action", params={"op": "disable"})
    world.at(START + timedelta(hours=2))
    assert len(runs_of(world.flow, flow_id)) == 1
    world.flow.post(f"flows/{flow_id}/action", params={"op": "enable"})
    assert len(runs_of(world.flow, flow_id)) == 2  # the slot at +2h is due now
    world.at(START + timedelta(hours=2, minutes=15))
    runs = runs_of(world.flow, flow_id)
    assert [r["metrics"]["durationSummary"]["startedAtUTC"] // 1000 - epoch(START) for r in runs] == \
        [0, 7200, 8100]


def test_deleted_flow_stops(world):
    pipe = build_pipeline(world.flow, world.platform)
    world.at(START)
    flow_id = world.scheduled_flow(pipe)
    world.flow.delete(f"flows/{flow_id}")
    world.at(START + timedelta(hours=1))
    assert len(runs_of(world.flow, flow_id)) == 1  # the slot at START ran before the delete; none after


def test_on_demand_run_for_once_flow(world):
    add_contacts(world.rest, 4)
    pipe = build_pipeline(world.flow, world.platform)
    world.at(START)
    flow_id = world.scheduled_flow(pipe, {"startTime": str(epoch(START) + 86400), "frequency": "once"})
    params = {"startTime": str(epoch(START)), "windowStartTime": str(epoch(START) - 3600),
              "windowEndTime": str(epoch(START)), "deltaColumn": {"name": "LastModifiedDate"}}
    response = world.flow.post("runs", json={"flowId": flow_id, "params": params, "status": "inProgress"})
    assert response.status_code == 201, response.text
    created = response.json()["items"][0]
    assert set(created) == {"id", "etag"}
    waiting = world.flow.get(f"runs/{created['id']}").json()["items"][0]
    assert status(waiting) == "scheduled" and waiting["activities"] == []
    world.at(START + timedelta(seconds=1))
    done = world.flow.get(f"runs/{created['id']}").json()["items"][0]
    assert status(done) == "success" and done["metrics"]["recordSummary"]["inputRecordCount"] == 4
    by_status = world.flow.get("runs", params={"property": ["metrics.statusSummary.status==SUCCESS",
                                                            f"flowId=={flow_id}"]}).json()["items"]
    assert [r["id"] for r in by_status] == [created["id"]]


def test_on_demand_run_refusals(world):
    pipe = build_pipeline(world.flow, world.platform)
    world.at(START)
    periodic = world.scheduled_flow(pipe)
    once = world.scheduled_flow(pipe, {"startTime": str(epoch(START) + 86400), "frequency": "once"})
    params = {"startTime": epoch(START), "windowStartTime": epoch(START) - 60, "windowEndTime": epoch(START),
              "deltaColumn": {"name": "LastModifiedDate"}}
    answer = world.flow.post("runs", json={"flowId": periodic, "params": params})
    assert answer.status_code == 400 and answer.json()["type"].endswith("FLOW-1444-400")
    missing = {k: v for k, v in params.items() if k != "windowEndTime"}
    answer = world.flow.post("runs", json={"flowId": once, "params": missing})
    assert answer.status_code == 400 and answer.json()["report"]["path"] == "params"
    answer = world.flow.post("runs", json={"flowId": "nope", "params": params})
    assert answer.status_code == 400 and answer.json()["type"].endswith("FLOW-1415-400")
    answer = world.flow.get("runs/00000000-0000-0000-0000-000000000000")
    assert answer.status_code == 404 and answer.json()["report"]["type"] == "runs"


def test_salesforce_errors_fail_the_run_without_leaking_the_password(world):
    add_contacts(world.rest, 2)
    pipe = build_pipeline(world.flow, world.platform)
    world.emulator.faults.add({"path": "/services/data/*/query*", "status": 403, "times": 1, "body": [
        {"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]})
    world.at(START)
    flow_id = world.scheduled_flow(pipe)
    failed = runs_of(world.flow, flow_id)[0]
    assert status(failed) == "failed"
    assert "REQUEST_LIMIT_EXCEEDED" in failed["metrics"]["statusSummary"]["errors"][0]["message"]
    assert world.flow.get(f"flows/{flow_id}").json()["items"][0]["lastRunDetails"]["state"] == "failed"
    world.at(START + timedelta(minutes=15))  # the failed window is read again by the next run
    assert runs_of(world.flow, flow_id)[1]["metrics"]["recordSummary"]["inputRecordCount"] == 2
    etag = world.flow.get(f"connections/{pipe.base_id}").json()["items"][0]["etag"]
    world.flow.patch(f"connections/{pipe.base_id}", headers={"If-Match": etag},
                     json=[{"op": "replace", "path": "/auth/params/password", "value": "s3cret-wrong"}])
    world.at(START + timedelta(minutes=30))
    wrong = runs_of(world.flow, flow_id)[2]
    assert status(wrong) == "failed" and "INVALID_LOGIN" in wrong["metrics"]["statusSummary"]["errors"][0]["message"]
    everything = world.flow.get("runs").text + world.flow.get("flows").text + world.flow.get("connections").text
    assert "s3cret-wrong" not in everything and "password123" not in everything
    journal = world.session.get("https://harness.my.salesforce.com/__emulator/journal").text
    assert "s3cret-wrong" not in journal and "password123" not in journal


def test_revoked_user_fails_the_run(world):
    pipe = build_pipeline(world.flow, world.platform)
    data = world.emulator.salesforce.default_org()
    next(u for u in data.org.users.values() if u.username == "admin@example.com").active = False
    world.at(START)
    flow_id = world.scheduled_flow(pipe)
    run = runs_of(world.flow, flow_id)[0]
    assert status(run) == "failed" and run["metrics"]["statusSummary"]["errors"][0]["code"] == "CONNECTOR-1001-500"


def test_partial_ingestion_and_error_diagnostics(world):
    add_contacts(world.rest, 8)
    for index in range(2):  # two Contacts whose mapped columns are all null apart from LastName
        world.rest.post("sobjects/Contact", json={"LastName": f"Bare{index}"})
    pipe = build_pipeline(world.flow, world.platform)
    mapping = world.platform.post("conversion/mappingSets", json={
        "version": 0, "xdmSchema": pipe.schema_id, "xdmVersion": "1.0", "mappings": [
            {"destinationXdmPath": "person.name.firstName", "sourceAttribute": "FirstName"},
            {"destinationXdmPath": "personalEmail.address", "sourceAttribute": "Email"}]}).json()["id"]
    world.at(START)
    body = seed_flow(pipe.source_id, pipe.target_id, mapping,
                     schedule={"startTime": str(epoch(START)), "frequency": "minute", "interval": "15"})
    lenient = world.flow.post("flows", json={**body, "name": "lenient", "options": {
        "partialIngestionPercent": 25, "errorDiagnosticsEnabled": True}}).json()["id"]
    strict = world.flow.post("flows", json={**body, "name": "strict",
                                            "options": {"partialIngestionPercent": 10}}).json()["id"]
    all_or_nothing = world.flow.post("flows", json={**body, "name": "plain"}).json()["id"]
    ok = runs_of(world.flow, lenient)[0]
    assert status(ok) == "success"
    assert ok["metrics"]["recordSummary"] == {"inputRecordCount": 10, "outputRecordCount": 8,
                                              "failedRecordCount": 2}
    manifest = ok["activities"][0]["statusSummary"]["extensions"]["manifest"]
    assert manifest["failedRecords"] == 2 and len(manifest["sampleErrors"]) == 2
    assert world.flow.get(f"flows/{lenient}").json()["items"][0]["lastRunDetails"]["state"] == "partialSuccess"
    for flow_id in (strict, all_or_nothing):
        run = runs_of(world.flow, flow_id)[0]
        assert status(run) == "failed" and run["metrics"]["recordSummary"]["outputRecordCount"] == 0
        assert run["activities"][0]["statusSummary"]["extensions"]["manifest"]["sampleErrors"] == []


def test_many_slots_in_one_jump_each_fire_once_under_concurrent_requests(world):
    pipe = build_pipeline(world.flow, world.platform)
    world.at(START)
    flows = [world.scheduled_flow(pipe) for _ in range(3)]
    world.emulator.clock.set(START + timedelta(hours=10))  # no request yet: the threads race to the jump
    barrier, errors = threading.Barrier(6), []

    def hit(_: int) -> None:
        session = session_for(create_app(world.emulator))
        caller = Flow(session, world.flow.headers["Authorization"].split()[1])
        barrier.wait()
        for _ in range(3):
            response = caller.get("runs", params={"limit": "1"})
            if response.status_code != 200:
                errors.append(response.text)

    run_in_threads(hit, 6)
    assert errors == []
    for flow_id in flows:
        starts = [r["metrics"]["durationSummary"]["startedAtUTC"] for r in runs_of(world.flow, flow_id)]
        assert starts == [(epoch(START) + k * QUARTER) * 1000 for k in range(41)]


def _scripted_runs(seed: int) -> list[dict]:
    world = World(fresh_emulator(seed=seed))
    add_contacts(world.rest, 6)
    pipe = build_pipeline(world.flow, world.platform)
    world.at(START)
    flow_id = world.scheduled_flow(pipe)
    world.at(START + timedelta(minutes=20))
    world.rest.post("sobjects/Contact", json={"LastName": "Late", "FirstName": "late"})
    world.at(START + timedelta(hours=1, minutes=1))
    return runs_of(world.flow, flow_id)


def test_runs_are_deterministic_under_a_frozen_clock():
    first, second = _scripted_runs(7), _scripted_runs(7)
    assert first == second
    assert [r["metrics"]["recordSummary"]["inputRecordCount"] for r in first] == [6, 0, 1, 0, 0]


def test_once_flow_runs_once_at_its_start_time(world):
    add_contacts(world.rest, 2)
    pipe = build_pipeline(world.flow, world.platform)
    world.at(START)
    flow_id = world.scheduled_flow(pipe, {"startTime": str(epoch(START) + 3600), "frequency": "once"})
    world.at(START + timedelta(minutes=59))
    assert runs_of(world.flow, flow_id) == []
    world.at(START + timedelta(days=3))
    runs = runs_of(world.flow, flow_id)
    assert len(runs) == 1 and runs[0]["metrics"]["durationSummary"]["startedAtUTC"] == (epoch(START) + 3600) * 1000
    world.flow.post(f"flows/{flow_id}/action", params={"op": "disable"})
    world.flow.post(f"flows/{flow_id}/action", params={"op": "enable"})
    world.at(START + timedelta(days=4))
    assert len(runs_of(world.flow, flow_id)) == 1  # a once flow that ran stays done


def test_patched_schedule_takes_effect_from_the_next_slot(world):
    pipe = build_pipeline(world.flow, world.platform)
    world.at(START)
    flow_id = world.scheduled_flow(pipe)
    assert len(runs_of(world.flow, flow_id)) == 1
    etag = world.flow.get(f"flows/{flow_id}").json()["items"][0]["etag"]
    patched = world.flow.patch(f"flows/{flow_id}", headers={"If-Match": etag},
                               json=[{"op": "replace", "path": "/scheduleParams/frequency", "value": "hour"},
                                     {"op": "replace", "path": "/scheduleParams/interval", "value": "1"}])
    assert patched.status_code == 200
    world.at(START + timedelta(hours=2))
    starts = [r["metrics"]["durationSummary"]["startedAtUTC"] // 1000 - epoch(START)
              for r in runs_of(world.flow, flow_id)]
    assert starts == [0, 3600, 7200]


def test_on_demand_run_of_a_deleted_flow_fails(world):
    pipe = build_pipeline(world.flow, world.platform)
    world.at(START)
    flow_id = world.scheduled_flow(pipe, {"startTime": str(epoch(START) + 86400), "frequency": "once"})
    params = {"startTime": epoch(START), "windowStartTime": epoch(START) - 60, "windowEndTime": epoch(START),
              "deltaColumn": {"name": "LastModifiedDate"}}
    run_id = world.flow.post("runs", json={"flowId": flow_id, "params": params}).json()["items"][0]["id"]
    assert world.flow.delete(f"flows/{flow_id}").status_code == 204
    world.at(START + timedelta(seconds=5))
    run = world.flow.get(f"runs/{run_id}").json()["items"][0]
    assert status(run) == "failed" and run["metrics"]["statusSummary"]["errors"][0]["code"] == "FLOW-1439-404"
