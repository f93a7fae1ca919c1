"""The one clock: freezegun in-process, /__emulator/clock in any mode. Covers SF-OAUTH-6, SF-REST-11."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

from emulator.core.clock import Clock, parse_duration, parse_instant


def test_durations():
    assert parse_duration("31d") == timedelta(days=31)
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("500ms") == timedelta(milliseconds=500)
    assert parse_duration(15) == timedelta(seconds=15)
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_instants():
    assert parse_instant("2024-01-02T03:04:05Z") == datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert parse_instant("2024-01-02T03:04:05.000+0000") == datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert parse_instant("2024-01-02T05:04:05+02:00") == datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def test_freeze_advance_set_resume():
    clock = Clock()
    frozen = clock.freeze()
    assert clock.now() == frozen
    assert clock.advance(timedelta(days=31)) == frozen + timedelta(days=31)
    target = datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert clock.set(target) == target
    clock.freeze(False)
    assert abs((clock.now() - target).total_seconds()) < 5


def test_freezegun_drives_the_emulator_in_process(rest):
    with freeze_time("2025-03-01T12:00:00Z"):
        record_id = rest.post("sobjects/Contact", json={"LastName": "Frozen"}).json()["id"]
        body = rest.get(f"sobjects/Contact/{record_id}").json()
    assert body["CreatedDate"] == "2025-03-01T12:00:00.000+0000"


def test_clock_endpoint(crm_session):
    base = "https://x/__emulator/clock"
    assert "now" in crm_session.get(base).json()
    state = crm_session.post(base, json={"set": "2030-06-01T00:00:00Z", "freeze": True}).json()
    assert state["now"] == "2030-06-01T00:00:00.000Z" and state["frozen"] is True
    assert crm_session.post(base, json={"advance": "31d"}).json()["now"] == "2030-07-02T00:00:00.000Z"
    assert crm_session.post(base, json={"freeze": False}).json()["frozen"] is False
    bad = crm_session.post(base, json={"advance": "later"})
    assert bad.status_code == 400 and "invalid duration" in bad.json()["error"]
    assert crm_session.post(base, json={"warp": 1}).status_code == 400


def test_session_expires_on_the_moved_clock(rest, crm_session):
    assert rest.get("limits").status_code == 200
    crm_session.post("https://x/__emulator/clock", json={"advance": "3h"})
    assert rest.get("limits").status_code == 401
