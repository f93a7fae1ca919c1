"""serve --data on the AEP side: connections, flows, runs, datasets and their rows, profiles and segments
come back exactly after a restart, and the schedule carries on from where it was (no slot twice)."""
from __future__ import annotations

from datetime import timedelta

from aep_flow_helpers import START, SalesforceRest, add_contacts, build_pipeline, epoch, rows, runs_of, seed_flow
from aep_helpers import Flow, ims_token
from aep_platform_helpers import Platform
from emulator.app import create_app
from emulator.config import Emulator, EmulatorConfig
from emulator.core.transport import session_for
from emulator.durable import open_data
from emulator.pytest_plugin import fresh_emulator

ADMIN = "http://x/__emulator"
QUARTER = 15 * 60


def _callers(emulator):
    session = session_for(create_app(emulator))
    token = ims_token(session)
    return session, Flow(session, token), Platform(session, token)


def _view(session, flow: Flow, flow_id: str, dataset_id: str) -> dict:
    listed = {name: flow.get(name, params={"limit": "100"}).json()["items"]
              for name in ("connections", "sourceConnections", "targetConnections", "flows")}
    return {**listed, "runs": runs_of(flow, flow_id), "rows": rows(flow, dataset_id),
            "profiles": session.get(f"{ADMIN}/aep/profiles").json()["profiles"],
            "segment": session.get(f"{ADMIN}/aep/segments/seg-a").json()}


def test_flow_service_state_and_schedule_survive_a_restart(tmp_path):
    path = tmp_path / "state.db"
    emulator = fresh_emulator(seed=11)
    emulator.clock.freeze()
    emulator.clock.set(START - timedelta(minutes=10))
    open_data(emulator, path)
    session, flow, platform = _callers(emulator)
    add_contacts(SalesforceRest(session), 4)
    assert session.post(f"{ADMIN}/aep/segments", json={"id": "seg-a", "name": "A"}).status_code == 201
    assert session.post(f"{ADMIN}/aep/profiles", json={"profiles": [
        {"id": "p1", "identityMap": {"crmID": [{"id": "003Hs0000000001IAA"}]},
         "person": {"name": {"firstName": "Ada", "lastName": "Lovelace"}}}]}).status_code == 201
    assert session.post(f"{ADMIN}/aep/segments/seg-a/members", json={"enter": ["p1"]}).status_code == 200
    pipe = build_pipeline(flow, platform)
    assert session.post(f"{ADMIN}/clock", json={"set": START.isoformat()}).status_code == 200
    schedule = {"startTime": str(epoch(START)), "frequency": "minute", "interval": "15"}
    created = flow.post("flows", json=seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id, schedule=schedule))
    assert created.status_code == 201, created.text
    flow_id = created.json()["id"]
    assert session.post(f"{ADMIN}/clock", json={"set": (START + timedelta(minutes=20)).isoformat()}).status_code == 200
    before = _view(session, flow, flow_id, pipe.dataset_id)
    assert len(before["runs"]) == 2 and len(before["rows"]) == 4

    emulator.persister.file.close()
    restored = Emulator(EmulatorConfig(fixture={}))
    open_data(restored, path)
    assert restored.clock.frozen and restored.now() == START + timedelta(minutes=20)
    session, flow, _ = _callers(restored)  # a new IMS token: the old one is kept too, but a client would renew
    assert _view(session, flow, flow_id, pipe.dataset_id) == before

    assert session.post(f"{ADMIN}/clock", json={"advance": "15m"}).status_code == 200
    runs = runs_of(flow, flow_id)
    assert [r["metrics"]["durationSummary"]["startedAtUTC"] // 1000 for r in runs] == \
        [epoch(START) + k * QUARTER for k in range(3)]  # the next slot once, none replayed
