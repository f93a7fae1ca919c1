"""AEP-FS-6 under ``serve``: a scheduled run reads the emulated Salesforce through the real HTTP server."""
from __future__ import annotations

import requests

from aep_flow_helpers import START, SalesforceRest, add_contacts, build_pipeline, epoch, seed_flow
from aep_helpers import CLIENT, ORG, SECRET, Flow
from aep_platform_helpers import Platform
from emulator.testing import serve_subprocess


def test_scheduled_run_over_serve():
    with serve_subprocess() as server, requests.Session() as session:
        admin = {"X-Admin-Token": server.admin_token}
        clock = f"{server.base_url}/__emulator/clock"
        assert session.post(clock, json={"freeze": True, "set": "2026-03-02T08:50:00Z"}, headers=admin).ok
        rest = SalesforceRest(session, base=server.base_url, login=server.base_url)
        add_contacts(rest, 3)
        token = session.post(f"{server.base_url}/ims/token/v3", data={
            "grant_type": "client_credentials", "client_id": CLIENT, "client_secret": SECRET}).json()["access_token"]
        flow, platform = Flow(session, token, host=server.base_url), Platform(session, token, host=server.base_url)
        assert flow.headers["x-gw-ims-org-id"] == ORG
        pipe = build_pipeline(flow, platform)
        assert session.post(clock, json={"set": START.isoformat()}, headers=admin).ok
        schedule = {"startTime": str(epoch(START)), "frequency": "minute", "interval": "15"}
        flow_id = flow.post("flows", json=seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id,
                                                    schedule=schedule)).json()["id"]
        runs = flow.get("runs", params={"property": f"flowId=={flow_id}"}).json()["items"]
        assert len(runs) == 1 and runs[0]["metrics"]["statusSummary"]["status"] == "success", runs
        assert runs[0]["metrics"]["recordSummary"]["outputRecordCount"] == 3
        rows = session.get(f"{server.base_url}/__emulator/aep/datasets/{pipe.dataset_id}/rows", headers=admin)
        assert len(rows.json()["rows"]) == 3
