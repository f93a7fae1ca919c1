"""The AEP side in every way of running: mock() on the real hosts, serve on loopback, reset and snapshots.

Covers AEP-AUTH-1, AEP-FS-2 and AEP-ISO-1 end to end.
"""
from __future__ import annotations

import requests

from aep_helpers import CLIENT, FLOW, IMS, ORG, SECRET, ssc_connection
from emulator.testing import serve_subprocess


def _headers(token: str, sandbox: str = "prod") -> dict:
    return {"Authorization": f"Bearer {token}", "x-api-key": CLIENT, "x-gw-ims-org-id": ORG,
            "x-sandbox-name": sandbox}


def _token(base: str) -> str:
    response = requests.post(f"{base}/ims/token/v3", data={
        "grant_type": "client_credentials", "client_id": CLIENT, "client_secret": SECRET})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def test_mock_routes_the_real_adobe_hosts(crm_mock):
    token = _token(IMS.rsplit("/ims/", 1)[0])
    created = requests.post(f"{FLOW}/connections", json=ssc_connection(), headers=_headers(token))
    assert created.status_code == 201
    assert crm_mock.aep.summary()["sandboxes"][0]["connections"] == 1


def test_reset_and_snapshots_cover_aep_state(crm_emulator, flow):
    first = flow.post("connections", json=ssc_connection()).json()["id"]
    crm_emulator.snapshot("one")
    second = flow.post("connections", json=ssc_connection()).json()["id"]
    crm_emulator.restore("one")
    assert flow.get(f"connections/{first}").status_code == 200
    assert flow.get(f"connections/{second}").status_code == 404
    crm_emulator.reset()
    assert flow.get("connectionSpecs").status_code == 401  # tokens are state too


def test_server_mode_serves_ims_and_flow_service():
    with serve_subprocess() as server:
        base = server.base_url
        token = _token(base)
        flow = f"{base}/data/foundation/flowservice"
        created = requests.post(f"{flow}/connections", json=ssc_connection(), headers=_headers(token))
        assert created.status_code == 201
        connection = created.json()["id"]
        assert requests.get(f"{flow}/connections/{connection}/test", headers=_headers(token)).json() == {"result": True}
        assert requests.get(f"{flow}/connections/{connection}", headers=_headers(token, "dev")).status_code == 404
        missing = requests.get(f"{flow}/connections", headers={**_headers(token), "x-api-key": ""})
        assert (missing.status_code, missing.json()["error_code"]) == (403, "403000")
