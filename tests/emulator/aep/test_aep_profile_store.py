"""Seed 000's AEP side: profiles, segments and memberships through /__emulator/aep, the fixture and the change log."""
from __future__ import annotations

import pytest

from emulator.app import create_app
from emulator.config import Emulator, EmulatorConfig
from emulator.core.transport import session_for
from emulator.pytest_plugin import _demo_fixture
from emulator.testing import serve_subprocess

ADMIN = "http://x/__emulator/aep"
PROFILE = {"id": "p1", "identityMap": {"crmID": [{"id": "003Hs0000000001IAA"}]},
           "person": {"name": {"firstName": "Ada", "lastName": "Lovelace"}},
           "personalEmail": {"address": "ada@example.com"}, "b2b": {"companyName": "Engines"}}


def test_profiles_move_in_and_out_of_a_segment_and_the_change_log_follows(crm_session):
    assert crm_session.post(f"{ADMIN}/segments", json={"id": "seg-a", "name": "A"}).status_code == 201
    created = crm_session.post(f"{ADMIN}/profiles", json={"profiles": [PROFILE, {**PROFILE, "id": "p2"}]})
    assert created.status_code == 201
    cursor = created.json()["cursor"]
    moved = crm_session.post(f"{ADMIN}/segments/seg-a/members", json={"enter": ["p1"]}).json()
    assert moved["members"] == ["p1"]
    changed = crm_session.get(f"{ADMIN}/profiles", params={"since": cursor}).json()
    assert [p["id"] for p in changed["profiles"]] == ["p1"]
    assert changed["profiles"][0]["segmentMembership"]["ups"]["seg-a"]["status"] == "realized"

    crm_session.post(f"{ADMIN}/segments/seg-a/members", json={"enter": ["p1"]})
    assert crm_session.get(f"{ADMIN}/profiles/p1").json()["segmentMembership"]["ups"]["seg-a"]["status"] == "existing"
    cursor = crm_session.get(f"{ADMIN}/profiles").json()["cursor"]
    crm_session.post(f"{ADMIN}/segments/seg-a/members", json={"exit": ["p1", "p2"]})
    changed = crm_session.get(f"{ADMIN}/profiles", params={"since": cursor}).json()
    assert [p["id"] for p in changed["profiles"]] == ["p1"]  # p2 was never in: nothing changed
    assert changed["profiles"][0]["segmentMembership"]["ups"]["seg-a"]["status"] == "exited"
    assert crm_session.get(f"{ADMIN}/segments/seg-a").json()["exited"] == ["p1"]
    assert crm_session.get(f"{ADMIN}/profiles", params={"since": changed["cursor"]}).json()["profiles"] == []


@pytest.mark.parametrize("path, body, message", [
    ("/profiles", {"identityMap": {}}, "id"),
    ("/profiles", {"id": "p", "crm": 1}, "crm"),
    ("/profiles", {"id": "p", "identityMap": {"crmID": "003"}}, "crmID"),
    ("/profiles", {"id": "p", "segments": {"nope": "realized"}}, "nope"),
    ("/segments", {"name": "no id"}, "id"),
    ("/segments/nope/members", {"enter": ["p"]}, "nope"),
])
def test_bad_input_is_a_400_naming_the_field(crm_session, path, body, message):
    response = crm_session.post(f"{ADMIN}{path}", json=body)
    assert response.status_code == 400 and message in response.json()["error"]


def test_unknown_profiles_segments_and_sandboxes_are_404(crm_session):
    assert crm_session.get(f"{ADMIN}/profiles/nope").status_code == 404
    assert crm_session.delete(f"{ADMIN}/profiles/nope").status_code == 404
    assert crm_session.get(f"{ADMIN}/segments/nope").status_code == 404
    assert crm_session.get(f"{ADMIN}/profiles", params={"sandbox": "nope"}).status_code == 404
    assert crm_session.get(f"{ADMIN}/profiles", params={"since": "x"}).status_code == 400


def test_the_fixture_loads_profiles_into_the_default_sandbox_and_reset_returns_to_them():
    fixture = {**_demo_fixture(), "aep": {**_demo_fixture()["aep"], "segments": [{"id": "seg-a", "name": "A"}],
                                          "profiles": [{**PROFILE, "segments": {"seg-a": "realized"}}]}}
    emulator = Emulator(EmulatorConfig(seed=1, fixture=fixture))
    session = session_for(create_app(emulator))
    session.post(f"{ADMIN}/segments/seg-a/members", json={"exit": ["p1"]})
    emulator.reset()
    body = session.get(f"{ADMIN}/profiles/p1").json()
    assert body["segmentMembership"]["ups"]["seg-a"]["status"] == "realized"
    assert session.get(f"{ADMIN}/profiles", params={"sandbox": "dev"}).json()["profiles"] == []


def test_a_fixture_profile_in_an_unknown_segment_is_refused():
    emulator = Emulator(EmulatorConfig(seed=1, fixture=_demo_fixture()))
    bad = {**_demo_fixture(), "aep": {**_demo_fixture()["aep"], "profiles": [{"id": "p", "segments": {"s": "realized"}}]}}
    with pytest.raises(ValueError, match="aep: segments.s"):
        emulator.load_fixture(bad)


def test_served_profile_admin_needs_the_admin_token():
    import requests
    with serve_subprocess() as server:
        url = f"{server.base_url}/__emulator/aep/segments"
        assert requests.post(url, json={"id": "seg-a"}).status_code == 401
        ok = requests.post(url, json={"id": "seg-a"}, headers={"X-Admin-Token": server.admin_token})
        assert ok.status_code == 201
