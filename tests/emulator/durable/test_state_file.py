"""Durable state (serve --data) in process: a restart restores exactly, secrets stay encrypted,
foreign and corrupt files are refused untouched, snapshot files carry a whole state."""
from __future__ import annotations

import os
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from emulator.app import create_app
from emulator.config import Emulator, EmulatorConfig
from emulator.core.transport import session_for
from emulator.durable import StateFileError, StateKeyError, open_data
from emulator.pytest_plugin import fresh_emulator

LOGIN = "https://login.salesforce.com"
API = "https://harness.my.salesforce.com/services/data/v59.0"
SECRETS = ("password123", "TOKEN123", "harness-client-secret", "harness-aep-secret")


class Served:
    """An emulator attached to a state file, called through its app like a client would."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.session = session_for(create_app(emulator))

    def login(self) -> dict:
        answer = self.session.post(f"{LOGIN}/services/oauth2/token", data={
            "grant_type": "password", "client_id": "harness-client-id", "client_secret": "harness-client-secret",
            "username": "admin@example.com", "password": "password123TOKEN123"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def api(self, method: str, path: str, token: str, headers: dict | None = None, **kwargs):
        return self.session.request(method, f"{API}/{path}",
                                    headers={"Authorization": f"Bearer {token}", **(headers or {})}, **kwargs)

    def admin(self, method: str, path: str, **kwargs):
        return self.session.request(method, f"http://emulator/__emulator/{path}", **kwargs)


def start(path: Path, emulator: Emulator | None = None) -> Served:
    emulator = emulator or Emulator(EmulatorConfig(seed=7, fixture={}))
    open_data(emulator, path)
    return Served(emulator)


def restart(served: Served, path: Path) -> Served:
    served.emulator.persister.file.close()
    return start(path)


@pytest.fixture
def state_path(tmp_path) -> Path:
    return tmp_path / "state.db"


def test_a_restart_restores_records_deletions_fields_tokens_limits_and_clock(state_path):
    served = start(state_path, fresh_emulator(seed=3))
    grant = served.login()
    token = grant["access_token"]
    field = served.api("POST", "tooling/sobjects/CustomField", token, json={
        "FullName": "Contact.Segment_Status__c", "Metadata": {"type": "Text", "length": 40, "label": "Segment"}})
    assert field.status_code == 201, field.text
    ids = [served.api("POST", "sobjects/Contact", token, json={
        "LastName": f"Durable{i}", "Segment_Status__c": "active"}).json()["id"] for i in range(5)]
    assert served.api("PATCH", f"sobjects/Contact/{ids[0]}", token, json={"LastName": "Renamed"}).status_code == 204
    assert served.api("DELETE", f"sobjects/Contact/{ids[1]}", token).status_code == 204
    assert served.admin("POST", "clock", json={"advance": "30m"}).status_code == 200
    assert served.admin("POST", "config", json={"salesforce": {"daily_api_limit": 777}}).status_code == 200
    before = _observe(served, token)

    again = restart(served, state_path)
    after = _observe(again, token)  # the old access token still works: sessions survive
    used = {key: before["limits"][key]["Remaining"] - after["limits"][key]["Remaining"]
            for key in before["limits"]}
    assert used["DailyApiRequests"] == 4  # the 4 calls of the first round: the usage counter survived
    assert not {key: n for key, n in used.items() if key != "DailyApiRequests" and n}
    assert {k: v for k, v in after.items() if k != "limits"} == {k: v for k, v in before.items() if k != "limits"}
    assert after["limits"]["DailyApiRequests"]["Max"] == 777
    # the emulated time went on from where it was (30 minutes ahead), not from the real time
    assert again.emulator.clock.dump()["offset"].total_seconds() == pytest.approx(1800, abs=1)
    # ids carry on: a new record never reuses an id handed out before the restart
    new_id = again.api("POST", "sobjects/Contact", token, json={"LastName": "After"}).json()["id"]
    assert new_id not in ids
    # the session's expiry rule carries on: 2 hours without activity (the org's timeout) ends it
    assert again.admin("POST", "clock", json={"advance": "121m"}).status_code == 200
    expired = again.api("GET", "limits", token)
    assert expired.status_code == 401 and expired.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def _observe(served: Served, token: str) -> dict:
    """What a client can see of the state (the API usage read before any other call of this round)."""
    limits = served.api("GET", "limits", token).json()
    query = served.api("GET", "queryAll", token, params={
        "q": "SELECT Id, LastName, Segment_Status__c, IsDeleted, CreatedDate, LastModifiedDate FROM Contact "
             "ORDER BY CreatedDate, Id"}).json()
    now = served.emulator.now().replace(microsecond=0)
    deleted = served.api("GET", "sobjects/Contact/deleted/", token, params={
        "start": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "end": (now + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")}).json()
    describe = served.api("GET", "sobjects/Contact/describe", token).json()
    return {"limits": limits, "query": query["records"], "deleted": deleted["deletedRecords"],
            "fields": sorted(f["name"] for f in describe["fields"]),
            "users": served.emulator.summary()["salesforce"]["orgs"][0]["users"]}


def test_an_unchanged_store_is_not_rewritten_and_a_changed_record_is_rewritten_alone(state_path):
    served = start(state_path, fresh_emulator(seed=3))
    token = served.login()["access_token"]
    record_id = served.api("POST", "sobjects/Contact", token, json={"LastName": "One"}).json()["id"]
    conn = sqlite3.connect(state_path)
    rows_before = dict(conn.execute("SELECT store || '/' || id, data FROM rows"))
    served.api("PATCH", f"sobjects/Contact/{record_id}", token, json={"LastName": "Two"})
    rows_after = dict(conn.execute("SELECT store || '/' || id, data FROM rows"))
    changed = [key for key in rows_after if rows_after[key] != rows_before.get(key)]
    assert len(changed) == 1 and changed[0].endswith(record_id)
    conn.close()


def test_no_secret_is_stored_in_clear(state_path):
    served = start(state_path, fresh_emulator(seed=3))
    grant = served.login()
    ims = served.session.post("https://ims-na1.adobelogin.com/ims/token/v3", data={
        "grant_type": "client_credentials", "client_id": "harness-aep-client",
        "client_secret": "harness-aep-secret", "scope": "openid"})
    assert ims.status_code == 200, ims.text
    served.emulator.persister.file.conn.execute("PRAGMA wal_checkpoint(FULL)")
    secrets = [*SECRETS, grant["access_token"], ims.json()["access_token"]]
    for path in state_path.parent.glob("state.db*"):
        if path.suffix == ".key":
            continue
        content = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in content, f"{secret[:12]}… in clear in {path.name}"
    key_file = state_path.parent / "state.db.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def _other_sqlite_database(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE recipients (id INTEGER)")


@pytest.mark.parametrize("make", [lambda p: p.write_bytes(b"not a database at all"), lambda p: p.write_bytes(b""),
                                  _other_sqlite_database], ids=["text", "empty", "other-sqlite"])
def test_a_foreign_file_is_refused_and_left_untouched(state_path, make):
    make(state_path)
    before = state_path.read_bytes()
    with pytest.raises(StateFileError, match="not a crm-harness state file"):
        start(state_path)
    assert state_path.read_bytes() == before
    assert not (state_path.parent / "state.db.key").exists()


def test_a_corrupt_state_file_is_refused_untouched(state_path):
    served = start(state_path, fresh_emulator(seed=3))
    token = served.login()["access_token"]
    for i in range(30):
        served.api("POST", "sobjects/Contact", token, json={"LastName": f"Row{i}" * 20})
    conn = served.emulator.persister.file.conn
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    served.emulator.persister.file.close()
    data = bytearray(state_path.read_bytes())
    for offset in range(4096 + 100, len(data), 4096):  # scribble over every page but the header page
        data[offset:offset + 64] = os.urandom(64)
    state_path.write_bytes(bytes(data))
    with pytest.raises(StateFileError, match="corrupt"):
        start(state_path)
    assert state_path.read_bytes() == bytes(data)


def test_a_wrong_or_missing_key_is_a_clear_error(state_path):
    start(state_path, fresh_emulator(seed=3)).emulator.persister.file.close()
    key_file = state_path.parent / "state.db.key"
    original = key_file.read_bytes()
    key_file.write_bytes(b"Xq3kZt1Ox0bYkBvVhC7y2aW5Yc8GQm0d4qkq8m3ZbJQ=")
    with pytest.raises(StateKeyError, match="does not open this state file"):
        start(state_path)
    key_file.unlink()
    with pytest.raises(StateKeyError, match="key file .* not found"):
        start(state_path)
    key_file.write_bytes(original)
    start(state_path)


def test_a_passphrase_instead_of_a_key_file(state_path, monkeypatch):
    monkeypatch.setenv("CRM_HARNESS_STATE_PASSPHRASE", "open sesame")
    start(state_path, fresh_emulator(seed=3)).emulator.persister.file.close()
    assert not (state_path.parent / "state.db.key").exists()
    start(state_path).emulator.persister.file.close()
    monkeypatch.setenv("CRM_HARNESS_STATE_PASSPHRASE", "wrong")
    with pytest.raises(StateKeyError):
        start(state_path)


def test_snapshot_file_round_trip_through_the_admin_api(state_path):
    served = start(state_path, fresh_emulator(seed=3))
    token = served.login()["access_token"]
    served.api("POST", "sobjects/Contact", token, json={"LastName": "InSnapshot"})
    missing = served.admin("GET", "snapshot/file")
    assert missing.status_code == 400 and "X-Snapshot-Passphrase" in missing.json()["error"]
    exported = served.admin("GET", "snapshot/file", headers={"X-Snapshot-Passphrase": "pw"})
    assert exported.status_code == 200 and exported.content.startswith(b"SQLite format 3\x00")
    for secret in SECRETS:
        assert secret.encode() not in exported.content
    served.api("POST", "sobjects/Contact", token, json={"LastName": "AfterSnapshot"})

    wrong = served.admin("PUT", "snapshot/file", data=exported.content, headers={"X-Snapshot-Passphrase": "no"})
    assert wrong.status_code == 400 and "passphrase does not open" in wrong.json()["error"]
    junk = served.admin("PUT", "snapshot/file", data=b"junk", headers={"X-Snapshot-Passphrase": "pw"})
    assert junk.status_code == 400 and "not a crm-harness state file" in junk.json()["error"]
    loaded = served.admin("PUT", "snapshot/file", data=exported.content, headers={"X-Snapshot-Passphrase": "pw"})
    assert loaded.status_code == 200, loaded.text
    names = _names(served, token)
    assert "InSnapshot" in names and "AfterSnapshot" not in names
    # the durable file follows the loaded snapshot: a restart shows the same
    assert _names(restart(served, state_path), token) == names


def _names(served: Served, token: str) -> list[str]:
    answer = served.api("GET", "query", token, params={"q": "SELECT LastName FROM Contact"})
    assert answer.status_code == 200, answer.text
    return [r["LastName"] for r in answer.json()["records"]]


def test_reset_and_named_snapshots_survive_a_restart(state_path):
    served = start(state_path, fresh_emulator(seed=3))
    served.emulator.mark_baseline()
    token = served.login()["access_token"]
    served.api("POST", "sobjects/Contact", token, json={"LastName": "Kept"})
    assert served.admin("POST", "snapshot", json={"name": "before-more"}).status_code == 200
    served.api("POST", "sobjects/Contact", token, json={"LastName": "More"})
    again = restart(served, state_path)
    assert again.admin("POST", "restore", json={"name": "before-more"}).status_code == 200
    token = again.login()["access_token"]
    names = _names(again, token)
    assert "Kept" in names and "More" not in names
    assert again.admin("POST", "reset").status_code == 200
    token = again.login()["access_token"]
    assert "Kept" not in _names(again, token)


def test_a_query_locator_goes_on_after_a_restart(state_path):
    emulator = fresh_emulator(seed=3)
    emulator.seed(Contact=[{"LastName": f"Row{i:03d}"} for i in range(450)])
    served = start(state_path, emulator)
    token = served.login()["access_token"]
    first = served.api("GET", "query", token, params={"q": "SELECT Id, LastName FROM Contact ORDER BY LastName"},
                       headers={"Sforce-Query-Options": "batchSize=200"})
    assert first.status_code == 200, first.text
    body = first.json()
    next_url = body["nextRecordsUrl"]
    again = restart(served, state_path)
    more = again.session.get(f"https://harness.my.salesforce.com{next_url}",
                             headers={"Authorization": f"Bearer {token}"})
    assert more.status_code == 200, more.text
    names = [r["LastName"] for r in body["records"]] + [r["LastName"] for r in more.json()["records"]]
    assert names[:400] == sorted(names[:400]) and len(more.json()["records"]) == 200
    assert more.json()["records"][0]["attributes"]["type"] == "Contact"


def test_a_data_path_in_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(StateFileError, match="does not exist"):
        start(tmp_path / "no" / "such" / "state.db")
