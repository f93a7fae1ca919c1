"""Control plane: reset, state, journal (secrets redacted), config, snapshots, admin token."""
from __future__ import annotations

import requests

from emulator.core.journal import redact_query
from emulator.testing import serve_subprocess


def test_reset_drops_records_and_tokens(rest, crm_session):
    rest.post("sobjects/Contact", json={"LastName": "Temp"})
    assert crm_session.post("https://x/__emulator/reset").json() == {"reset": True}
    assert rest.get("limits").status_code == 401
    state = crm_session.get("https://x/__emulator/state").json()
    assert state["salesforce"]["orgs"][0]["records"].get("Contact", 0) == 0


def test_snapshot_and_restore(rest, crm_session):
    keep = rest.post("sobjects/Contact", json={"LastName": "Keep"}).json()["id"]
    crm_session.post("https://x/__emulator/snapshot", json={"name": "one"})
    rest.delete(f"sobjects/Contact/{keep}")
    assert rest.get(f"sobjects/Contact/{keep}").status_code == 404
    assert crm_session.post("https://x/__emulator/restore", json={"name": "one"}).status_code == 200
    assert rest.get(f"sobjects/Contact/{keep}").status_code == 200
    assert crm_session.post("https://x/__emulator/restore", json={"name": "none"}).status_code == 404


def test_config_rejects_unknown_keys(crm_session):
    bad = crm_session.post("https://x/__emulator/config", json={"salesforce": {"warp_speed": 9}})
    assert bad.status_code == 400
    ok = crm_session.post("https://x/__emulator/config", json={"salesforce": {"custom_field_cap": 10}})
    assert ok.json()["salesforce"]["custom_field_cap"] == 10


def test_journal_records_calls_without_secrets(rest, crm_session):
    rest.get("limits", params={"access_token": "SECRETVALUE", "q": "x"})
    entries = crm_session.get("https://x/__emulator/journal").json()["entries"]
    last = [e for e in entries if e["path"].endswith("/limits")][-1]
    assert last["method"] == "GET" and last["status"] == 200 and last["org"].startswith("00D")
    assert "SECRETVALUE" not in str(entries) and rest.token not in str(entries)
    assert redact_query("token=abc&x=1&client_secret=s") == "token=***&x=1&client_secret=***"


def test_server_mode_requires_the_admin_token():
    with serve_subprocess() as server:
        url = f"{server.base_url}/__emulator/state"
        assert requests.get(url).status_code == 401
        assert requests.get(url, headers={"X-Admin-Token": "wrong"}).status_code == 401
        assert requests.get(url, headers={"X-Admin-Token": server.admin_token}).status_code == 200
        assert server.base_url.startswith("http://127.0.0.1:")
